/*
 * fsutil.h - small file-system steps that durable writes share: a file
 * written under a temporary name, fsynced and renamed into place is only
 * durable once its directory is fsynced too.
 *
 * Errors: 0 or a negative errno.
 */
#ifndef GROVE_FSUTIL_H
#define GROVE_FSUTIL_H

/* fsync the directory that holds `path`. */
int fsutil_fsync_dir_of(const char *path);
/* Create the directory unless it exists. 0 or -errno. */
int fsutil_mkdir(const char *path);

#endif
