/*
 * acl_file.h - users kept in files, as Redis 7.0 keeps them: `user`
 * directives in the config file, or the ACL file (`aclfile`), read at
 * start-up and by ACL LOAD, written by ACL SAVE. Not both: Redis refuses
 * to start with users in its config file and an ACL file.
 *
 * The ACL file has one user per line, "user NAME rule rule...", as ACL
 * LIST shows them; blank lines are skipped. Loading is all or nothing:
 * when any line fails, every error is reported (each naming the file
 * and line) and the users stay as they were.
 *
 * Threads: acl_file_config_user runs while the config is read, before
 * any worker; acl_file_startup once after acl_init; ACL LOAD and SAVE on
 * any worker (the users are swapped or read under acl.c's lock).
 *
 * Errors: 0 or -1 with Redis's text in the caller's buffer (or a
 * malloc'd string for ACL LOAD's several errors).
 */
#ifndef GROVE_ACL_FILE_H
#define GROVE_ACL_FILE_H

#include <stddef.h>

struct acl_user;

/* A `user NAME rule...` directive (words after "user"): its rules are
 * checked now and the user made at start-up. */
int acl_file_config_user(char **words, int n, char *err, size_t cap);
/* Start-up, after acl_init: the directives' users, then the ACL file
 * (path, "" for none). Frees what the directives kept. */
int acl_file_startup(const char *path, char *err, size_t cap);
/* Forget the directives' users (a start-up that failed, tests). */
void acl_file_reset(void);

/* CONFIG REWRITE's `user` lines, one per user ("user NAME rules",
 * without newline): a malloc'd array of malloc'd strings. 0 or -ENOMEM. */
int acl_file_config_lines(char ***lines, size_t *n);

/* ACL LOAD: 0 with the old users (other than default) in *gone for the
 * caller to close their clients and release (acl__replace_users); or -1
 * with Redis's error text in *errors (malloc'd; NULL when out of
 * memory). */
int acl_file_load(const char *path, struct acl_user ***gone, size_t *ngone, char **errors);
/* ACL SAVE: write every user to path, durably. 0 or a negative errno. */
int acl_file_save(const char *path);

#endif
