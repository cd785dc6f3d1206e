/*
 * command_key_flags.c - how each command uses its keys: Redis 7.0's key
 * spec flags (RO/RW/OW/RM and access/update/insert/delete), which ACL's
 * %R~ and %W~ patterns are checked against and COMMAND INFO shows.
 *
 * The table was taken from redis-server 7.0.15's COMMAND INFO, with the
 * notes Redis gives some of them. A command
 * with keys has at most two sets of flags there: its first key's, and
 * its other keys' (LMOVE's source is read and emptied, its destination
 * written; ZUNIONSTORE's destination is overwritten, its sources read),
 * in the order command_keys_next yields them. A read-only command reads
 * its keys ("RO access") unless listed; every other command with keys
 * must be listed, and command_key_flags_init fails if one is missing, so
 * a new write command cannot fall back to flags it does not have. Keys
 * no argument position describes (SORT's BY and GET patterns) keep their
 * flags in the command's unknown_keys notes (SORT's STORE key is one
 * in Redis; its flags are here since find_keys yields it).
 *
 * Two commands flag their key variable_flags: what they do to it depends
 * on their arguments, as Redis's getkeys procs say (command_line_key_flags).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "log.h"

struct key_flags_entry {
    const char *name; /* the command's fullname */
    uint16_t first, rest;
    const char *notes; /* Redis's notes on the first key spec, or NULL */
};

#define WORST_RW "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"
#define WORST_RO "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"

static const struct key_flags_entry key_flags_table[] = {
    {"append", KEY_RW | KEY_INSERT, 0, NULL},
    {"bitfield", KEY_RW | KEY_ACCESS | KEY_UPDATE | KEY_VARIABLE_FLAGS, 0,
     "This command allows both access and modification of the key"},
    {"bitop", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
    {"blmove", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT, NULL},
    {"blmpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"blpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"brpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"brpoplpush", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT, NULL},
    {"bzmpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"bzpopmax", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"bzpopmin", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"copy", KEY_RO | KEY_ACCESS, KEY_OW | KEY_UPDATE, NULL},
    {"decr", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"decrby", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"del", KEY_RM | KEY_DELETE, 0, NULL},
    {"eval", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, WORST_RW},
    {"eval_ro", KEY_RO | KEY_ACCESS, 0, WORST_RO},
    {"evalsha", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"exists", KEY_RO, 0, NULL},
    {"expire", KEY_RW | KEY_UPDATE, 0, NULL},
    {"expireat", KEY_RW | KEY_UPDATE, 0, NULL},
    {"fcall", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, WORST_RW},
    {"fcall_ro", KEY_RO | KEY_ACCESS, 0, WORST_RO},
    {"geoadd", KEY_RW | KEY_UPDATE, 0, NULL},
    {"georadius", KEY_RO | KEY_ACCESS, KEY_OW | KEY_UPDATE, NULL},
    {"georadiusbymember", KEY_RO | KEY_ACCESS, KEY_OW | KEY_UPDATE, NULL},
    {"geosearchstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
    {"getdel", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"getex", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, "RW and UPDATE because it changes the TTL"},
    {"getset", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"hdel", KEY_RW | KEY_DELETE, 0, NULL},
    {"hexists", KEY_RO, 0, NULL},
    {"hincrby", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"hincrbyfloat", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"hlen", KEY_RO, 0, NULL},
    {"hmset", KEY_RW | KEY_UPDATE, 0, NULL},
    {"hset", KEY_RW | KEY_UPDATE, 0, NULL},
    {"hsetnx", KEY_RW | KEY_INSERT, 0, NULL},
    {"hstrlen", KEY_RO, 0, NULL},
    {"incr", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"incrby", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"incrbyfloat", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"linsert", KEY_RW | KEY_INSERT, 0, NULL},
    {"llen", KEY_RO, 0, NULL},
    {"lmove", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT, NULL},
    {"lmpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"lpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"lpush", KEY_RW | KEY_INSERT, 0, NULL},
    {"lpushx", KEY_RW | KEY_INSERT, 0, NULL},
    {"lrem", KEY_RW | KEY_DELETE, 0, NULL},
    {"lset", KEY_RW | KEY_UPDATE, 0, NULL},
    {"ltrim", KEY_RW | KEY_DELETE, 0, NULL},
    {"memory|usage", KEY_RO, 0, NULL},
    {"migrate", KEY_RW | KEY_ACCESS | KEY_DELETE,
     KEY_RW | KEY_ACCESS | KEY_DELETE | KEY_INCOMPLETE, NULL},
    {"move", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"mset", KEY_OW | KEY_UPDATE, 0, NULL},
    {"msetnx", KEY_OW | KEY_INSERT, 0, NULL},
    {"object|encoding", KEY_RO, 0, NULL},
    {"object|freq", KEY_RO, 0, NULL},
    {"object|idletime", KEY_RO, 0, NULL},
    {"object|refcount", KEY_RO, 0, NULL},
    {"persist", KEY_RW | KEY_UPDATE, 0, NULL},
    {"pexpire", KEY_RW | KEY_UPDATE, 0, NULL},
    {"pexpireat", KEY_RW | KEY_UPDATE, 0, NULL},
    {"pfadd", KEY_RW | KEY_INSERT, 0, NULL},
    {"pfcount", KEY_RW | KEY_ACCESS, 0,
     "RW because it may change the internal representation of the key, and propagate to "
     "replicas"},
    {"pfdebug", KEY_RW | KEY_ACCESS, 0, NULL},
    {"pfmerge", KEY_RW | KEY_ACCESS | KEY_INSERT, KEY_RO | KEY_ACCESS, NULL},
    {"psetex", KEY_OW | KEY_UPDATE, 0, NULL},
    {"rename", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_OW | KEY_UPDATE, NULL},
    {"renamenx", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_OW | KEY_INSERT, NULL},
    {"restore", KEY_OW | KEY_UPDATE, 0, NULL},
    {"restore-asking", KEY_OW | KEY_UPDATE, 0, NULL},
    {"rpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"rpoplpush", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT, NULL},
    {"rpush", KEY_RW | KEY_INSERT, 0, NULL},
    {"rpushx", KEY_RW | KEY_INSERT, 0, NULL},
    {"sadd", KEY_RW | KEY_INSERT, 0, NULL},
    {"scard", KEY_RO, 0, NULL},
    {"sdiffstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
    {"set", KEY_RW | KEY_ACCESS | KEY_UPDATE | KEY_VARIABLE_FLAGS, 0,
     "RW and ACCESS due to the optional `GET` argument"},
    {"setbit", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"setex", KEY_OW | KEY_UPDATE, 0, NULL},
    {"setnx", KEY_OW | KEY_INSERT, 0, NULL},
    {"setrange", KEY_RW | KEY_UPDATE, 0, NULL},
    {"sinterstore", KEY_RW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
    {"sismember", KEY_RO, 0, NULL},
    {"smove", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT, NULL},
    {"sort", KEY_RO | KEY_ACCESS, KEY_OW | KEY_UPDATE, NULL}, /* its STORE key: an unknown spec */
    {"spop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"srem", KEY_RW | KEY_DELETE, 0, NULL},
    {"strlen", KEY_RO, 0, NULL},
    {"sunionstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
    {"touch", KEY_RO, 0, NULL},
    {"type", KEY_RO, 0, NULL},
    {"unlink", KEY_RM | KEY_DELETE, 0, NULL},
    {"watch", KEY_RO, 0, NULL},
    {"xack", KEY_RW | KEY_UPDATE, 0, NULL},
    {"xadd", KEY_RW | KEY_UPDATE, 0,
     "UPDATE instead of INSERT because of the optional trimming feature"},
    {"xautoclaim", KEY_RW | KEY_DELETE, 0, NULL},
    {"xclaim", KEY_RW | KEY_UPDATE, 0, NULL},
    {"xdel", KEY_RW | KEY_DELETE, 0, NULL},
    {"xgroup|create", KEY_RW | KEY_INSERT, 0, NULL},
    {"xgroup|createconsumer", KEY_RW | KEY_INSERT, 0, NULL},
    {"xgroup|delconsumer", KEY_RW | KEY_DELETE, 0, NULL},
    {"xgroup|destroy", KEY_RW | KEY_DELETE, 0, NULL},
    {"xgroup|setid", KEY_RW | KEY_UPDATE, 0, NULL},
    {"xlen", KEY_RO, 0, NULL},
    {"xreadgroup", KEY_RO | KEY_ACCESS, 0, NULL},
    {"xsetid", KEY_RW | KEY_UPDATE, 0, NULL},
    {"xtrim", KEY_RW | KEY_DELETE, 0, NULL},
    {"zadd", KEY_RW | KEY_UPDATE, 0, NULL},
    {"zcard", KEY_RO, 0, NULL},
    {"zdiffstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
    {"zincrby", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0, NULL},
    {"zinterstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
    {"zmpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"zpopmax", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"zpopmin", KEY_RW | KEY_ACCESS | KEY_DELETE, 0, NULL},
    {"zrangestore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
    {"zrem", KEY_RW | KEY_DELETE, 0, NULL},
    {"zremrangebylex", KEY_RW | KEY_DELETE, 0, NULL},
    {"zremrangebyrank", KEY_RW | KEY_DELETE, 0, NULL},
    {"zremrangebyscore", KEY_RW | KEY_DELETE, 0, NULL},
    {"zunionstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS, NULL},
};

static bool has_keys(const struct command *cmd)
{
    return cmd->first_key > 0 || cmd->numkeys_arg > 0 || cmd->key_keyword != NULL ||
           cmd->find_keys != NULL;
}

static const struct key_flags_entry *entry_of(const struct command *cmd)
{
    for (size_t i = 0; i < sizeof(key_flags_table) / sizeof(key_flags_table[0]); i++)
        if (strcmp(key_flags_table[i].name, cmd->fullname) == 0)
            return &key_flags_table[i];
    return NULL;
}

int command_key_flags_init(void)
{
    for (size_t id = 0; id < command_id_count(); id++) {
        struct command *cmd = (struct command *)command_by_id((unsigned)id);
        const struct key_flags_entry *e = entry_of(cmd);
        if (e != NULL) {
            cmd->key_flags[0] = e->first;
            cmd->key_flags[1] = e->rest ? e->rest : e->first;
            cmd->key_notes = e->notes;
        } else if (cmd->flags & CMD_NOT_KEYS) {
            cmd->key_flags[0] = cmd->key_flags[1] = KEY_NOT_KEY;
        } else if ((cmd->flags & CMD_READONLY) || !has_keys(cmd)) {
            cmd->key_flags[0] = cmd->key_flags[1] = KEY_RO | KEY_ACCESS;
        } else {
            log_warning("No key flags for command '%s'", cmd->fullname);
            return -EINVAL;
        }
    }
    return 0;
}

static bool arg_equals(const struct resp_arg *arg, const char *word)
{
    return arg->len == strlen(word) && strncasecmp(arg->ptr, word, arg->len) == 0;
}

/* Redis's setGetKeys: the old value is read only with GET. */
static unsigned set_key_flags(const struct resp_arg *argv, size_t argc)
{
    for (size_t i = 3; i < argc; i++)
        if (arg_equals(&argv[i], "get"))
            return KEY_RW | KEY_ACCESS | KEY_UPDATE;
    return KEY_OW | KEY_UPDATE;
}

/* Redis's bitfieldGetKeys: only GETs (and OVERFLOW) leave the key as it
 * is; anything else, a syntax error included, may change it. */
static unsigned bitfield_key_flags(const struct resp_arg *argv, size_t argc)
{
    for (size_t i = 2; i < argc; i++) {
        size_t left = argc - i - 1;
        if (arg_equals(&argv[i], "get") && left >= 2)
            i += 2;
        else if (arg_equals(&argv[i], "overflow") && left >= 1)
            i += 1;
        else
            return KEY_RW | KEY_ACCESS | KEY_UPDATE;
    }
    return KEY_RO | KEY_ACCESS;
}

unsigned command_line_key_flags(const struct command *cmd, const struct resp_arg *argv,
                                size_t argc, size_t n)
{
    unsigned flags = command_key_flags(cmd, n);
    if (!(flags & KEY_VARIABLE_FLAGS))
        return flags;
    if (strcmp(cmd->fullname, "set") == 0)
        return set_key_flags(argv, argc);
    assert(strcmp(cmd->fullname, "bitfield") == 0);
    return bitfield_key_flags(argv, argc);
}
