/*
 * fsutil.h - small file-system steps that durable writes share: a file
 * written under a temporary name, fsynced and renamed into place is only
 * durable once its directory is fsynced too.
 *
 * Errors: 0 or a negative errno.
 */
#ifndef GROVE_FSUTIL_H
#define GROVE_FSUTIL_H

#include <stdio.h>

/* fsync the directory that holds `path`. */
int fsutil_fsync_dir_of(const char *path);
/* Replace the file at `path` durably: write_cb writes the contents to a
 * temporary file beside it (returning 0 or a negative errno), which is
 * fsynced, given the old file's mode, renamed over it, and its directory
 * fsynced (CONFIG REWRITE, ACL SAVE). */
int fsutil_write_atomically(const char *path, int (*write_cb)(FILE *f, void *ud), void *ud);
/* Create the directory unless it exists. 0 or -errno. */
int fsutil_mkdir(const char *path);

#endif
