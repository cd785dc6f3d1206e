/*
 * command_key_flags.c - how each command uses its keys: Redis 7.0's key
 * spec flags (RO/RW/OW/RM and access/update/insert/delete), which ACL's
 * %R~ and %W~ patterns are checked against and COMMAND INFO shows.
 *
 * The table was taken from redis-server 7.0.15's COMMAND INFO. A command
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
};

static const struct key_flags_entry key_flags_table[] = {
    {"append", KEY_RW | KEY_INSERT, 0},
    {"bitfield", KEY_RW | KEY_ACCESS | KEY_UPDATE | KEY_VARIABLE_FLAGS, 0},
    {"bitop", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
    {"blmove", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT},
    {"blmpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"blpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"brpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"brpoplpush", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT},
    {"bzmpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"bzpopmax", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"bzpopmin", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"copy", KEY_RO | KEY_ACCESS, KEY_OW | KEY_UPDATE},
    {"decr", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"decrby", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"del", KEY_RM | KEY_DELETE, 0},
    {"eval", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"evalsha", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"exists", KEY_RO, 0},
    {"expire", KEY_RW | KEY_UPDATE, 0},
    {"expireat", KEY_RW | KEY_UPDATE, 0},
    {"fcall", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"geoadd", KEY_RW | KEY_UPDATE, 0},
    {"georadius", KEY_RO | KEY_ACCESS, KEY_OW | KEY_UPDATE},
    {"georadiusbymember", KEY_RO | KEY_ACCESS, KEY_OW | KEY_UPDATE},
    {"geosearchstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
    {"getdel", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"getex", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"getset", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"hdel", KEY_RW | KEY_DELETE, 0},
    {"hexists", KEY_RO, 0},
    {"hincrby", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"hincrbyfloat", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"hlen", KEY_RO, 0},
    {"hmset", KEY_RW | KEY_UPDATE, 0},
    {"hset", KEY_RW | KEY_UPDATE, 0},
    {"hsetnx", KEY_RW | KEY_INSERT, 0},
    {"hstrlen", KEY_RO, 0},
    {"incr", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"incrby", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"incrbyfloat", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"linsert", KEY_RW | KEY_INSERT, 0},
    {"llen", KEY_RO, 0},
    {"lmove", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT},
    {"lmpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"lpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"lpush", KEY_RW | KEY_INSERT, 0},
    {"lpushx", KEY_RW | KEY_INSERT, 0},
    {"lrem", KEY_RW | KEY_DELETE, 0},
    {"lset", KEY_RW | KEY_UPDATE, 0},
    {"ltrim", KEY_RW | KEY_DELETE, 0},
    {"memory|usage", KEY_RO, 0},
    {"move", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"mset", KEY_OW | KEY_UPDATE, 0},
    {"msetnx", KEY_OW | KEY_INSERT, 0},
    {"object|encoding", KEY_RO, 0},
    {"object|freq", KEY_RO, 0},
    {"object|idletime", KEY_RO, 0},
    {"object|refcount", KEY_RO, 0},
    {"persist", KEY_RW | KEY_UPDATE, 0},
    {"pexpire", KEY_RW | KEY_UPDATE, 0},
    {"pexpireat", KEY_RW | KEY_UPDATE, 0},
    {"pfadd", KEY_RW | KEY_INSERT, 0},
    {"pfcount", KEY_RW | KEY_ACCESS, 0},
    {"pfdebug", KEY_RW | KEY_ACCESS, 0},
    {"pfmerge", KEY_RW | KEY_ACCESS | KEY_INSERT, KEY_RO | KEY_ACCESS},
    {"psetex", KEY_OW | KEY_UPDATE, 0},
    {"rename", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_OW | KEY_UPDATE},
    {"renamenx", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_OW | KEY_INSERT},
    {"restore", KEY_OW | KEY_UPDATE, 0},
    {"rpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"rpoplpush", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT},
    {"rpush", KEY_RW | KEY_INSERT, 0},
    {"rpushx", KEY_RW | KEY_INSERT, 0},
    {"sadd", KEY_RW | KEY_INSERT, 0},
    {"scard", KEY_RO, 0},
    {"sdiffstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
    {"set", KEY_RW | KEY_ACCESS | KEY_UPDATE | KEY_VARIABLE_FLAGS, 0},
    {"setbit", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"setex", KEY_OW | KEY_UPDATE, 0},
    {"setnx", KEY_OW | KEY_INSERT, 0},
    {"setrange", KEY_RW | KEY_UPDATE, 0},
    {"sinterstore", KEY_RW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
    {"sismember", KEY_RO, 0},
    {"smove", KEY_RW | KEY_ACCESS | KEY_DELETE, KEY_RW | KEY_INSERT},
    {"sort", KEY_RO | KEY_ACCESS, KEY_OW | KEY_UPDATE}, /* its STORE key: an unknown spec */
    {"spop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"srem", KEY_RW | KEY_DELETE, 0},
    {"strlen", KEY_RO, 0},
    {"sunionstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
    {"touch", KEY_RO, 0},
    {"type", KEY_RO, 0},
    {"unlink", KEY_RM | KEY_DELETE, 0},
    {"watch", KEY_RO, 0},
    {"xack", KEY_RW | KEY_UPDATE, 0},
    {"xadd", KEY_RW | KEY_UPDATE, 0},
    {"xautoclaim", KEY_RW | KEY_DELETE, 0},
    {"xclaim", KEY_RW | KEY_UPDATE, 0},
    {"xdel", KEY_RW | KEY_DELETE, 0},
    {"xgroup|create", KEY_RW | KEY_INSERT, 0},
    {"xgroup|createconsumer", KEY_RW | KEY_INSERT, 0},
    {"xgroup|delconsumer", KEY_RW | KEY_DELETE, 0},
    {"xgroup|destroy", KEY_RW | KEY_DELETE, 0},
    {"xgroup|setid", KEY_RW | KEY_UPDATE, 0},
    {"xlen", KEY_RO, 0},
    {"xreadgroup", KEY_RO | KEY_ACCESS, 0},
    {"xsetid", KEY_RW | KEY_UPDATE, 0},
    {"xtrim", KEY_RW | KEY_DELETE, 0},
    {"zadd", KEY_RW | KEY_UPDATE, 0},
    {"zcard", KEY_RO, 0},
    {"zdiffstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
    {"zincrby", KEY_RW | KEY_ACCESS | KEY_UPDATE, 0},
    {"zinterstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
    {"zmpop", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"zpopmax", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"zpopmin", KEY_RW | KEY_ACCESS | KEY_DELETE, 0},
    {"zrangestore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
    {"zrem", KEY_RW | KEY_DELETE, 0},
    {"zremrangebylex", KEY_RW | KEY_DELETE, 0},
    {"zremrangebyrank", KEY_RW | KEY_DELETE, 0},
    {"zremrangebyscore", KEY_RW | KEY_DELETE, 0},
    {"zunionstore", KEY_OW | KEY_UPDATE, KEY_RO | KEY_ACCESS},
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
