/*
 * check_cli.c - grove-cli, the container image's health check, against a
 * real grove-server: PING answered means exit 0 and "PONG"; a server that
 * wants a password gets AUTH first, from -a or $GROVE_PASSWORD (-a wins);
 * a missing or wrong password, no server, or a bad command line each exit
 * non-zero, saying why on stderr.
 *
 * The binary comes from $GROVE_CLI (set by ctest).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

/* Run grove-cli -p <port> with `args` after it; the exit code, or -1 if it
 * did not exit normally. */
static int run_cli(const struct grove_server *s, const char *const *args, char *out, size_t cap)
{
    const char *bin = getenv("GROVE_CLI");
    ck_assert_msg(bin != NULL, "GROVE_CLI is not set");
    char port[16];
    snprintf(port, sizeof(port), "%d", s->port);
    const char *argv[16] = {"-p", port};
    size_t n = 2;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int status = harness_run_program(bin, argv, out, cap);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(ping_answered)
{
    struct grove_server s;
    harness_start(&s, NULL);
    char out[512];
    ck_assert_int_eq(run_cli(&s, (const char *[]){"ping", NULL}, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "PONG\n");
    ck_assert_int_eq(run_cli(&s, (const char *[]){"PING", NULL}, out, sizeof(out)), 0);
    harness_stop(&s);
}
END_TEST

START_TEST(password)
{
    struct grove_server s;
    harness_start(&s, (const char *[]){"--requirepass", "s3cret", NULL});
    char out[512];
    ck_assert_int_eq(run_cli(&s, (const char *[]){"ping", NULL}, out, sizeof(out)), 1);
    ck_assert_str_eq(out, "grove-cli: PING: NOAUTH Authentication required.\n");
    ck_assert_int_eq(run_cli(&s, (const char *[]){"-a", "s3cret", "ping", NULL}, out, sizeof(out)),
                     0);
    ck_assert_str_eq(out, "PONG\n");
    ck_assert_int_eq(run_cli(&s, (const char *[]){"-a", "wrong", "ping", NULL}, out, sizeof(out)),
                     1);
    ck_assert_str_eq(out, "grove-cli: AUTH: WRONGPASS invalid username-password pair or user is "
                          "disabled.\n");

    setenv("GROVE_PASSWORD", "s3cret", 1);
    ck_assert_int_eq(run_cli(&s, (const char *[]){"ping", NULL}, out, sizeof(out)), 0);
    ck_assert_int_eq(run_cli(&s, (const char *[]){"-a", "wrong", "ping", NULL}, out, sizeof(out)),
                     1);
    setenv("GROVE_PASSWORD", "wrong", 1);
    ck_assert_int_eq(run_cli(&s, (const char *[]){"ping", NULL}, out, sizeof(out)), 1);
    unsetenv("GROVE_PASSWORD");
    harness_stop(&s);
}
END_TEST

START_TEST(failures)
{
    struct grove_server s;
    harness_start(&s, NULL);
    char out[512];
    /* Nothing listens on the port once the server is gone. */
    harness_stop(&s);
    ck_assert_int_eq(run_cli(&s, (const char *[]){"ping", NULL}, out, sizeof(out)), 1);
    ck_assert_msg(strstr(out, "could not connect to 127.0.0.1:") != NULL, "%s", out);
    ck_assert_int_eq(run_cli(&s, (const char *[]){"get", "k", NULL}, out, sizeof(out)), 2);
    ck_assert_msg(strncmp(out, "Usage: grove-cli", 16) == 0, "%s", out);
    ck_assert_int_eq(run_cli(&s, (const char *[]){NULL}, out, sizeof(out)), 2);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *suite = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, ping_answered);
    tcase_add_test(tc, password);
    tcase_add_test(tc, failures);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(cli_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
