/*
 * check_acl_files.c - users kept in files (server/acl_file.c): the ACL
 * file read at start-up and by ACL LOAD, ACL SAVE's rewrite of it, and
 * `user` directives in the config file, each alone, as Redis 7.0 allows.
 *
 * Every expected reply, file and error text was taken from redis-server
 * 7.0.15 given the same files and commands.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "harness.h"

#define ALICE_HASH "34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6"
#define PW_HASH "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"
#define USERS_ACL                                                                              \
    "user alice on #" ALICE_HASH " ~* &* +@all (+get ~rw*)\n"                                   \
    "user bob on nopass (+set %W~w*) (+get %R~r*)\n"                                           \
    "\n"                                                                                       \
    "  user default on nopass ~* &* +@all  \n"
#define NO_CHANGE                                                                              \
    "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"

static struct harness_tmpdir dir;
static char acl_path[128];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* A server whose `dir` holds users.acl (USERS_ACL), named relatively. */
static void start_with_acl_file(void)
{
    static const char *const args[] = {"--threads", "2", "--dir", NULL, "--aclfile", "users.acl",
                                       NULL};
    const char *a[sizeof(args) / sizeof(args[0])];
    memcpy(a, args, sizeof(args));
    harness_tmpdir_make(&dir);
    a[3] = dir.path;
    snprintf(acl_path, sizeof(acl_path), "%s/users.acl", dir.path);
    write_file(acl_path, USERS_ACL);
    harness_start(&harness_srv, a);
}

static void stop_and_clean(void)
{
    harness_tmpdir_remove(&dir);
}

START_TEST(the_acl_file_is_read_at_start_up)
{
    EXPECT_ARRAY(((const char *[]){
                     "user alice on #" ALICE_HASH " ~* &* +@all (~rw* resetchannels -@all +get)",
                     "user bob on nopass resetchannels -@all (%W~w* resetchannels -@all +set) "
                     "(%R~r* resetchannels -@all +get)",
                     "user default on nopass ~* &* +@all"}),
                 "ACL LIST");
    EXPECT_ARRAY(((const char *[]){"aclfile", "users.acl"}), "CONFIG GET aclfile");
    EXPECT_OK("AUTH alice passwd4");
    EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'aclfile') - can't set "
               "immutable config",
               "CONFIG SET aclfile other.acl");
}
END_TEST

START_TEST(acl_save_writes_redis_s_format)
{
    char text[2048];
    EXPECT_OK("ACL SETUSER carol on >pw ~c* +get");
    EXPECT_OK("ACL SAVE");
    read_file(acl_path, text, sizeof(text));
    ck_assert_str_eq(text,
                     "user alice on #" ALICE_HASH " ~* &* +@all (~rw* resetchannels -@all +get)\n"
                     "user bob on nopass resetchannels -@all (%W~w* resetchannels -@all +set) "
                     "(%R~r* resetchannels -@all +get)\n"
                     "user carol on #" PW_HASH " ~c* resetchannels -@all +get\n"
                     "user default on nopass ~* &* +@all\n");
    /* what was saved is what loads */
    EXPECT_INT(1, "ACL DELUSER carol");
    EXPECT_OK("ACL LOAD");
    EXPECT_ARRAY(((const char *[]){"alice", "bob", "carol", "default"}), "ACL USERS");
    EXPECT_INT(1, "ACL DELUSER carol");
}
END_TEST

START_TEST(acl_load_keeps_the_users_when_any_line_fails)
{
    write_file(acl_path, "user alice on +nosuch ~a +bad2 #zz <nope %Q~x\n"
                         "user x\tb on\n"
                         "user\n"
                         "usr bob\n"
                         "user  two\n"
                         "user alice on\n"
                         "user carol (+get\n");
    EXPECT_ERR("ERR users.acl:1: Error in applying operation '+nosuch': Unknown command or "
               "category name in ACL. users.acl:1: Error in applying operation '+bad2': "
               "Unknown command or category name in ACL. users.acl:1: The password hash must "
               "be exactly 64 characters and contain only lowercase hexadecimal characters. "
               "'users.acl:2: username 'x\tb' contains invalid characters. users.acl:3 should "
               "start with user keyword followed by the username. users.acl:4 should start "
               "with user keyword followed by the username. users.acl:5: Syntax error. "
               "WARNING: Duplicate user 'alice' found on line 6. users.acl:7: Unmatched "
               "parenthesis in selector definition." NO_CHANGE,
               "ACL LOAD");
    EXPECT_ARRAY(((const char *[]){"alice", "bob", "default"}), "ACL USERS");
    unlink(acl_path);
    EXPECT_ERR("ERR Error loading ACLs, opening file 'users.acl': No such file or directory",
               "ACL LOAD");
    EXPECT_ARRAY(((const char *[]){"alice", "bob", "default"}), "ACL USERS");
}
END_TEST

START_TEST(acl_load_closes_the_clients_of_the_users_it_replaces)
{
    redisContext *alice = harness_connect(&harness_srv);
    redisContext *dflt = harness_connect(&harness_srv);
    harness_cmd_ok(alice, "AUTH alice passwd4");
    /* no default user in the file: it gets every permission, as Redis's */
    write_file(acl_path, "user alice on nopass ~* +@all\n");
    EXPECT_OK("ACL SETUSER default -debug");
    EXPECT_OK("ACL LOAD");
    ck_assert_ptr_null(redisCommand(alice, "PING")); /* closed */
    harness_expect_status(harness_cmd(dflt, "PING"), "PONG");
    EXPECT_ARRAY(((const char *[]){"user alice on nopass ~* resetchannels +@all",
                                   "user default on nopass ~* &* +@all"}),
                 "ACL LIST");
    redisFree(alice);
    redisFree(dflt);
}
END_TEST

/* ---- `user` directives -------------------------------------------------------------- */

START_TEST(user_directives_make_users_at_start_up)
{
    static const char *const conf = "save \"\"\n"
                                    "user alice on >pw ~a* (+get ~b*) +set\n"
                                    "user default on nopass +@all ~* &* -debug\n";
    struct harness_opts opts = {.config_file = harness_temp_file(conf)};
    struct grove_server srv;
    harness_start_ex(&srv, &opts, NULL);
    redisContext *c = harness_connect(&srv);
    harness_expect_array(harness_cmd(c, "ACL LIST"), 2,
                         (const char *[]){"user alice on #" PW_HASH " ~a* resetchannels -@all "
                                          "+set (~b* resetchannels -@all +get)",
                                          "user default on nopass sanitize-payload ~* &* +@all "
                                          "-debug"});
    harness_expect_error(harness_cmd(c, "ACL LOAD"),
                         "ERR This Redis instance is not configured to use an ACL file. You may "
                         "want to specify users via the ACL SETUSER command and then issue a "
                         "CONFIG REWRITE (assuming you have a Redis configuration file set) in "
                         "order to store users in the Redis configuration.");
    redisFree(c);
    harness_stop(&srv);
}
END_TEST

START_TEST(config_rewrite_writes_the_users)
{
    static const char *const conf = "save \"\"\n"
                                    "user alice on >pw ~a*\n"
                                    "# comment\n";
    struct harness_opts opts = {.config_file = harness_temp_file(conf)};
    struct grove_server srv;
    char text[4096];
    harness_start_ex(&srv, &opts, NULL);
    redisContext *c = harness_connect(&srv);
    harness_expect_status(harness_cmd(c, "ACL SETUSER bob on (+get ~x)"), "OK");
    harness_expect_status(harness_cmd(c, "CONFIG REWRITE"), "OK");
    read_file(opts.config_file, text, sizeof(text));
    /* each user in an old user line's place, the others after the signature */
    ck_assert_ptr_nonnull(strstr(text, "save \"\"\nuser alice on #" PW_HASH
                                       " ~a* resetchannels -@all\n# comment\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nuser bob on resetchannels -@all (~x resetchannels "
                                       "-@all +get)\nuser default on nopass ~* &* +@all\n"));
    redisFree(c);
    harness_stop(&srv);
    /* and they are what the next start-up makes */
    harness_start_ex(&srv, &opts, NULL);
    c = harness_connect(&srv);
    harness_expect_array(harness_cmd(c, "ACL USERS"), 3, (const char *[]){"alice", "bob",
                                                                          "default"});
    /* '#' inside a line is not a comment there: alice keeps her password */
    harness_expect_status(harness_cmd(c, "AUTH alice pw"), "OK");
    redisFree(c);
    harness_stop(&srv);
}
END_TEST

/* The server refuses to start; its output holds `text`. */
static void expect_refused(const char *conf, const char *text)
{
    const char *args[] = {harness_temp_file(conf), "--port", "0", NULL};
    char out[4096];
    int status = harness_run_to_exit(args, out, sizeof(out));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0, "started with: %s", conf);
    ck_assert_msg(strstr(out, text) != NULL, "no '%s' in: %s", text, out);
}

START_TEST(bad_user_directives_stop_the_start_up)
{
    expect_refused("user alice on +nosuch\n",
                   "Error loading ACL rule '+nosuch' for the user named 'alice': Unknown command "
                   "or category name in ACL");
    expect_refused("user alice on\nuser alice off\n",
                   "at line 2\n>>> 'user alice off'\nError in user declaration 'alice': "
                   "Duplicate user found. A user can only be defined once in config files");
    expect_refused("user alice on (+get\n",
                   "at line 1\n>>> 'user alice on (+get'\nUnmatched parenthesis in acl "
                   "selector starting at '(+get'.");
    expect_refused("user alice on\naclfile /nonexistent/users.acl\n",
                   "Configuring Redis with users defined in redis.conf and at the same setting "
                   "an ACL file path is invalid.");
    expect_refused("aclfile /nonexistent/users.acl\n",
                   "Aborting Redis startup because of ACL errors: Error loading ACLs, opening "
                   "file '/nonexistent/users.acl': No such file or directory");
}
END_TEST

static Suite *acl_files_suite(void)
{
    Suite *s = suite_create("acl_files");
    TCase *tc = harness_server_case("aclfile", start_with_acl_file, NULL);
    tcase_add_unchecked_fixture(tc, NULL, stop_and_clean);
    tcase_add_test(tc, the_acl_file_is_read_at_start_up);
    tcase_add_test(tc, acl_save_writes_redis_s_format);
    tcase_add_test(tc, acl_load_keeps_the_users_when_any_line_fails);
    tcase_add_test(tc, acl_load_closes_the_clients_of_the_users_it_replaces);
    suite_add_tcase(s, tc);

    tc = tcase_create("directives");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, user_directives_make_users_at_start_up);
    tcase_add_test(tc, config_rewrite_writes_the_users);
    tcase_add_test(tc, bad_user_directives_stop_the_start_up);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(acl_files_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
