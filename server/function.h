/*
 * function.h - Redis 7.0 functions: libraries of Lua functions that
 * FUNCTION LOAD registers and FCALL / FCALL_RO call, with the library
 * registry, DUMP / RESTORE payloads and the figures of FUNCTION STATS and
 * INFO.
 *
 * Functions run in a Lua state of their own, as in Redis 7.0, built by
 * script_lua.c like EVAL's (the same libraries and sandbox); they run
 * through script.c like any script (atomicity, BUSY, FUNCTION KILL).
 * RDB files hold the libraries (function_rdb_write, function_rdb_load_cb).
 *
 * Every function here but the counters is called with the script lock
 * held (the commands are CMD_SCRIPT); they reply to the client
 * themselves, errors included, and cannot fail otherwise.
 */
#ifndef GROVE_FUNCTION_H
#define GROVE_FUNCTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmd_ctx;
struct resp_arg;
struct rdb_writer;

/* How FUNCTION RESTORE treats the libraries already loaded. */
enum function_restore_policy {
    FUNCTION_RESTORE_APPEND,  /* fail on a library name already loaded */
    FUNCTION_RESTORE_REPLACE, /* replace libraries of the same name */
    FUNCTION_RESTORE_FLUSH,   /* drop every library first */
};

/* FUNCTION LOAD [REPLACE] code: replies the library's name. */
void function_load(struct cmd_ctx *ctx, const struct resp_arg *code, bool replace);
/* FUNCTION DELETE name. */
void function_delete(struct cmd_ctx *ctx, const struct resp_arg *name);
/* FUNCTION FLUSH: forget every library (a fresh Lua state). */
void function_flush(void);
/* Each library's code (what FUNCTION LOAD recreates it from); the script
 * lock held. */
void function_foreach_code(void (*cb)(const char *code, size_t len, void *ud), void *ud);
/* FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE] (pattern may be NULL). */
void function_list(struct cmd_ctx *ctx, const struct resp_arg *pattern, bool with_code);
/* FUNCTION DUMP / FUNCTION RESTORE, in Redis 7.0's payload format. */
void function_dump(struct cmd_ctx *ctx);
/* Every library as RDB_OPCODE_FUNCTION2 and its code (what an RDB file
 * and FUNCTION DUMP hold): 0 or the writer's RDB_E* code. */
int function_rdb_write(struct rdb_writer *w);
/* rdb_file_function_cb for loading an RDB file (the caller holds the
 * script lock): register the library, or -1 with Redis's error. ud: NULL,
 * or a bool that is true to replace a library of the same name (DEBUG
 * RELOAD MERGE, as Redis's RDBFLAGS_ALLOW_DUP). */
int function_rdb_load_cb(const char *code, size_t len, char *err, size_t cap, void *ud);
void function_restore(struct cmd_ctx *ctx, const struct resp_arg *payload,
                      enum function_restore_policy policy);
/* FCALL / FCALL_RO name numkeys key... arg... */
void function_call(struct cmd_ctx *ctx, bool read_only);
/* FCALL's and FCALL_RO's line_flags (command.h): by the named function's
 * flags (an unknown one keeps the command's). Takes the script lock: call
 * it holding none. */
uint32_t function_line_flags(const struct resp_arg *name, uint32_t flags);

/* Any thread: as of the last change (FUNCTION STATS, INFO memory). */
size_t function_library_count(void);
size_t function_count(void);
size_t function_memory(void);    /* the registry's own bytes */
size_t function_vm_memory(void); /* the functions' Lua state */

/* Free everything at shutdown. */
void function_deinit(void);

#endif
