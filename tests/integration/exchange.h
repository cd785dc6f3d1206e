/*
 * exchange.h - tables of exchanges for the tests on the shared fixture
 * (harness_srv): a command line and the exact bytes redis-server 7.0.15
 * replied to it, in RESP2 and, where they differ, in RESP3. A table runs
 * on a raw connection of its own, in order; run as a Check loop test over
 * 2..3 (tcase_add_loop_test(tc, t, 2, 4)), it runs once per protocol.
 * Include it after harness.h.
 */
#ifndef GROVE_EXCHANGE_H
#define GROVE_EXCHANGE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* A command line (harness_raw_send_line's words; "{0..n}" stands for the
 * score-member pairs "0 m0 1 m1 ... n mn") and Redis's replies (resp3
 * SAME: the RESP2 bytes). */
struct exchange {
    const char *cmd;
    const char *resp2;
    const char *resp3;
};
#define SAME NULL

/* The command with its "{0..n}" expanded (caller frees). */
static inline char *exchange_expand(const char *cmd)
{
    const char *brace = strstr(cmd, "{0..");
    if (brace == NULL)
        return strdup(cmd);
    int last = atoi(brace + 4);
    size_t cap = strlen(cmd) + (size_t)(last + 1) * 24, len = (size_t)(brace - cmd);
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    memcpy(out, cmd, len);
    for (int i = 0; i <= last; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%d m%d", i ? " " : "", i, i);
    snprintf(out + len, cap - len, "%s", strchr(brace, '}') + 1);
    return out;
}

/* Run the exchanges in order on a new connection speaking `proto`. */
static inline void exchange_run(int proto, const struct exchange *ex, size_t n)
{
    int fd = proto == 3 ? harness_resp3_connect(&harness_srv) : harness_raw_connect(&harness_srv);
    for (size_t i = 0; i < n; i++) {
        char *cmd = exchange_expand(ex[i].cmd);
        harness_raw_expect(fd, cmd, proto == 3 && ex[i].resp3 ? ex[i].resp3 : ex[i].resp2);
        free(cmd);
    }
    close(fd);
}

/* A table in a loop test, on the protocol of the loop's index. */
#define RUN_EXCHANGES(ex) exchange_run(_i, ex, sizeof(ex) / sizeof(ex[0]))

#endif
