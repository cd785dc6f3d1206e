/*
 * harness.h - what every integration test needs: start a real grove-server
 * on a free loopback port, talk to it through hiredis or a raw socket, and
 * stop it (checking that it exits cleanly).
 *
 * The server binary comes from $GROVE_SERVER (set by ctest).
 *
 * Timing: nothing here assumes the machine is fast. Waits poll for a
 * condition against a generous deadline (HARNESS_DEADLINE_MS); the only
 * fixed wait, harness_sleep_ms, is for tests whose assertion holds however
 * much longer the wait lasts.
 */
#ifndef GROVE_HARNESS_H
#define GROVE_HARNESS_H

#include <check.h>
#include <hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* 1 when built with AddressSanitizer, whose malloc keeps freed memory in
 * quarantine and tells mallinfo nothing: tests of memory figures skip. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif
/* 1 when built with ThreadSanitizer (which, like ASan, reports crashes
 * itself: grove-server installs no crash handler then). */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

/* How long any wait for a condition may last before the test fails. */
#define HARNESS_DEADLINE_MS 10000

struct grove_server {
    pid_t pid;
    int port;
};

/* ---- temporary directories ------------------------------------------------ */

/* A directory of the test's own under /tmp (a server's `dir`), and its
 * removal with the files in it. */
struct harness_tmpdir {
    char path[64];
};
void harness_tmpdir_make(struct harness_tmpdir *d);
void harness_tmpdir_remove(struct harness_tmpdir *d);

/* ---- servers ------------------------------------------------------------- */

/* Start a server with extra "--option value" arguments (NULL-terminated,
 * may be NULL). Aborts the test if it cannot start. Servers still running
 * when the process that started them exits (a failed test) are killed.
 *
 * When this returns, the server on s->port is the process s->pid (checked
 * with INFO server's process_id: another server sharing the port makes it
 * try another port), the port is not 6379, and the readiness probe has
 * been answered, so it was accepted and counted. The probe is closed, but
 * the server may count it in connected_clients until its worker notices:
 * a test that relies on that count waits for the exact number it expects
 * (harness_wait_info_ll). */
void harness_start(struct grove_server *s, const char *const *args);
/* A loopback port nothing listens on now (never 6379), for a second
 * listener such as tls-port or a server the test starts itself. */
int harness_free_port(void);
/* SIGTERM, wait, and assert a zero exit status. */
void harness_stop(struct grove_server *s);
/* redis-server (for tests that compare with it) on a free port, no
 * snapshots, DEBUG allowed, or NULL (and no process) when it is not
 * installed or does not come up: such tests then skip what needs it. */
redisContext *harness_redis_start(pid_t *pid);
/* SHUTDOWN NOSAVE, free the connection and reap the process. */
void harness_redis_stop(redisContext *c, pid_t pid);

/* harness_start with more control; opts may be NULL. Servers start with
 * `--save ""` (no snapshots), except with a config file, whose test then
 * says `save ""` itself or clears it before stopping. */
struct harness_opts {
    const char *config_file; /* passed first, before the options */
    long nofile;             /* the server's RLIMIT_NOFILE soft limit; 0: inherited */
    long nofile_hard;        /* and its hard limit (only ever lowered); 0: inherited */
    /* Return while the data set still loads. Otherwise the start waits
     * for INFO persistence loading:0, as Redis's tests wait_done_loading. */
    bool during_loading;
    /* Listen on this port (a server started again where its replicas or
     * master expect it); 0: a free one. */
    int port;
};
void harness_start_ex(struct grove_server *s, const struct harness_opts *opts,
                      const char *const *args);
/* Send `signum`, wait, and assert a zero exit status. */
void harness_stop_with(struct grove_server *s, int signum);
/* Wait for a server that was told to stop (SHUTDOWN) to exit; assert 0. */
void harness_wait_exit(struct grove_server *s);
/* Wait for a server that is going away some other way (a crash): its
 * wait status, or -1 if it is still running after the usual timeout. */
int harness_wait_status(struct grove_server *s);
/* Run grove-server with exactly these arguments (nothing added), expecting
 * it to exit by itself; its stdout and stderr go to out (NUL-terminated).
 * Returns the wait status; aborts the test if it keeps running. */
int harness_run_to_exit(const char *const *args, char *out, size_t cap);
/* The same for any program `bin` (args after argv[0], NULL-terminated). */
int harness_run_program(const char *bin, const char *const *args, char *out, size_t cap);

/* A temporary file holding `text` (NULL: empty), deleted when the test
 * program ends, whether its tests pass, fail or time out. The path stays
 * valid until then. */
const char *harness_temp_file(const char *text);

/* ---- time ---------------------------------------------------------------- */

/* Milliseconds on the monotonic clock, for deadlines. */
long long harness_now_ms(void);
/* Milliseconds on the wall clock the server reads for expiry times. */
long long harness_wall_ms(void);
/* Wait at least `ms`. Only for a test whose assertion holds however much
 * longer the wait lasts (a key with a 1 ms TTL has expired after it). */
void harness_sleep_ms(long ms);
/* Assert the time to live of `key`, read now with `cmd` ("PTTL" in ms, or
 * "TTL" in seconds rounded as Redis rounds), is what a TTL of `set_ms`
 * given at wall time `since` can have become: at most `set_ms`, at least
 * `set_ms` less the time since. `since` is harness_wall_ms() read before
 * the command that set the TTL. Returns the value read. */
long long harness_expect_ttl(redisContext *c, const char *cmd, const char *key, long long set_ms,
                             long long since);
/* Poll until `cond` is true, failing the test with the printf-style
 * message if HARNESS_DEADLINE_MS pass first. `cond` is evaluated again on
 * every round, so it must free whatever it allocates. */
#define HARNESS_WAIT_FOR(cond, ...)                                                            \
    do {                                                                                       \
        long long harness_deadline_ = harness_now_ms() + HARNESS_DEADLINE_MS;                  \
        while (!(cond)) {                                                                      \
            ck_assert_msg(harness_now_ms() < harness_deadline_, __VA_ARGS__);                  \
            harness_sleep_ms(2);                                                               \
        }                                                                                      \
    } while (0)

/* ---- hiredis ------------------------------------------------------------- */

/* A hiredis connection (asserted non-NULL and error-free). */
redisContext *harness_connect(const struct grove_server *s);
/* A command through hiredis, asserting a reply arrived. */
redisReply *harness_cmd(redisContext *c, const char *fmt, ...);
/* A command whose reply must be an integer; returns it. */
long long harness_cmd_int(redisContext *c, const char *fmt, ...);
/* A command whose reply must be +OK. */
void harness_cmd_ok(redisContext *c, const char *fmt, ...);

/* Send every command of a batch before reading any reply: `fmt` takes one
 * integer (the key number, from..to-1); asserts no reply is an error. */
void harness_pipeline_int(redisContext *c, const char *fmt, int from, int to);

/* Send a command on c without reading its reply (a client that waits
 * while others act), and read the next reply later (asserted non-NULL). */
void harness_send_only(redisContext *c, const char *fmt, ...);
redisReply *harness_read_reply(redisContext *c);

/* MULTI, PING, EXEC on a connection that WATCHes keys: true if EXEC ran
 * the transaction, false if it aborted (a null reply). */
bool harness_watched_exec_runs(redisContext *c);

/* The string at `key` is exactly these bytes. */
void harness_expect_value(redisContext *c, const char *key, const void *bytes, size_t len);

/* ---- raw sockets, for bytes hiredis would hide --------------------------- */

int harness_raw_connect(const struct grove_server *s);
void harness_raw_send(int fd, const void *buf, size_t len);
/* Read until `expect_len` bytes arrived, EOF, or HARNESS_DEADLINE_MS; returns
 * how many bytes were read into buf (NUL-terminated, cap includes it). */
size_t harness_raw_recv(int fd, char *buf, size_t cap, size_t expect_len);
/* An IPv4 address of this machine that is not loopback (false if none):
 * a source address the server does not see as local. */
bool harness_non_loopback_address(char *ip, size_t cap);
/* A raw connection to 127.0.0.1:port from source address `ip`: the
 * kernel routes it over loopback, but the server sees `ip`. */
int harness_connect_from(const char *ip, int port);
/* Send then expect exactly `expected` back. */
void harness_raw_roundtrip(int fd, const char *send, const char *expected);
/* True if the peer closed the connection within HARNESS_DEADLINE_MS. */
bool harness_raw_closed(int fd);

/* A command line sent as a RESP multibulk request, as client libraries
 * send them. Words are separated by spaces; a word in single quotes may
 * hold spaces or be empty ('' is the empty string). */
void harness_raw_send_line(int fd, const char *line);
/* harness_raw_send_line, then expect exactly `bytes` back. */
void harness_raw_expect(int fd, const char *line, const char *bytes);
/* These exact bytes arrive on fd without anything sent (pushes, messages). */
void harness_raw_expect_arrives(int fd, const char *bytes);
/* A raw connection switched to RESP3 (HELLO 3's reply read and dropped). */
int harness_resp3_connect(const struct grove_server *s);

/* The next whole reply on a raw socket, decoded by `reader` (RESP2 only:
 * Debian's hiredis 0.14 has no RESP3); NULL on EOF or HARNESS_DEADLINE_MS. */
redisReply *harness_raw_reply(int fd, redisReader *reader);

/* ---- INFO and limits ----------------------------------------------------- */

/* A field of INFO <section>: copies its value into buf, false if absent. */
bool harness_info_field(redisContext *c, const char *section, const char *field, char *buf,
                        size_t cap);
/* The same as a number (asserted present). */
long long harness_info_ll(redisContext *c, const char *section, const char *field);
/* Field `field` (one after name=, as every figure is) of the CLIENT LIST
 * line of the client named `name`; -1 if no client has that name. */
long long harness_client_field(redisContext *c, const char *name, const char *field);
/* Poll INFO until the field equals `want` (assert it does within
 * HARNESS_DEADLINE_MS): for effects that reach another worker loop
 * asynchronously, such as a closed connection leaving connected_clients. */
void harness_wait_info_ll(redisContext *c, const char *section, const char *field,
                          long long want);
/* Assert INFO commandstats' counters of command `name` ("get",
 * "client|unblock"): calls, rejected_calls and failed_calls. */
void harness_expect_cmdstat(redisContext *c, const char *name, long long calls,
                            long long rejected, long long failed);
/* Raise this process's RLIMIT_NOFILE soft limit towards `want` (as far as
 * the hard limit allows); returns the limit now in force. */
long harness_raise_nofile(long want);

/* ---- assertions on hiredis replies (each frees the reply) ---------------- */

void harness_expect_status(redisReply *r, const char *status);
void harness_expect_error(redisReply *r, const char *error);
void harness_expect_int(redisReply *r, long long v);
void harness_expect_str(redisReply *r, const char *s);
void harness_expect_nil(redisReply *r);
/* One reply described in a word, for tables of commands: ":12" an integer,
 * "+OK" a status, "-ERR ..." an error, "$text" a bulk string ("$a|b": a
 * bulk string that is one of the texts between the bars), "_" nil, "*3"
 * an array of three elements. */
void harness_expect_reply(redisReply *r, const char *want);
/* A command and its reply, as harness_expect_reply describes it. */
struct harness_step {
    const char *cmd;
    const char *reply;
};
/* Send the step's command (words split on spaces) and check its reply. */
void harness_expect_step(redisContext *c, const struct harness_step *step);
/* An array of exactly these bulk strings in this order (NULL: a nil). */
void harness_expect_array(redisReply *r, size_t n, const char *const *want);
/* An array holding exactly these distinct bulk strings, in any order. */
void harness_expect_set(redisReply *r, size_t n, const char *const *want);
/* An array of exactly these integers in this order. */
void harness_expect_ints(redisReply *r, size_t n, const long long *want);

/* Assert r is an array of n elements (r is not freed). */
void harness_assert_array(const redisReply *r, size_t n);
/* True if the array reply holds the bulk string s. */
bool harness_array_has(const redisReply *r, const char *s);
/* The keyspace events a connection PSUBSCRIBEd to __keyevent@<db>__:*
 * receives next, as "event/key" words separated by spaces, in order. */
void harness_expect_events(redisContext *sub, const char *want);
/* A new connection PSUBSCRIBEd to __keyevent@0__:* after CONFIG SET
 * notify-keyspace-events `classes` on harness_ctx; the caller frees it. */
redisContext *harness_keyevent_subscriber(const char *classes);

/* ---- shared fixtures ----------------------------------------------------- */

/* A fresh server and one connection to it, for a test of its own. */
struct harness_fixture {
    struct grove_server s;
    redisContext *c;
};
void harness_up(struct harness_fixture *f, const char *const *args);
void harness_down(struct harness_fixture *f);

/* Test cases whose tests share one server: harness_srv, started in the
 * runner process before the case's first test and stopped after its last;
 * each test gets a fresh connection harness_ctx, closed after it. */
extern struct grove_server harness_srv;
extern redisContext *harness_ctx;

/* Start harness_srv with --threads 2, the usual configuration. */
void harness_start_default(void);
/* Connect harness_ctx and FLUSHALL, so every test starts empty. */
void harness_connect_and_flush(void);
/* A test case on harness_srv: `start` starts it (harness_start_default
 * when NULL), `connect` makes harness_ctx before each test
 * (harness_connect_and_flush when NULL). Timeout 120 s. */
TCase *harness_server_case(const char *name, void (*start)(void), void (*connect)(void));

#endif
