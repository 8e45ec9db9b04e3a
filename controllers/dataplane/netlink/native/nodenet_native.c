// The only native code in nodenet: what Node cannot do by itself.
// Netlink sockets (opened inside a chosen network namespace), namespace
// creation/removal (unshare + bind mount), per-namespace /proc/sys writes.
// All message encoding and decoding stays in TypeScript.
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef NETLINK_LISTEN_ALL_NSID
#define NETLINK_LISTEN_ALL_NSID 8
#endif

#define MAX_PATH 4096

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[MAX_PATH + 128];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  char codebuf[32];
  snprintf(codebuf, sizeof codebuf, "E%d", err);
  napi_create_string_utf8(env, codebuf, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, NULL, message, &error);
  napi_value errnoVal;
  napi_create_int32(env, err, &errnoVal);
  napi_set_named_property(env, error, "errno", errnoVal);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  for (size_t i = argc; i < want; i++) napi_get_undefined(env, &argv[i]);
  return (int)argc;
}

static int get_string(napi_env env, napi_value v, char *buf, size_t len) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, buf, len, &n) != napi_ok) return -1;
  if (n >= len - 1) return -1;
  return 0;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_undefined || t == napi_null;
}

static napi_value make_int(napi_env env, int64_t n) {
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

// Runs fn while the calling thread is inside the namespace at path, then returns.
// setns(CLONE_NEWNET) affects only this thread, and no JS runs in between.
typedef int (*ns_fn)(void *arg);
static int in_netns(const char *path, ns_fn fn, void *arg, int *fn_err) {
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return errno;
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) { int e = errno; close(self); return e; }
  if (setns(target, CLONE_NEWNET) < 0) { int e = errno; close(self); close(target); return e; }
  close(target);
  *fn_err = fn(arg);
  if (setns(self, CLONE_NEWNET) < 0) abort(); // staying in a foreign namespace is never safe
  close(self);
  return 0;
}

struct sock_args { int protocol; uint32_t groups; int fd; };

static int open_socket(void *p) {
  struct sock_args *a = p;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, a->protocol);
  if (fd < 0) return errno;
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  int rcv = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = a->groups };
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { int e = errno; close(fd); return e; }
  a->fd = fd;
  return 0;
}

// socket(protocol, groups, nsPath?) -> fd
static napi_value Socket(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  get_args(env, info, 3, argv);
  struct sock_args a = { 0, 0, -1 };
  napi_get_value_int32(env, argv[0], &a.protocol);
  napi_get_value_uint32(env, argv[1], &a.groups);
  int err = 0;
  if (is_nullish(env, argv[2])) {
    err = open_socket(&a);
  } else {
    char path[MAX_PATH];
    if (get_string(env, argv[2], path, sizeof path) < 0) return throw_msg(env, "socket: bad namespace path");
    int nserr = in_netns(path, open_socket, &a, &err);
    if (nserr) return throw_errno(env, "socket: enter network namespace", nserr);
  }
  if (err) return throw_errno(env, "socket", err);
  return make_int(env, a.fd);
}

// setsockopt(fd, option, value) for SOL_NETLINK int options (membership, strict check, all-nsid)
static napi_value SetOpt(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  get_args(env, info, 3, argv);
  int fd, opt, val;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int32(env, argv[1], &opt);
  napi_get_value_int32(env, argv[2], &val);
  if (setsockopt(fd, SOL_NETLINK, opt, &val, sizeof val) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

// send(fd, buffer) -> bytes sent
static napi_value Send(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  get_args(env, info, 2, argv);
  int fd;
  napi_get_value_int32(env, argv[0], &fd);
  void *data; size_t len;
  if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) return throw_msg(env, "send: buffer expected");
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  ssize_t n;
  do { n = sendto(fd, data, len, 0, (struct sockaddr *)&sa, sizeof sa); } while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "send", errno);
  return make_int(env, n);
}

static void free_buf(napi_env env, void *data, void *hint) { (void)env; (void)hint; free(data); }

// recv(fd, block) -> { data: Buffer, nsid: number } | null (null: would block)
// nsid is -1 unless the socket listens to all namespaces and the kernel tagged the message.
static napi_value Recv(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  get_args(env, info, 2, argv);
  int fd; bool block = false;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_bool(env, argv[1], &block);
  int flags = block ? 0 : MSG_DONTWAIT;
  ssize_t need;
  do { need = recv(fd, NULL, 0, flags | MSG_PEEK | MSG_TRUNC); } while (need < 0 && errno == EINTR);
  if (need < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) { napi_value nul; napi_get_null(env, &nul); return nul; }
    return throw_errno(env, "recv", errno);
  }
  size_t cap = need > 0 ? (size_t)need : 1;
  char *buf = malloc(cap);
  if (!buf) return throw_errno(env, "recv", ENOMEM);
  char cbuf[CMSG_SPACE(sizeof(int)) * 2];
  struct sockaddr_nl sa;
  struct iovec iov = { buf, cap };
  struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n;
  do { n = recvmsg(fd, &mh, flags); } while (n < 0 && errno == EINTR);
  if (n < 0) { int e = errno; free(buf); return throw_errno(env, "recv", e); }
  int nsid = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_LISTEN_ALL_NSID) memcpy(&nsid, CMSG_DATA(c), sizeof nsid);
  }
  napi_value out, data, nsidv;
  napi_create_object(env, &out);
  napi_create_external_buffer(env, (size_t)n, buf, free_buf, NULL, &data);
  napi_create_int32(env, nsid, &nsidv);
  napi_set_named_property(env, out, "data", data);
  napi_set_named_property(env, out, "nsid", nsidv);
  return out;
}

static napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, 1, argv);
  int fd;
  napi_get_value_int32(env, argv[0], &fd);
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

// Readiness notifications for monitor sockets: poll(fd, cb) -> handle; unpoll(handle).
struct poller { uv_poll_t handle; napi_env env; napi_ref cb; napi_async_context ctx; };

static void on_closed(uv_handle_t *h) {
  struct poller *p = (struct poller *)h;
  napi_delete_reference(p->env, p->cb);
  napi_async_destroy(p->env, p->ctx);
  free(p);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  struct poller *p = (struct poller *)h;
  napi_handle_scope scope;
  napi_open_handle_scope(p->env, &scope);
  napi_value cb, global, result;
  napi_get_reference_value(p->env, p->cb, &cb);
  napi_get_global(p->env, &global);
  napi_make_callback(p->env, p->ctx, global, cb, 0, NULL, &result);
  napi_close_handle_scope(p->env, scope);
  // libuv stops a poll handle on POLLERR, which a netlink overrun (ENOBUFS) raises. The callback
  // has read the socket, which clears the error, so watching resumes unless it was unpolled.
  if (status < 0 && !uv_is_closing((uv_handle_t *)h)) uv_poll_start(h, UV_READABLE, on_readable);
}

static void finalize_poller(napi_env env, void *data, void *hint) { (void)env; (void)data; (void)hint; }

static napi_value Poll(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  get_args(env, info, 2, argv);
  int fd;
  napi_get_value_int32(env, argv[0], &fd);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  struct poller *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, "poll", ENOMEM);
  p->env = env;
  napi_create_reference(env, argv[1], 1, &p->cb);
  napi_value name;
  napi_create_string_utf8(env, "nodenet:netlink-poll", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->ctx);
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc == 0) rc = uv_poll_start(&p->handle, UV_READABLE, on_readable);
  if (rc != 0) return throw_msg(env, uv_strerror(rc));
  napi_value ext;
  napi_create_external(env, p, finalize_poller, NULL, &ext);
  return ext;
}

static napi_value Unpoll(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, 1, argv);
  struct poller *p;
  if (napi_get_value_external(env, argv[0], (void **)&p) != napi_ok || !p) return throw_msg(env, "unpoll: handle expected");
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t *)&p->handle, on_closed);
  return NULL;
}

// Makes dir a shared mount point, as `ip netns add` does for /run/netns, so namespaces
// bind-mounted into it are visible in every mount namespace that shares it.
static int make_shared_dir(const char *dir) {
  if (mkdir(dir, 0755) < 0 && errno != EEXIST) return errno;
  if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0) return 0;
  if (errno != EINVAL) return errno;
  if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0) return errno;
  if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0) return errno;
  return 0;
}

static napi_value PrepareNetnsDir(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, 1, argv);
  char dir[MAX_PATH];
  if (get_string(env, argv[0], dir, sizeof dir) < 0) return throw_msg(env, "prepareNetnsDir: bad path");
  int e = make_shared_dir(dir);
  if (e) return throw_errno(env, "prepare namespace directory", e);
  return NULL;
}

// netnsCreate(path): a new network namespace, kept alive by a bind mount at path.
// The calling thread enters the new namespace only for the duration of the bind mount.
static napi_value NetnsCreate(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, 1, argv);
  char path[MAX_PATH];
  if (get_string(env, argv[0], path, sizeof path) < 0) return throw_msg(env, "netnsCreate: bad path");
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "create namespace file", errno);
  close(fd);
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) { int e = errno; unlink(path); return throw_errno(env, "open own namespace", e); }
  int err = 0;
  if (unshare(CLONE_NEWNET) < 0) {
    err = errno;
  } else {
    if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) err = errno;
    if (setns(self, CLONE_NEWNET) < 0) abort();
  }
  close(self);
  if (err) { unlink(path); return throw_errno(env, "create network namespace", err); }
  return NULL;
}

// netnsDelete(path): detach the bind mount and remove the file; the namespace dies with its last user.
static napi_value NetnsDelete(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, 1, argv);
  char path[MAX_PATH];
  if (get_string(env, argv[0], path, sizeof path) < 0) return throw_msg(env, "netnsDelete: bad path");
  if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) return throw_errno(env, "unmount namespace", errno);
  if (unlink(path) < 0 && errno != ENOENT) return throw_errno(env, "remove namespace file", errno);
  return NULL;
}

// enterNetns(path | null): moves the calling (main) thread into a namespace for good.
// For tests and tools that must run everything inside a scratch namespace.
static napi_value EnterNetns(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, 1, argv);
  if (is_nullish(env, argv[0])) {
    if (unshare(CLONE_NEWNET) < 0) return throw_errno(env, "unshare network namespace", errno);
    return NULL;
  }
  char path[MAX_PATH];
  if (get_string(env, argv[0], path, sizeof path) < 0) return throw_msg(env, "enterNetns: bad path");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open namespace", errno);
  int rc = setns(fd, CLONE_NEWNET);
  int e = errno;
  close(fd);
  if (rc < 0) return throw_errno(env, "enter namespace", e);
  return NULL;
}

struct file_args { const char *file; const char *data; size_t len; char *out; size_t outcap; ssize_t outlen; };

static int write_file(void *p) {
  struct file_args *a = p;
  int fd = open(a->file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, a->data, a->len);
  int e = n < 0 ? errno : 0;
  close(fd);
  return e;
}

static int read_file(void *p) {
  struct file_args *a = p;
  int fd = open(a->file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = read(fd, a->out, a->outcap);
  int e = n < 0 ? errno : 0;
  a->outlen = n;
  close(fd);
  return e;
}

// nsWriteFile(nsPath | null, file, data): /proc/sys/net is resolved in the namespace of the opener.
static napi_value NsWriteFile(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  get_args(env, info, 3, argv);
  char file[MAX_PATH], data[4096];
  if (get_string(env, argv[1], file, sizeof file) < 0) return throw_msg(env, "nsWriteFile: bad file");
  if (get_string(env, argv[2], data, sizeof data) < 0) return throw_msg(env, "nsWriteFile: bad data");
  struct file_args a = { file, data, strlen(data), NULL, 0, 0 };
  int err = 0;
  if (is_nullish(env, argv[0])) {
    err = write_file(&a);
  } else {
    char ns[MAX_PATH];
    if (get_string(env, argv[0], ns, sizeof ns) < 0) return throw_msg(env, "nsWriteFile: bad namespace");
    int nserr = in_netns(ns, write_file, &a, &err);
    if (nserr) return throw_errno(env, "enter network namespace", nserr);
  }
  if (err) return throw_errno(env, file, err);
  return NULL;
}

static napi_value NsReadFile(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  get_args(env, info, 2, argv);
  char file[MAX_PATH], out[4096];
  if (get_string(env, argv[1], file, sizeof file) < 0) return throw_msg(env, "nsReadFile: bad file");
  struct file_args a = { file, NULL, 0, out, sizeof out - 1, 0 };
  int err = 0;
  if (is_nullish(env, argv[0])) {
    err = read_file(&a);
  } else {
    char ns[MAX_PATH];
    if (get_string(env, argv[0], ns, sizeof ns) < 0) return throw_msg(env, "nsReadFile: bad namespace");
    int nserr = in_netns(ns, read_file, &a, &err);
    if (nserr) return throw_errno(env, "enter network namespace", nserr);
  }
  if (err) return throw_errno(env, file, err);
  napi_value v;
  napi_create_string_utf8(env, out, (size_t)a.outlen, &v);
  return v;
}

// nsType(path) -> CLONE_NEW* of the namespace file at path, 0 when path is not a namespace file
// (missing, not a regular file, not on nsfs), -errno when it could not be examined.
// The regular-file and nsfs checks come first so the ioctl never reaches a device or FIFO.
static napi_value NsType(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, 1, argv);
  char path[MAX_PATH];
  if (get_string(env, argv[0], path, sizeof path) < 0) return throw_msg(env, "nsType: bad path");
  struct stat st;
  if (stat(path, &st) < 0) return make_int(env, (errno == ENOENT || errno == ENOTDIR) ? 0 : -errno);
  if (!S_ISREG(st.st_mode)) return make_int(env, 0);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return make_int(env, errno == ENOENT ? 0 : -errno);
  struct statfs sfs;
  int type = 0;
  if (fstatfs(fd, &sfs) < 0) type = -errno;
  else if ((unsigned long)sfs.f_type == NSFS_MAGIC) {
    type = ioctl(fd, NS_GET_NSTYPE);
    if (type < 0) type = -errno;
  }
  close(fd);
  return make_int(env, type);
}

#define EXPORT(name, fn) do { napi_value f; napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f); napi_set_named_property(env, exports, name, f); } while (0)

static napi_value Init(napi_env env, napi_value exports) {
  EXPORT("socket", Socket);
  EXPORT("setOpt", SetOpt);
  EXPORT("send", Send);
  EXPORT("recv", Recv);
  EXPORT("close", Close);
  EXPORT("poll", Poll);
  EXPORT("unpoll", Unpoll);
  EXPORT("prepareNetnsDir", PrepareNetnsDir);
  EXPORT("netnsCreate", NetnsCreate);
  EXPORT("netnsDelete", NetnsDelete);
  EXPORT("enterNetns", EnterNetns);
  EXPORT("nsWriteFile", NsWriteFile);
  EXPORT("nsReadFile", NsReadFile);
  EXPORT("nsType", NsType);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
