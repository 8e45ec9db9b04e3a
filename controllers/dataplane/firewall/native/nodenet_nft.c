// libnftables in-process: one nft transaction (or listing) without starting an nft process.
// The library is loaded with dlopen at first use, so building needs no nftables headers and a
// machine without libnftables.so.1 still loads this addon (available() is then false and the
// caller runs the nft binary instead). run() works on the calling thread, runAsync() on a pool thread in
// the caller's network namespace.
#define _GNU_SOURCE
#include <node_api.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdbool.h>
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

// The outcome of one nft_run_cmd_from_buffer: its return code and copies of its buffers.
struct outcome {
  int rc;
  char *out;
  char *errtext;
};

// One command buffer through a fresh context, in the calling thread's network namespace.
// 0, or ENOMEM when no context (or copy) could be had.
static int nft_exec(const char *script, bool json, struct outcome *o) {
  struct nft_ctx *ctx = lib.ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return ENOMEM;
  lib.buffer_output(ctx);
  lib.buffer_error(ctx);
  if (json) lib.set_flags(ctx, NFT_CTX_OUTPUT_JSON);
  o->rc = lib.run(ctx, script);
  const char *out = lib.get_output(ctx);
  const char *err = lib.get_error(ctx);
  o->out = strdup(out ? out : "");
  o->errtext = strdup(err ? err : "");
  lib.ctx_free(ctx);
  return o->out && o->errtext ? 0 : ENOMEM;
}

static void outcome_free(struct outcome *o) {
  free(o->out);
  free(o->errtext);
}

static napi_value outcome_value(napi_env env, const struct outcome *o) {
  napi_value result, code;
  napi_create_object(env, &result);
  napi_create_int32(env, o->rc == 0 ? 0 : 1, &code);
  napi_set_named_property(env, result, "code", code);
  napi_set_named_property(env, result, "stdout", make_string(env, o->out));
  napi_set_named_property(env, result, "stderr", make_string(env, o->errtext));
  return result;
}

// The (script, json) arguments of run and runAsync, the script copied to the heap. NULL (with a
// JavaScript exception pending) when the library is missing or the script is not a string.
static char *script_args(napi_env env, napi_callback_info info, bool *json, const char *who) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (!load()) {
    napi_throw_error(env, NULL, "libnftables.so.1 is not available");
    return NULL;
  }
  size_t len = 0;
  char *script = NULL;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok || !(script = malloc(len + 1))) {
    napi_throw_type_error(env, NULL, who);
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], script, len + 1, &len);
  *json = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], json);
  return script;
}

// run(script, json) -> { code, stdout, stderr }: one nft_run_cmd_from_buffer (one transaction).
static napi_value Run(napi_env env, napi_callback_info info) {
  bool json;
  char *script = script_args(env, info, &json, "run: script must be a string");
  if (!script) return NULL;
  struct outcome o = {0};
  int err = nft_exec(script, json, &o);
  free(script);
  napi_value result = err ? NULL : outcome_value(env, &o);
  outcome_free(&o);
  if (err) napi_throw_error(env, NULL, strerror(err));
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
  int err;
  struct outcome o;
};

static void job_execute(napi_env env, void *data) {
  (void)env;
  struct job *j = data;
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) { j->err = errno; return; }
  if (setns(j->nsfd, CLONE_NEWNET) < 0) { j->err = errno; close(self); return; }
  j->err = nft_exec(j->script, j->json, &j->o);
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
    napi_resolve_deferred(env, j->deferred, outcome_value(env, &j->o));
  }
  napi_delete_async_work(env, j->work);
  close(j->nsfd);
  free(j->script);
  outcome_free(&j->o);
  free(j);
}

static napi_value RunAsync(napi_env env, napi_callback_info info) {
  bool json;
  char *script = script_args(env, info, &json, "runAsync: script must be a string");
  if (!script) return NULL;
  struct job *j = calloc(1, sizeof *j);
  if (!j) {
    free(script);
    napi_throw_error(env, NULL, "runAsync: out of memory");
    return NULL;
  }
  j->script = script;
  j->json = json;
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
