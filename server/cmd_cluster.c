/*
 * cmd_cluster.c - the cluster commands of a server without cluster
 * support: CLUSTER and its subcommands, READONLY, READWRITE and ASKING
 * answer as Redis 7.0 does with cluster-enabled no ("This instance has
 * cluster support disabled"), so that clients probing for a cluster
 * (CLUSTER INFO, CLUSTER SLOTS) learn there is none, and COMMAND lists
 * and describes them as Redis does. Grove has no cluster mode; twemproxy
 * spreads keys over several servers instead (README).
 */
#include "command.h"

#define ARGS(...) ((const struct command_arg[]){__VA_ARGS__, {0}})
/* Every one answers the same; the rest (arity, flags, docs) is Redis's. */
#define CLUSTER_CMD(n, ar, fl, sum, si, cx, ...)                                                 \
    {.name = n, .arity = ar, .flags = fl, .proc = cluster_disabled_command, .group = "cluster", \
     .summary = sum, .since = si, .complexity = cx, __VA_ARGS__}

/* Arguments several subcommands share. */
#define SLOTS_ARGS ARGS({"slot", "integer", NULL, COMMAND_ARG_MULTIPLE, NULL})
#define SLOT_RANGES_ARGS                                                                       \
    ARGS({"start-slot_end-slot", "block", NULL, COMMAND_ARG_MULTIPLE,                         \
          ARGS({"start-slot", "integer", NULL, 0, NULL}, {"end-slot", "integer", NULL, 0, NULL})})
#define NODE_ID_ARGS ARGS({"node-id", "string", NULL, 0, NULL})

static void cluster_disabled_command(struct cmd_ctx *ctx)
{
    resp_add_error(ctx->out, "ERR This instance has cluster support disabled");
}

static struct command cluster_subcommands[] = {
    CLUSTER_CMD("addslots", -3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Assign new hash slots to receiving node", "3.0.0",
        "O(N) where N is the total number of hash slot arguments",
        .args = SLOTS_ARGS),
    CLUSTER_CMD("addslotsrange", -4, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Assign new hash slots to receiving node", "7.0.0",
        "O(N) where N is the total number of the slots between the start slot and end slot "
        "arguments.",
        .args = SLOT_RANGES_ARGS),
    CLUSTER_CMD("bumpepoch", 2, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Advance the cluster config epoch", "3.0.0", "O(1)"),
    CLUSTER_CMD("count-failure-reports", 3, CMD_ADMIN | CMD_STALE,
        "Return the number of failure reports active for a given node", "3.0.0",
        "O(N) where N is the number of failure reports",
        .args = NODE_ID_ARGS),
    CLUSTER_CMD("countkeysinslot", 3, CMD_STALE,
        "Return the number of local keys in the specified hash slot", "3.0.0", "O(1)",
        .args = ARGS({"slot", "integer", NULL, 0, NULL})),
    CLUSTER_CMD("delslots", -3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Set hash slots as unbound in receiving node", "3.0.0",
        "O(N) where N is the total number of hash slot arguments",
        .args = SLOTS_ARGS),
    CLUSTER_CMD("delslotsrange", -4, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Set hash slots as unbound in receiving node", "7.0.0",
        "O(N) where N is the total number of the slots between the start slot and end slot "
        "arguments.",
        .args = SLOT_RANGES_ARGS),
    CLUSTER_CMD("failover", -2, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Forces a replica to perform a manual failover of its master.", "3.0.0", "O(1)",
        .args = ARGS({"options", "oneof", NULL, COMMAND_ARG_OPTIONAL,
            ARGS({"force", "pure-token", "FORCE", 0, NULL},
                {"takeover", "pure-token", "TAKEOVER", 0, NULL})})),
    CLUSTER_CMD("flushslots", 2, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Delete a node's own slots information", "3.0.0", "O(1)"),
    CLUSTER_CMD("forget", 3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Remove a node from the nodes table", "3.0.0", "O(1)",
        .args = NODE_ID_ARGS),
    CLUSTER_CMD("getkeysinslot", 4, CMD_STALE, "Return local key names in the specified hash slot",
        "3.0.0", "O(log(N)) where N is the number of requested keys",
        .args = ARGS({"slot", "integer", NULL, 0, NULL}, {"count", "integer", NULL, 0, NULL})),
    CLUSTER_CMD("help", 2, CMD_LOADING | CMD_STALE,
        "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
    CLUSTER_CMD("info", 2, CMD_STALE, "Provides info about Redis Cluster node state", "3.0.0",
        "O(1)"),
    CLUSTER_CMD("keyslot", 3, CMD_STALE, "Returns the hash slot of the specified key", "3.0.0",
        "O(N) where N is the number of bytes in the key",
        .args = ARGS({"key", "string", NULL, 0, NULL})),
    CLUSTER_CMD("links", 2, CMD_STALE,
        "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0",
        "O(N) where N is the total number of Cluster nodes"),
    CLUSTER_CMD("meet", -4, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Force a node cluster to handshake with another node", "3.0.0", "O(1)",
        .args = ARGS({"ip", "string", NULL, 0, NULL}, {"port", "integer", NULL, 0, NULL},
            {"cluster_bus_port", "integer", NULL, COMMAND_ARG_OPTIONAL, NULL})),
    CLUSTER_CMD("myid", 2, CMD_STALE, "Return the node id", "3.0.0", "O(1)"),
    CLUSTER_CMD("nodes", 2, CMD_STALE, "Get Cluster config for the node", "3.0.0",
        "O(N) where N is the total number of Cluster nodes"),
    CLUSTER_CMD("replicas", 3, CMD_ADMIN | CMD_STALE,
        "List replica nodes of the specified master node", "5.0.0", "O(1)",
        .args = NODE_ID_ARGS),
    CLUSTER_CMD("replicate", 3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Reconfigure a node as a replica of the specified master node", "3.0.0", "O(1)",
        .args = NODE_ID_ARGS),
    CLUSTER_CMD("reset", -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_STALE, "Reset a Redis Cluster node",
        "3.0.0",
        "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side "
        "effect.",
        .args = ARGS({"hard_soft", "oneof", NULL, COMMAND_ARG_OPTIONAL,
            ARGS({"hard", "pure-token", "HARD", 0, NULL},
                {"soft", "pure-token", "SOFT", 0, NULL})})),
    CLUSTER_CMD("saveconfig", 2, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Forces the node to save cluster state on disk", "3.0.0", "O(1)"),
    CLUSTER_CMD("set-config-epoch", 3, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Set the configuration epoch in a new node", "3.0.0", "O(1)",
        .args = ARGS({"config-epoch", "integer", NULL, 0, NULL})),
    CLUSTER_CMD("setslot", -4, CMD_ADMIN | CMD_STALE | CMD_NO_ASYNC_LOADING,
        "Bind a hash slot to a specific node", "3.0.0", "O(1)",
        .args = ARGS({"slot", "integer", NULL, 0, NULL},
            {"subcommand", "oneof", NULL, 0,
                ARGS({"node-id", "string", "IMPORTING", 0, NULL},
                    {"node-id", "string", "MIGRATING", 0, NULL},
                    {"node-id", "string", "NODE", 0, NULL},
                    {"stable", "pure-token", "STABLE", 0, NULL})})),
    CLUSTER_CMD("shards", 2, CMD_STALE, "Get array of cluster slots to node mappings", "7.0.0",
        "O(N) where N is the total number of cluster nodes"),
    CLUSTER_CMD("slaves", 3, CMD_ADMIN | CMD_STALE,
        "List replica nodes of the specified master node", "3.0.0", "O(1)",
        .args = NODE_ID_ARGS),
    CLUSTER_CMD("slots", 2, CMD_STALE, "Get array of Cluster slot to node mappings", "3.0.0",
        "O(N) where N is the total number of Cluster nodes"),
    {0},
};

struct command cluster_commands[] = {
    CLUSTER_CMD("cluster", -2, 0, "A container for cluster commands", "3.0.0",
        "Depends on subcommand.", .subcommands = cluster_subcommands),
    CLUSTER_CMD("readonly", 1, CMD_LOADING | CMD_STALE | CMD_FAST,
        "Enables read queries for a connection to a cluster replica node", "3.0.0", "O(1)",
        .acl = ACL_CONNECTION),
    CLUSTER_CMD("readwrite", 1, CMD_LOADING | CMD_STALE | CMD_FAST,
        "Disables read queries for a connection to a cluster replica node", "3.0.0", "O(1)",
        .acl = ACL_CONNECTION),
    CLUSTER_CMD("asking", 1, CMD_FAST, "Sent by cluster clients after an -ASK redirect", "3.0.0",
        "O(1)", .acl = ACL_CONNECTION),
    {0},
};
