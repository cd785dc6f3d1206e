/*
 * aof_manifest.h - Redis 7.0's multi-part AOF manifest: which files of the
 * AOF directory make up the data, in which order.
 *
 * Glossary
 *   base      the file a rewrite produced: an RDB ("<name>.<seq>.base.rdb",
 *             aof-use-rdb-preamble yes) or commands ("....base.aof");
 *             at most one.
 *   incr      a file of commands appended after the base, in RESP
 *             ("<name>.<seq>.incr.aof"); several, loaded in order, the
 *             last one is the one being written.
 *   history   a file a finished rewrite made obsolete, waiting to be
 *             deleted.
 *   manifest  "<name>.manifest" in the directory, one line per file:
 *             `file <name> seq <n> type <b|h|i>`, base first, then
 *             history, then incr (Redis's getAofManifestAsString). Lines
 *             starting with '#' are comments; keys Redis does not know are
 *             skipped, as Redis does for forward compatibility.
 *
 * The parser follows Redis's aofLoadManifestFromFile rule for rule, with its
 * error texts, so a manifest either tool accepts the other accepts too.
 *
 * Errors: parse returns 0 or -1 with Redis's reason (and the line) in err;
 * the other actions return 0 or -ENOMEM. Nothing here does I/O or keeps
 * global state.
 */
#ifndef GROVE_AOF_MANIFEST_H
#define GROVE_AOF_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

enum aof_file_type { AOF_FILE_BASE = 'b', AOF_FILE_HISTORY = 'h', AOF_FILE_INCR = 'i' };

struct aof_file_info {
    char *name;
    long long seq;
    enum aof_file_type type;
};

struct aof_manifest {
    struct aof_file_info *base;  /* NULL when there is none */
    struct aof_file_info *history;
    size_t nhistory;
    struct aof_file_info *incr;  /* in load order */
    size_t nincr;
    long long base_seq, incr_seq; /* the highest sequence numbers used */
};

#define AOF_MANIFEST_MAX_LINE 1024

void aof_manifest_init(struct aof_manifest *m);
void aof_manifest_deinit(struct aof_manifest *m);
/* A deep copy into *out (initialised here). 0 or -ENOMEM. */
int aof_manifest_copy(struct aof_manifest *out, const struct aof_manifest *m);

/* Parse the manifest text into *m (initialised here). 0, or -1 with
 * Redis's message ("Invalid AOF manifest file format", "Found duplicate
 * base file information"...) in err; m is then left empty. */
int aof_manifest_parse(struct aof_manifest *m, const char *text, size_t len, char *err,
                       size_t errcap);
/* The manifest's text, NUL-terminated, malloc'd (NULL: out of memory). */
char *aof_manifest_format(const struct aof_manifest *m);

/* A new base "<prefix>.<seq>.base.<rdb|aof>", the old base becoming
 * history; its name in *name (borrowed from m). 0 or -ENOMEM. */
int aof_manifest_new_base(struct aof_manifest *m, const char *prefix, bool rdb,
                          const char **name);
/* A new incr "<prefix>.<seq>.incr.aof" at the end; name as above. */
int aof_manifest_new_incr(struct aof_manifest *m, const char *prefix, const char **name);
/* After a rewrite: every incr file but the last `keep` becomes history. */
int aof_manifest_incr_to_history(struct aof_manifest *m, size_t keep);
/* Forget the history files (once deleted). */
void aof_manifest_clear_history(struct aof_manifest *m);

#endif
