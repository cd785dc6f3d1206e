/*
 * check_acl.c - access control lists end to end (server/acl.c,
 * server/cmd_acl.c and the dispatcher's check): users and their rules,
 * AUTH and HELLO with a username, NOPERM for commands, keys and
 * channels, inside MULTI and scripts, DELUSER closing clients, the ACL
 * LOG, requirepass as the default user's password, and users changed on
 * one loop while clients of another run commands.
 *
 * Every expected reply was taken from redis-server 7.0.15 running the same
 * commands. The single commands ACL LIST names after the categories come
 * in Redis's hash-table order, which changes with its hash seed; Grove
 * names them in command-table order.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "harness.h"

#define NOPERM_KEYS "NOPERM this user has no permissions to access one of the keys used as arguments"
#define NOPERM_CHANNELS                                                                        \
    "NOPERM this user has no permissions to access one of the channels used as arguments"
#define WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."
#define P1_HASH "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a"

static void start_server(void)
{
    static const char *const args[] = {"--threads", "2", NULL};
    harness_start(&harness_srv, args);
}

/* A second connection, authenticated as user/pass. */
static redisContext *connect_as(const char *user, const char *pass)
{
    redisContext *c = harness_connect(&harness_srv);
    harness_cmd_ok(c, "AUTH %s %s", user, pass);
    return c;
}

/* ACL LIST has this line for the user it names ("user NAME ..."). */
static void expect_list_line(const char *line)
{
    const char *name_end = strchr(line + 5, ' ');
    size_t prefix = name_end ? (size_t)(name_end - line) + 1 : strlen(line);
    redisReply *r = CMD("ACL LIST");
    ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
    bool found = false;
    for (size_t i = 0; i < r->elements; i++) {
        if (strncmp(r->element[i]->str, line, prefix) != 0)
            continue;
        ck_assert_str_eq(r->element[i]->str, line);
        found = true;
    }
    ck_assert_msg(found, "no ACL LIST line for %s", line);
    freeReplyObject(r);
}

/* ---- rules and their text ---------------------------------------------------------- */

START_TEST(setuser_rules_read_back_as_redis_writes_them)
{
    EXPECT_OK("ACL SETUSER alice on >p1 ~k* %%R~r* %%W~w* &ch* +get +@hash -hget");
    EXPECT_ARRAY(((const char *[]){
                     "user alice on #" P1_HASH " ~k* %R~r* %W~w* resetchannels &ch* -@all "
                     "+@hash +get -hget",
                     "user default on nopass ~* &* +@all"}),
                 "ACL LIST");
    EXPECT_OK("ACL SETUSER u1");
    EXPECT_OK("ACL SETUSER u2 reset");
    EXPECT_OK("ACL SETUSER u4 on ~a %%R~a &x &x %%W~b %%RW~c %%WR~d");
    EXPECT_OK("ACL SETUSER t -@all +@slow");
    EXPECT_OK("ACL SETUSER t3 +@all -@read -@write +get");
    EXPECT_ARRAY(((const char *[]){"alice", "default", "t", "t3", "u1", "u2", "u4"}), "ACL USERS");
    redisReply *r = CMD("ACL LIST");
    harness_assert_array(r, 7);
    ck_assert_str_eq(r->element[2]->str, "user t off resetchannels -@all +@slow");
    ck_assert_str_eq(r->element[3]->str, "user t3 off resetchannels +@all -@write -@read +get");
    ck_assert_str_eq(r->element[4]->str, "user u1 off resetchannels -@all");
    ck_assert_str_eq(r->element[5]->str, "user u2 off sanitize-payload resetchannels -@all");
    ck_assert_str_eq(r->element[6]->str, "user u4 on ~a %W~b ~c ~d resetchannels &x -@all");
    freeReplyObject(r);
    EXPECT_INT(6, "ACL DELUSER alice u1 u2 u4 t t3");
}
END_TEST

START_TEST(getuser_answers_redis_s_shape_in_both_protocols)
{
    EXPECT_OK("ACL SETUSER bob on >p1 ~k* &c +get");
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_expect(fd, "ACL GETUSER bob",
                         "*12\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\n"
                         P1_HASH "\r\n$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$3\r\n"
                         "~k*\r\n$8\r\nchannels\r\n$2\r\n&c\r\n$9\r\nselectors\r\n*0\r\n");
    close(fd);
    EXPECT_NIL("ACL GETUSER nosuch");
    fd = harness_resp3_connect(&harness_srv);
    harness_raw_expect(fd, "ACL GETUSER default",
                       "%6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$6\r\nnopass\r\n$9\r\npasswords\r\n"
                       "*0\r\n$8\r\ncommands\r\n$5\r\n+@all\r\n$4\r\nkeys\r\n$2\r\n~*\r\n"
                       "$8\r\nchannels\r\n$2\r\n&*\r\n$9\r\nselectors\r\n*0\r\n");
    harness_raw_expect(fd, "ACL GETUSER nosuch", "_\r\n");
    close(fd);
    EXPECT_INT(1, "ACL DELUSER bob");
}
END_TEST

START_TEST(bad_rules_are_refused_with_redis_s_texts_and_change_nothing)
{
    static const struct {
        const char *rule, *why;
    } bad[] = {
        {"foo", "Syntax error"},
        {"+nosuch", "Unknown command or category name in ACL"},
        {"+@nosuch", "Unknown command or category name in ACL"},
        {"%X~a", "Syntax error"},
        {"%~a", "Syntax error"},
        {"#abc", "The password hash must be exactly 64 characters and contain only lowercase "
                 "hexadecimal characters"},
        {"!abc", "The password hash must be exactly 64 characters and contain only lowercase "
                 "hexadecimal characters"},
        {"<nope", "The password you are trying to remove from the user does not exist"},
        {"-config|get|x", "Unknown command or category name in ACL"},
        {"+@all|x", "Unknown command or category name in ACL"},
        {"-get|x", "Unknown command or category name in ACL"},
        {"+config|get|x", "Allowing first-arg of a subcommand is not supported"},
        {"+get|key1|key2", "Unknown command or category name in ACL"},
        {"+config|asdf", "Unknown command or category name in ACL"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[512];
        snprintf(want, sizeof(want), "ERR Error in ACL SETUSER modifier '%s': %s", bad[i].rule,
                 bad[i].why);
        EXPECT_ERR(want, "ACL SETUSER bob %s", bad[i].rule);
    }
    EXPECT_NIL("ACL GETUSER bob"); /* a failed SETUSER creates nobody */
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '~a': Adding a pattern after the * pattern (or "
               "the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' "
               "to start with an empty list of patterns",
               "ACL SETUSER bob allkeys ~a");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '&a': Adding a pattern after the * pattern (or "
               "the 'allchannels' flag) is not valid and does not have any effect. Try "
               "'resetchannels' to start with an empty list of channels",
               "ACL SETUSER bob allchannels &a");
    EXPECT_ERR("ERR Unmatched parenthesis in acl selector starting at '('.", "ACL SETUSER bob (");
    EXPECT_ERR("ERR Usernames can't contain spaces or null characters", "ACL SETUSER %s", "a b");
    EXPECT_OK("ACL SETUSER bob on ~x");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in "
               "ACL",
               "ACL SETUSER bob off ~y +nosuch");
    redisReply *r = CMD("ACL GETUSER bob");
    harness_assert_array(r, 12);
    ck_assert_str_eq(r->element[1]->element[0]->str, "on"); /* unchanged */
    ck_assert_str_eq(r->element[7]->str, "~x");
    freeReplyObject(r);
    EXPECT_INT(1, "ACL DELUSER bob");
}
END_TEST

START_TEST(unsupported_rules_are_refused_never_ignored)
{
    EXPECT_ERR("ERR Error in ACL SETUSER modifier 'skip-sanitize-payload': This rule is not "
               "supported by Grove",
               "ACL SETUSER bob skip-sanitize-payload");
    EXPECT_NIL("ACL GETUSER bob");
}
END_TEST

/* ---- selectors and first-argument rules --------------------------------------------- */

START_TEST(selectors_read_back_as_redis_writes_them)
{
    EXPECT_OK("ACL SETUSER s1 reset ()");
    EXPECT_OK("ACL SETUSER s2 on (+get ~k*) (%%R~a* &x* -@all +set) +select|1 +select|2");
    EXPECT_OK("ACL SETUSER s3 (~key1 +get ) ( ~key2 +get ) ( ~key3 +get) (~key4 +get)");
    EXPECT_ARRAY(((const char *[]){
                     "user default on nopass ~* &* +@all",
                     "user s1 off sanitize-payload resetchannels -@all (resetchannels -@all)",
                     "user s2 on resetchannels -@all +select|1 +select|2 (~k* resetchannels "
                     "-@all +get) (%R~a* resetchannels &x* -@all +set)",
                     "user s3 off resetchannels -@all (~key1 resetchannels -@all +get) (~key2 "
                     "resetchannels -@all +get) (~key3 resetchannels -@all +get) (~key4 "
                     "resetchannels -@all +get)"}),
                 "ACL LIST");
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_expect(fd, "ACL GETUSER s2",
                       "*12\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$9\r\npasswords\r\n*0\r\n"
                       "$8\r\ncommands\r\n$25\r\n-@all +select|1 +select|2\r\n$4\r\nkeys\r\n$0\r\n"
                       "\r\n$8\r\nchannels\r\n$0\r\n\r\n$9\r\nselectors\r\n*2\r\n*6\r\n"
                       "$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$3\r\n~k*\r\n"
                       "$8\r\nchannels\r\n$0\r\n\r\n*6\r\n$8\r\ncommands\r\n$10\r\n-@all +set\r\n"
                       "$4\r\nkeys\r\n$5\r\n%R~a*\r\n$8\r\nchannels\r\n$3\r\n&x*\r\n");
    close(fd);
    EXPECT_OK("ACL SETUSER s2 clearselectors");
    expect_list_line("user s2 on resetchannels -@all +select|1 +select|2");
    EXPECT_INT(3, "ACL DELUSER s1 s2 s3");
}
END_TEST

/* acl-pubsub-default allchannels: new users, reset users and new
 * selectors start with every channel, as Redis's ACLCreateSelector. */
START_TEST(acl_pubsub_default_gives_new_users_their_channels)
{
    EXPECT_ERR("ERR CONFIG SET failed (possibly related to argument 'acl-pubsub-default') - "
               "argument(s) must be one of the following: allchannels, resetchannels",
               "CONFIG SET acl-pubsub-default bogus");
    EXPECT_OK("CONFIG SET acl-pubsub-default allchannels");
    EXPECT_OK("ACL SETUSER p1");
    EXPECT_OK("ACL SETUSER p1 reset");
    EXPECT_OK("ACL SETUSER p2 (+get)");
    expect_list_line("user p1 off sanitize-payload &* -@all");
    expect_list_line("user p2 off &* -@all (&* -@all +get)");
    /* &* and ~* again are no patterns after the * one (Redis's test ACL file) */
    EXPECT_OK("ACL SETUSER p1 on allcommands allkeys ~* &* allchannels");
    expect_list_line("user p1 on sanitize-payload ~* &* +@all");
    EXPECT_OK("CONFIG SET acl-pubsub-default resetchannels");
    EXPECT_OK("ACL SETUSER p3 (+get)");
    expect_list_line("user p3 off resetchannels -@all (resetchannels -@all +get)");
    EXPECT_INT(3, "ACL DELUSER p1 p2 p3");
}
END_TEST

START_TEST(bad_selectors_are_refused_with_redis_s_texts)
{
    EXPECT_ERR("ERR Error in ACL SETUSER modifier ' () ': Syntax error",
               "ACL SETUSER bad %s", " () ");
    EXPECT_ERR("ERR Unmatched parenthesis in acl selector starting at '('.", "ACL SETUSER bad (");
    EXPECT_ERR("ERR Unmatched parenthesis in acl selector starting at '(+get'.",
               "ACL SETUSER bad on (+get ~k");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier ')': Syntax error", "ACL SETUSER bad )");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '(on)': Syntax error", "ACL SETUSER bad (on)");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '(&* &fail)': Adding a pattern after the * "
               "pattern (or the 'allchannels' flag) is not valid and does not have any effect. "
               "Try 'resetchannels' to start with an empty list of channels",
               "ACL SETUSER bad (&* &fail)");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '(+get ~a ~b +nosuch)': Unknown command or "
               "category name in ACL",
               "ACL SETUSER bad (+get ~a ~b +nosuch)");
    EXPECT_NIL("ACL GETUSER bad");
}
END_TEST

START_TEST(any_selector_may_allow_a_command)
{
    EXPECT_OK("ACL SETUSER sel on nopass (+@write ~write::*) (+@read ~read::*)");
    redisContext *c = connect_as("sel", "x");
    harness_expect_error(harness_cmd(c, "PING"),
                         "NOPERM this user has no permissions to run the 'ping' command");
    harness_expect_status(harness_cmd(c, "SET write::foo bar"), "OK");
    harness_expect_nil(harness_cmd(c, "GET read::foo"));
    harness_expect_error(harness_cmd(c, "GET write::foo"), NOPERM_KEYS);
    harness_expect_error(harness_cmd(c, "SET read::foo bar"), NOPERM_KEYS);
    redisFree(c);
    /* read and write patterns of different selectors do not add up */
    EXPECT_OK("ACL SETUSER rw on nopass (%%R~read* +@all) (%%W~write* +@all)");
    EXPECT_OK("ACL DRYRUN rw LPUSH writelist 10");
    EXPECT_STR("This user has no permissions to access the 'write' key",
               "ACL DRYRUN rw COPY read write");
    /* the refusal logged is the most relevant of all selectors' */
    EXPECT_OK("ACL SETUSER lg on nopass +mget ~key (+mget ~key ~otherkey)");
    c = connect_as("lg", "x");
    EXPECT_OK("ACL LOG RESET");
    harness_expect_error(harness_cmd(c, "MGET key otherkey someotherkey"), NOPERM_KEYS);
    harness_expect_error(harness_cmd(c, "GET key"),
                         "NOPERM this user has no permissions to run the 'get' command");
    redisReply *r = CMD("ACL LOG");
    harness_assert_array(r, 2);
    ck_assert_str_eq(r->element[0]->element[7]->str, "get");
    ck_assert_str_eq(r->element[1]->element[3]->str, "key");
    ck_assert_str_eq(r->element[1]->element[7]->str, "someotherkey");
    freeReplyObject(r);
    redisFree(c);
    EXPECT_INT(3, "ACL DELUSER sel rw lg");
}
END_TEST

START_TEST(first_argument_rules_allow_one_argument)
{
    EXPECT_OK("ACL SETUSER fa on nopass ~* -@all +select|0 +select|0 +SELECT|1");
    expect_list_line("user fa on nopass ~* resetchannels -@all +select|0 +select|1");
    redisContext *c = connect_as("fa", "x");
    harness_cmd_ok(c, "SELECT 0");
    harness_cmd_ok(c, "select 1");
    harness_expect_error(harness_cmd(c, "SELECT 2"),
                         "NOPERM this user has no permissions to run the 'select' command");
    redisFree(c);
    EXPECT_OK("ACL DRYRUN fa SELECT 0");
    EXPECT_STR("This user has no permissions to run the 'select' command", "ACL DRYRUN fa SELECT 00");
    /* a later rule about the command replaces them, as in Redis */
    EXPECT_OK("ACL SETUSER fa -@connection");
    expect_list_line("user fa on nopass ~* resetchannels -@all");
    EXPECT_OK("ACL SETUSER fa +select|0 +select");
    expect_list_line("user fa on nopass ~* resetchannels -@all +select");
    EXPECT_OK("ACL SETUSER fa +select|5 -select");
    expect_list_line("user fa on nopass ~* resetchannels -@all");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '-select|1': Unknown command or category "
               "name in ACL",
               "ACL SETUSER fa -select|1");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a "
               "subcommand is not supported",
               "ACL SETUSER fa +config|get|x");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '+select|': Syntax error",
               "ACL SETUSER fa +select|");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '+config|foo': Unknown command or category "
               "name in ACL",
               "ACL SETUSER fa +config|foo");
    EXPECT_ERR("ERR Error in ACL SETUSER modifier '+get|key1|key2': Unknown command or "
               "category name in ACL",
               "ACL SETUSER fa +get|key1|key2");
    EXPECT_INT(1, "ACL DELUSER fa");
}
END_TEST

START_TEST(small_subcommands_answer_as_redis)
{
    EXPECT_ERR("ERR The 'default' user cannot be removed", "ACL DELUSER default");
    EXPECT_INT(0, "ACL DELUSER nosuch");
    EXPECT_STR("default", "ACL WHOAMI");
    redisReply *r = CMD("ACL GENPASS");
    ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
    ck_assert_uint_eq(r->len, 64);
    freeReplyObject(r);
    r = CMD("ACL GENPASS 5");
    ck_assert_uint_eq(r->len, 2);
    freeReplyObject(r);
    EXPECT_ERR("ERR ACL GENPASS argument must be the number of bits for the output password, a "
               "positive number up to 4096",
               "ACL GENPASS 0");
    EXPECT_ERR(ERR_NOT_INT, "ACL GENPASS x");
    EXPECT_ERR("ERR Unknown category 'nosuch'", "ACL CAT nosuch");
    EXPECT_ARRAY(((const char *[]){"keyspace", "read", "write", "set", "sortedset", "list",
                                   "hash", "string", "bitmap", "hyperloglog", "geo", "stream",
                                   "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
                                   "connection", "transaction", "scripting"}),
                 "ACL CAT");
    r = CMD("ACL CAT hyperloglog");
    ck_assert(harness_array_has(r, "pfadd") && harness_array_has(r, "pfdebug"));
    freeReplyObject(r);
    r = CMD("ACL CAT dangerous");
    ck_assert(harness_array_has(r, "config|set") && harness_array_has(r, "acl|setuser"));
    ck_assert(!harness_array_has(r, "get"));
    freeReplyObject(r);
    EXPECT_ERR("ERR unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.",
               "ACL LOG 1 2");
}
END_TEST

START_TEST(dryrun_says_what_the_user_may_run)
{
    EXPECT_OK("ACL SETUSER u4 on ~a &x +get +config -config|set +publish");
    EXPECT_OK("ACL DRYRUN u4 get a");
    EXPECT_OK("ACL DRYRUN u4 config get a");
    EXPECT_STR("This user has no permissions to run the 'config|set' command",
               "ACL DRYRUN u4 config set a b");
    EXPECT_STR("This user has no permissions to run the 'set' command", "ACL DRYRUN u4 set a b");
    EXPECT_STR("This user has no permissions to access the 'x' key", "ACL DRYRUN u4 get x");
    EXPECT_STR("This user has no permissions to access the 'z' channel",
               "ACL DRYRUN u4 publish z y");
    EXPECT_ERR("ERR User 'nosuch' not found", "ACL DRYRUN nosuch get a");
    EXPECT_ERR("ERR Command 'nosuchcmd' not found", "ACL DRYRUN u4 nosuchcmd");
    EXPECT_ERR("ERR wrong number of arguments for 'get' command", "ACL DRYRUN u4 get");
    EXPECT_INT(1, "ACL DELUSER u4");
}
END_TEST

/* %R~ and %W~ against how each command uses each key (Redis 7.0.15's key
 * specs, and its getkeys procs for SET and BITFIELD); every answer here
 * is redis-server 7.0.15's. */
START_TEST(read_and_write_patterns_follow_each_key_s_use)
{
    static const struct {
        const char *line, *denied; /* NULL: allowed */
    } cases[] = {
        {"set w1 v", NULL},                      /* overwrites, reads nothing */
        {"set w1 v get", "w1"},                  /* returns the old value */
        {"bitfield w1 set u8 0 1", "w1"},
        {"bitfield r1 get u8 0", NULL},
        {"exists w1", NULL},                     /* neither reads nor writes */
        {"hexists nothing f", "nothing"},
        {"lmove r1 w1 left left", "r1"},         /* the source is emptied */
        {"lmove rw1 w1 left left", NULL},
        {"sort rw1 store w1", NULL},
        {"eval x 1 r1", "r1"},                   /* scripts may do anything */
        {"eval_ro x 1 r1", NULL},
        {"georadius r1 1 1 1 m store w1", NULL},
        {"sintercard 2 w1 r1", "w1"},
        {"copy r1 w1", NULL},
        {"copy w1 r1", "w1"},
        {"rename w1 rw1", "w1"},
        {"del w1", NULL},
        {"del r1", "r1"},
        {"zunionstore w1 2 r1 rw1", NULL},
        {"zunionstore r1 2 r1 rw1", "r1"},
        {"bitop and w1 r1 r2", NULL},
        {"mset w1 1 r2 2", "r2"},
        {"incr w1", "w1"},
        {"append w1 x", NULL},
        {"getdel w1", "w1"},
        {"memory usage w1", NULL},
        {"restore w1 0 x", NULL},
    };
    EXPECT_OK("ACL SETUSER kt on nopass +@all %%R~r* %%W~w* %%RW~rw*");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char line[128], want[128];
        snprintf(line, sizeof(line), "ACL DRYRUN kt %s", cases[i].line);
        redisReply *r = CMD(line); /* hiredis splits it at spaces */
        if (cases[i].denied)
            snprintf(want, sizeof(want), "This user has no permissions to access the '%s' key",
                     cases[i].denied);
        ck_assert_msg(r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING, "%s",
                      cases[i].line);
        ck_assert_msg(strcmp(r->str, cases[i].denied ? want : "OK") == 0, "%s: %s",
                      cases[i].line, r->str);
        freeReplyObject(r);
    }
    redisContext *c = connect_as("kt", "x");
    harness_expect_status(harness_cmd(c, "SET w1 v"), "OK");
    harness_expect_error(harness_cmd(c, "GET w1"), NOPERM_KEYS);
    harness_expect_error(harness_cmd(c, "SET w1 v GET"), NOPERM_KEYS);
    harness_expect_status(harness_cmd(c, "SET rw1 v"), "OK");
    harness_expect_str(harness_cmd(c, "SET rw1 v2 GET"), "v");
    redisFree(c);
    EXPECT_INT(1, "ACL DELUSER kt");
}
END_TEST

/* ---- authentication and enforcement ------------------------------------------------- */

START_TEST(auth_and_hello_take_a_username)
{
    EXPECT_OK("ACL SETUSER u5 on >p1 +@all ~* &*");
    EXPECT_ERR(WRONGPASS, "AUTH u5 bad");
    EXPECT_ERR(WRONGPASS, "AUTH nosuch p1");
    EXPECT_OK("AUTH u5 p1");
    EXPECT_STR("u5", "ACL WHOAMI");
    redisReply *r = CMD("CLIENT INFO");
    ck_assert_ptr_nonnull(strstr(r->str, " user=u5 "));
    freeReplyObject(r);
    EXPECT_OK("ACL SETUSER u5 off");
    EXPECT_ERR(WRONGPASS, "AUTH u5 p1"); /* off: no new logins; this one stays */
    EXPECT_STR("u5", "ACL WHOAMI");
    EXPECT_OK("ACL SETUSER u5 on");
    redisContext *c = harness_connect(&harness_srv);
    harness_expect_error(harness_cmd(c, "HELLO 2 AUTH u5 bad"), WRONGPASS);
    freeReplyObject(harness_cmd(c, "HELLO 2 AUTH u5 p1"));
    harness_expect_str(harness_cmd(c, "ACL WHOAMI"), "u5");
    redisFree(c);
    EXPECT_STATUS("RESET", "RESET");
    EXPECT_STR("default", "ACL WHOAMI");
    EXPECT_INT(1, "ACL DELUSER u5");
}
END_TEST

START_TEST(commands_keys_and_channels_are_checked)
{
    EXPECT_OK("ACL SETUSER u6 on nopass +@all -set ~a* %%R~r* %%W~w* &x*");
    redisContext *c = connect_as("u6", "any");
    harness_expect_error(harness_cmd(c, "SET a 1"),
                         "NOPERM this user has no permissions to run the 'set' command");
    harness_expect_error(harness_cmd(c, "GET zz"), NOPERM_KEYS);
    harness_expect_nil(harness_cmd(c, "GET a"));
    harness_expect_nil(harness_cmd(c, "GET r1"));
    harness_expect_error(harness_cmd(c, "INCR r1"), NOPERM_KEYS); /* reads and writes */
    harness_expect_error(harness_cmd(c, "GET w1"), NOPERM_KEYS);
    harness_expect_int(harness_cmd(c, "LPUSH w1 x"), 1);          /* writes only */
    harness_expect_error(harness_cmd(c, "MGET a1 a2 zz"), NOPERM_KEYS);
    harness_expect_int(harness_cmd(c, "PUBLISH x1 m"), 0);
    harness_expect_error(harness_cmd(c, "PUBLISH y m"), NOPERM_CHANNELS);
    harness_expect_error(harness_cmd(c, "SUBSCRIBE x1 y"), NOPERM_CHANNELS);
    harness_expect_error(harness_cmd(c, "PSUBSCRIBE x1*"), NOPERM_CHANNELS); /* not literal */
    redisFree(c);
    EXPECT_INT(1, "ACL DELUSER u6");
}
END_TEST

/* SORT's BY and GET patterns read keys named by the data, which no key
 * check of the line sees: as in Redis, only a selector that allows the
 * line and reading every key (allkeys or %R~*) lets them through. */
START_TEST(sort_patterns_need_every_key_readable)
{
    static const char by_denied[] =
        "ERR BY option of SORT denied due to insufficient ACL permissions.";
    static const char get_denied[] =
        "ERR GET option of SORT denied due to insufficient ACL permissions.";
    EXPECT_OK("SET v1 1");
    EXPECT_INT(1, "LPUSH sl 1");
    EXPECT_OK("ACL SETUSER us on nopass (+sort ~sl)");
    redisContext *c = connect_as("us", "x");
    harness_expect_error(harness_cmd(c, "SORT sl BY v*"), by_denied);
    harness_expect_error(harness_cmd(c, "SORT sl GET v*"), get_denied);
    harness_expect_error(harness_cmd(c, "SORT sl GET #"), get_denied);
    harness_expect_array(harness_cmd(c, "SORT sl BY nosort"), 1, (const char *[]){"1"});
    /* Root rule and selector: none lets the line read every key. */
    static const char *const narrow[][2] = {
        {"resetkeys", "(+sort ~sl ~v*)"},
        {"resetkeys", "(+sort ~sl %W~*)"},
        {"%R~*", "(+sort ~sl)"},
    };
    for (size_t i = 0; i < sizeof(narrow) / sizeof(narrow[0]); i++) {
        EXPECT_OK("ACL SETUSER us clearselectors resetkeys %s %s", narrow[i][0], narrow[i][1]);
        harness_expect_error(harness_cmd(c, "SORT sl BY v*"), by_denied);
        harness_expect_error(harness_cmd(c, "SORT sl GET v*"), get_denied);
    }
    EXPECT_OK("ACL SETUSER us clearselectors resetkeys (+sort ~sl %%R~*)");
    harness_expect_array(harness_cmd(c, "SORT sl BY v* GET v*"), 1, (const char *[]){"1"});
    redisFree(c);
    EXPECT_INT(1, "ACL DELUSER us");
    EXPECT_INT(2, "DEL v1 sl");
}
END_TEST

START_TEST(multi_refuses_at_queue_time)
{
    EXPECT_OK("ACL SETUSER u7 on nopass +@all -set ~a*");
    redisContext *c = connect_as("u7", "x");
    harness_cmd_ok(c, "MULTI");
    harness_expect_error(harness_cmd(c, "SET a 1"),
                         "NOPERM this user has no permissions to run the 'set' command");
    harness_expect_error(harness_cmd(c, "GET zz"), NOPERM_KEYS);
    harness_expect_status(harness_cmd(c, "GET a"), "QUEUED");
    harness_expect_error(harness_cmd(c, "EXEC"),
                         "EXECABORT Transaction discarded because of previous errors.");
    redisFree(c);
    redisReply *r = CMD("ACL LOG 1");
    harness_assert_array(r, 1);
    ck_assert_str_eq(r->element[0]->element[3]->str, "key");
    ck_assert_str_eq(r->element[0]->element[5]->str, "multi");
    ck_assert_str_eq(r->element[0]->element[7]->str, "zz");
    freeReplyObject(r);
    EXPECT_INT(1, "ACL DELUSER u7");
}
END_TEST

START_TEST(scripts_run_as_their_caller)
{
    EXPECT_OK("ACL SETUSER u8 on nopass +@all -set ~a* &*");
    redisContext *c = connect_as("u8", "x");
    redisReply *r = harness_cmd(c, "EVAL %s 0", "return redis.call('set','a','b')");
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    static const char denied[] =
        "ERR The user executing the script can't run this command or subcommand script:";
    ck_assert_msg(strncmp(r->str, denied, sizeof(denied) - 1) == 0, "%s", r->str);
    freeReplyObject(r);
    harness_expect_error(harness_cmd(c, "EVAL %s 0", "return redis.pcall('get','zz')"),
                         "ERR The user executing the script can't access at least one of the "
                         "keys mentioned in the command arguments");
    harness_expect_error(harness_cmd(c, "EVAL %s 1 zz", "return redis.call('get',KEYS[1])"),
                         NOPERM_KEYS);
    harness_expect_nil(harness_cmd(c, "EVAL %s 0", "return redis.acl_check_cmd('get','zz')"));
    harness_expect_int(harness_cmd(c, "EVAL %s 0", "return redis.acl_check_cmd('get','a')"), 1);
    redisFree(c);
    r = CMD("ACL LOG 2"); /* EVAL's own KEYS, then the script's GET */
    ck_assert_str_eq(r->element[0]->element[5]->str, "toplevel");
    ck_assert_str_eq(r->element[1]->element[5]->str, "lua");
    freeReplyObject(r);
    EXPECT_INT(1, "ACL DELUSER u8");
}
END_TEST

START_TEST(deluser_closes_the_user_s_clients)
{
    EXPECT_OK("ACL SETUSER gone on nopass +@all ~* &*");
    redisContext *c = connect_as("gone", "x");
    redisContext *other = harness_connect(&harness_srv);
    EXPECT_INT(1, "CLIENT KILL USER gone SKIPME no");
    EXPECT_ERR("ERR No such user 'nosuch'", "CLIENT KILL USER nosuch");
    redisFree(c);
    c = connect_as("gone", "x");
    EXPECT_INT(1, "ACL DELUSER gone");
    ck_assert_ptr_null(redisCommand(c, "PING")); /* closed */
    harness_expect_status(harness_cmd(other, "PING"), "PONG");
    redisFree(c);
    redisFree(other);
    EXPECT_ERR(WRONGPASS, "AUTH gone x");
}
END_TEST

/* A raw connection authenticated as user ps, subscribed with `line`
 * (whose one confirmation is `reply`). */
static int subscriber(const char *line, const char *reply)
{
    int fd = harness_raw_connect(&harness_srv);
    harness_raw_expect(fd, "AUTH ps x", "+OK\r\n");
    harness_raw_expect(fd, line, reply);
    return fd;
}

START_TEST(revoking_channels_disconnects_their_subscribers)
{
    EXPECT_OK("ACL SETUSER ps on nopass +@all resetchannels &foo:1 &bar:* &orders");
    int ch = subscriber("SUBSCRIBE foo:1", "*3\r\n$9\r\nsubscribe\r\n$5\r\nfoo:1\r\n:1\r\n");
    int pat = subscriber("PSUBSCRIBE bar:*", "*3\r\n$10\r\npsubscribe\r\n$5\r\nbar:*\r\n:1\r\n");
    int shard = subscriber("SSUBSCRIBE orders", "*3\r\n$10\r\nssubscribe\r\n$6\r\norders\r\n:1\r\n");
    int idle = harness_raw_connect(&harness_srv);
    harness_raw_expect(idle, "AUTH ps x", "+OK\r\n");
    /* more channels, or all of them: everyone stays */
    EXPECT_OK("ACL SETUSER ps resetchannels &foo:1 &bar:* &orders &baz:qaz &zoo:*");
    EXPECT_OK("ACL SETUSER ps allchannels");
    harness_raw_expect(ch, "PING", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    /* a pattern that still covers the channel keeps its subscriber */
    EXPECT_OK("ACL SETUSER ps resetchannels &foo:* &bar:* &orders");
    harness_raw_expect(ch, "PING", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    /* a PSUBSCRIBE pattern must be allowed literally */
    EXPECT_OK("ACL SETUSER ps resetchannels &foo:1 &bar:x* &orders");
    ck_assert(harness_raw_closed(pat));
    harness_raw_expect(ch, "PING", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    EXPECT_OK("ACL SETUSER ps resetchannels &orders");
    ck_assert(harness_raw_closed(ch));
    harness_raw_expect(shard, "PING", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    EXPECT_OK("ACL SETUSER ps reset on nopass +@all");
    ck_assert(harness_raw_closed(shard));
    harness_raw_expect(idle, "PING", "+PONG\r\n"); /* subscribed to nothing */
    close(ch);
    close(pat);
    close(shard);
    close(idle);
    EXPECT_INT(1, "ACL DELUSER ps");
}
END_TEST

START_TEST(a_subscriber_revoking_its_own_channels_gets_ok_then_is_closed)
{
    EXPECT_OK("ACL SETUSER ps on nopass +@all resetchannels &foo:1");
    int fd = harness_resp3_connect(&harness_srv);
    harness_raw_expect(fd, "AUTH ps x", "+OK\r\n");
    harness_raw_expect(fd, "SUBSCRIBE foo:1", ">3\r\n$9\r\nsubscribe\r\n$5\r\nfoo:1\r\n:1\r\n");
    harness_raw_expect(fd, "ACL SETUSER ps resetchannels", "+OK\r\n");
    ck_assert(harness_raw_closed(fd));
    close(fd);
    EXPECT_INT(1, "ACL DELUSER ps");
}
END_TEST

#define NOPERM_CHANGED                                                                         \
    "NOPERM ACLs rules changed between the moment the transaction was accumulated and the "    \
    "EXEC call. This command is no longer allowed for the following reason: "

START_TEST(exec_checks_again_what_was_queued)
{
    EXPECT_OK("ACL SETUSER tx on nopass +@all ~* &*");
    redisContext *c = connect_as("tx", "x");
    harness_cmd_ok(c, "MULTI");
    harness_expect_status(harness_cmd(c, "GET foo"), "QUEUED");
    harness_expect_status(harness_cmd(c, "SET k1 v"), "QUEUED");
    harness_expect_status(harness_cmd(c, "PUBLISH ch m"), "QUEUED");
    harness_expect_status(harness_cmd(c, "SET k2 v"), "QUEUED");
    EXPECT_OK("ACL LOG RESET");
    EXPECT_OK("ACL SETUSER tx -get resetkeys ~k2 resetchannels");
    redisReply *r = harness_cmd(c, "EXEC");
    harness_assert_array(r, 4);
    ck_assert_str_eq(r->element[0]->str,
                     NOPERM_CHANGED "no permission to execute the command or subcommand");
    ck_assert_str_eq(r->element[1]->str, NOPERM_CHANGED "no permission to touch the specified keys");
    ck_assert_str_eq(r->element[2]->str,
                     NOPERM_CHANGED "no permission to access one of the channels used as "
                                    "arguments");
    ck_assert_str_eq(r->element[3]->str, "OK");
    freeReplyObject(r);
    EXPECT_NIL("GET k1");
    /* logged as Redis logs them: context multi, the newest first */
    r = CMD("ACL LOG");
    harness_assert_array(r, 3);
    static const char *const reasons[] = {"channel", "key", "command"};
    static const char *const objects[] = {"ch", "k1", "get"};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_str_eq(r->element[i]->element[3]->str, reasons[i]);
        ck_assert_str_eq(r->element[i]->element[5]->str, "multi");
        ck_assert_str_eq(r->element[i]->element[7]->str, objects[i]);
    }
    freeReplyObject(r);
    redisFree(c);
    EXPECT_INT(1, "ACL DELUSER tx");
}
END_TEST

/* ---- the log, requirepass, errorstats --------------------------------------------- */

START_TEST(log_groups_alike_refusals_and_resets)
{
    EXPECT_OK("ACL LOG RESET");
    EXPECT_OK("CONFIG RESETSTAT");
    EXPECT_OK("ACL SETUSER u9 on nopass +@all ~a");
    redisContext *c = connect_as("u9", "x");
    harness_expect_error(harness_cmd(c, "GET b"), NOPERM_KEYS);
    harness_expect_error(harness_cmd(c, "SET b 1"), NOPERM_KEYS);
    harness_expect_error(harness_cmd(c, "AuTh nosuch x"), WRONGPASS);
    redisFree(c);
    redisReply *r = CMD("ACL LOG");
    harness_assert_array(r, 2);
    const redisReply *auth = r->element[0], *key = r->element[1];
    ck_assert_str_eq(auth->element[3]->str, "auth");
    ck_assert_str_eq(auth->element[7]->str, "AuTh"); /* as sent, as Redis logs it */
    ck_assert_str_eq(auth->element[9]->str, "nosuch");
    ck_assert_str_eq(key->element[0]->str, "count");
    ck_assert_int_eq(key->element[1]->integer, 2);
    ck_assert_str_eq(key->element[7]->str, "b");
    ck_assert_str_eq(key->element[9]->str, "u9");
    ck_assert_str_eq(key->element[10]->str, "age-seconds");
    ck_assert_str_eq(key->element[12]->str, "client-info");
    ck_assert_ptr_nonnull(strstr(key->element[13]->str, " cmd=set user=u9 "));
    freeReplyObject(r);
    EXPECT_OK("CONFIG SET acllog-max-len 1");
    c = connect_as("u9", "x");
    harness_expect_error(harness_cmd(c, "GET c"), NOPERM_KEYS);
    redisFree(c);
    r = CMD("ACL LOG");
    harness_assert_array(r, 1);
    ck_assert_str_eq(r->element[0]->element[7]->str, "c");
    freeReplyObject(r);
    EXPECT_OK("ACL LOG RESET");
    EXPECT_EMPTY("ACL LOG");
    EXPECT_OK("CONFIG SET acllog-max-len 128");
    char stat[64];
    ck_assert(harness_info_field(harness_ctx, "errorstats", "errorstat_NOPERM", stat,
                                 sizeof(stat)));
    ck_assert_str_eq(stat, "count=3");
    EXPECT_INT(1, "ACL DELUSER u9");
}
END_TEST

START_TEST(requirepass_is_the_default_user_s_password)
{
    EXPECT_ERR("ERR AUTH <password> called without any password configured for the default "
               "user. Are you sure your configuration is correct?",
               "AUTH x");
    EXPECT_OK("CONFIG SET requirepass s3cret");
    redisContext *c = harness_connect(&harness_srv);
    harness_expect_error(harness_cmd(c, "GET a"), "NOAUTH Authentication required.");
    harness_expect_error(harness_cmd(c, "AUTH default nope"), WRONGPASS);
    harness_cmd_ok(c, "AUTH default s3cret");
    harness_cmd_ok(c, "CONFIG SET requirepass %s", "");
    redisFree(c);
    EXPECT_ARRAY(((const char *[]){"user default on nopass ~* &* +@all"}), "ACL LIST");
}
END_TEST

/* ---- across loops ------------------------------------------------------------------ */

static atomic_bool stop_flipping;

static void *flip_rules(void *arg)
{
    (void)arg;
    redisContext *c = harness_connect(&harness_srv);
    for (int i = 0; !atomic_load(&stop_flipping); i++) {
        redisReply *r = redisCommand(c, i % 2 ? "ACL SETUSER racer -get" : "ACL SETUSER racer +get");
        freeReplyObject(r);
    }
    redisFree(c);
    return NULL;
}

START_TEST(rules_change_while_other_loops_check_them)
{
    EXPECT_OK("ACL SETUSER racer on nopass +@all ~* &*");
    redisContext *c[4];
    for (int i = 0; i < 4; i++)
        c[i] = connect_as("racer", "x");
    pthread_t t;
    atomic_store(&stop_flipping, false);
    pthread_create(&t, NULL, flip_rules, NULL);
    for (int n = 0; n < 300; n++) {
        redisReply *r = harness_cmd(c[n % 4], "GET k");
        ck_assert(r->type == REDIS_REPLY_NIL ||
                  (r->type == REDIS_REPLY_ERROR && strstr(r->str, "'get' command")));
        freeReplyObject(r);
    }
    atomic_store(&stop_flipping, true);
    pthread_join(t, NULL);
    EXPECT_INT(1, "ACL DELUSER racer");
    for (int i = 0; i < 4; i++)
        redisFree(c[i]);
}
END_TEST

static Suite *acl_suite(void)
{
    Suite *s = suite_create("acl");
    TCase *tc = harness_server_case("rules", start_server, NULL);
    tcase_add_test(tc, setuser_rules_read_back_as_redis_writes_them);
    tcase_add_test(tc, getuser_answers_redis_s_shape_in_both_protocols);
    tcase_add_test(tc, bad_rules_are_refused_with_redis_s_texts_and_change_nothing);
    tcase_add_test(tc, unsupported_rules_are_refused_never_ignored);
    tcase_add_test(tc, selectors_read_back_as_redis_writes_them);
    tcase_add_test(tc, acl_pubsub_default_gives_new_users_their_channels);
    tcase_add_test(tc, bad_selectors_are_refused_with_redis_s_texts);
    tcase_add_test(tc, any_selector_may_allow_a_command);
    tcase_add_test(tc, first_argument_rules_allow_one_argument);
    tcase_add_test(tc, small_subcommands_answer_as_redis);
    tcase_add_test(tc, dryrun_says_what_the_user_may_run);
    tcase_add_test(tc, read_and_write_patterns_follow_each_key_s_use);
    suite_add_tcase(s, tc);

    tc = harness_server_case("enforcement", start_server, NULL);
    tcase_add_test(tc, auth_and_hello_take_a_username);
    tcase_add_test(tc, commands_keys_and_channels_are_checked);
    tcase_add_test(tc, sort_patterns_need_every_key_readable);
    tcase_add_test(tc, multi_refuses_at_queue_time);
    tcase_add_test(tc, scripts_run_as_their_caller);
    tcase_add_test(tc, deluser_closes_the_user_s_clients);
    tcase_add_test(tc, revoking_channels_disconnects_their_subscribers);
    tcase_add_test(tc, a_subscriber_revoking_its_own_channels_gets_ok_then_is_closed);
    tcase_add_test(tc, exec_checks_again_what_was_queued);
    tcase_add_test(tc, log_groups_alike_refusals_and_resets);
    tcase_add_test(tc, requirepass_is_the_default_user_s_password);
    suite_add_tcase(s, tc);

    tc = harness_server_case("threads", start_server, NULL);
    tcase_add_test(tc, rules_change_while_other_loops_check_them);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(acl_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
