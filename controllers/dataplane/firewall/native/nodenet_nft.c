// libnftables in-process: one nft transaction (or listing) without starting an nft process.
// The library is loaded with dlopen at first use, so building needs no nftables headers and a
// machine without libnftables.so.1 still loads this addon (available() is then false and the
// caller runs the nft binary instead). Runs on the calling (main) thread, in its network namespace.
#define _GNU_SOURCE
#include <node_api.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct nft_ctx;

/* From libnftables.h (LIBNFTABLES_1): the few calls used here. */
#define NFT_CTX_DEFAULT 0
#define NFT_CTX_OUTPUT_JSON (1u << 4)

static struct {
  int tried;
  void *handle;
  struct nft_ctx *(*ctx_new)(uint32_t flags);
  void (*ctx_free)(struct nft_ctx *ctx);
  int (*buffer_output)(struct nft_ctx *ctx);
  int (*buffer_error)(struct nft_ctx *ctx);
  const char *(*get_output)(struct nft_ctx *ctx);
  const char *(*get_error)(struct nft_ctx *ctx);
  void (*set_flags)(struct nft_ctx *ctx, unsigned int flags);
  int (*run)(struct nft_ctx *ctx, const char *buf);
} lib;

static int load(void) {
  if (lib.tried) return lib.handle != NULL;
  lib.tried = 1;
  void *h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return 0;
#define SYM(field, name) *(void **)(&lib.field) = dlsym(h, name); if (!lib.field) { dlclose(h); return 0; }
  SYM(ctx_new, "nft_ctx_new");
  SYM(ctx_free, "nft_ctx_free");
  SYM(buffer_output, "nft_ctx_buffer_output");
  SYM(buffer_error, "nft_ctx_buffer_error");
  SYM(get_output, "nft_ctx_get_output_buffer");
  SYM(get_error, "nft_ctx_get_error_buffer");
  SYM(set_flags, "nft_ctx_output_set_flags");
  SYM(run, "nft_run_cmd_from_buffer");
#undef SYM
  lib.handle = h;
  return 1;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v);
  return v;
}

// available() -> boolean
static napi_value Available(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_get_boolean(env, load(), &v);
  return v;
}

// run(script, json) -> { code, stdout, stderr }: one nft_run_cmd_from_buffer (one transaction).
static napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (!load()) {
    napi_throw_error(env, NULL, "libnftables.so.1 is not available");
    return NULL;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "run: script must be a string");
    return NULL;
  }
  char *script = malloc(len + 1);
  if (!script) {
    napi_throw_error(env, NULL, "run: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], script, len + 1, &len);
  bool json = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], &json);
  struct nft_ctx *ctx = lib.ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) {
    free(script);
    napi_throw_error(env, NULL, "nft_ctx_new failed");
    return NULL;
  }
  lib.buffer_output(ctx);
  lib.buffer_error(ctx);
  if (json) lib.set_flags(ctx, NFT_CTX_OUTPUT_JSON);
  int rc = lib.run(ctx, script);
  free(script);
  napi_value result, code;
  napi_create_object(env, &result);
  napi_create_int32(env, rc == 0 ? 0 : 1, &code);
  napi_set_named_property(env, result, "code", code);
  napi_set_named_property(env, result, "stdout", make_string(env, lib.get_output(ctx)));
  napi_set_named_property(env, result, "stderr", make_string(env, lib.get_error(ctx)));
  lib.ctx_free(ctx);
  return result;
}

// runAsync(script, json) -> Promise<{ code, stdout, stderr }>: the same on a thread-pool thread,
// which enters the caller's network namespace for the call and returns to its own afterwards.
// A transaction that deletes set elements waits a kernel grace period (~10 ms): not on the
// agent's thread. The namespace is taken from the calling thread, never assumed.
struct job {
  napi_async_work work;
  napi_deferred deferred;
  char *script;
  bool json;
  int nsfd;
  int rc;
  int err;
  char *out;
  char *errtext;
};

static void job_execute(napi_env env, void *data) {
  (void)env;
  struct job *j = data;
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) { j->err = errno; return; }
  if (setns(j->nsfd, CLONE_NEWNET) < 0) { j->err = errno; close(self); return; }
  struct nft_ctx *ctx = lib.ctx_new(NFT_CTX_DEFAULT);
  if (ctx) {
    lib.buffer_output(ctx);
    lib.buffer_error(ctx);
    if (j->json) lib.set_flags(ctx, NFT_CTX_OUTPUT_JSON);
    j->rc = lib.run(ctx, j->script);
    const char *o = lib.get_output(ctx);
    const char *e = lib.get_error(ctx);
    j->out = strdup(o ? o : "");
    j->errtext = strdup(e ? e : "");
    lib.ctx_free(ctx);
  } else {
    j->err = ENOMEM;
  }
  if (setns(self, CLONE_NEWNET) < 0) abort(); // a pool thread left in another namespace is never safe
  close(self);
}

static void job_complete(napi_env env, napi_status status, void *data) {
  struct job *j = data;
  if (status != napi_ok || j->err) {
    napi_value msg, err;
    napi_create_string_utf8(env, j->err ? strerror(j->err) : "nft job cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
    napi_reject_deferred(env, j->deferred, err);
  } else {
    napi_value result, code;
    napi_create_object(env, &result);
    napi_create_int32(env, j->rc == 0 ? 0 : 1, &code);
    napi_set_named_property(env, result, "code", code);
    napi_set_named_property(env, result, "stdout", make_string(env, j->out));
    napi_set_named_property(env, result, "stderr", make_string(env, j->errtext));
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_async_work(env, j->work);
  close(j->nsfd);
  free(j->script);
  free(j->out);
  free(j->errtext);
  free(j);
}

static napi_value RunAsync(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (!load()) {
    napi_throw_error(env, NULL, "libnftables.so.1 is not available");
    return NULL;
  }
  struct job *j = calloc(1, sizeof *j);
  if (!j) {
    napi_throw_error(env, NULL, "runAsync: out of memory");
    return NULL;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok || !(j->script = malloc(len + 1))) {
    free(j);
    napi_throw_type_error(env, NULL, "runAsync: script must be a string");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], j->script, len + 1, &len);
  if (argc > 1) napi_get_value_bool(env, argv[1], &j->json);
  j->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (j->nsfd < 0) {
    int e = errno;
    free(j->script);
    free(j);
    napi_throw_error(env, NULL, strerror(e));
    return NULL;
  }
  napi_value promise, name;
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "nodenet_nft", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, job_execute, job_complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return promise;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "available", NAPI_AUTO_LENGTH, Available, NULL, &fn);
  napi_set_named_property(env, exports, "available", fn);
  napi_create_function(env, "run", NAPI_AUTO_LENGTH, Run, NULL, &fn);
  napi_set_named_property(env, exports, "run", fn);
  napi_create_function(env, "runAsync", NAPI_AUTO_LENGTH, RunAsync, NULL, &fn);
  napi_set_named_property(env, exports, "runAsync", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
