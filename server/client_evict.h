/*
 * client_evict.h - client eviction, Redis 7.0's maxmemory-clients: when
 * the memory that normal and pub/sub clients use (client_memory, CLIENT
 * LIST's tot-mem) reaches the limit, the clients using the most are
 * disconnected until the total is under it again. CLIENT NO-EVICT exempts
 * a client (it still counts towards the total, as in Redis); replicas
 * neither count nor are evicted.
 *
 * Glossary
 *   limit    maxmemory-clients in bytes, or that percentage of maxmemory;
 *            never under 128 KB, so a bad setting cannot cut every client
 *            off (Redis's getClientEvictionLimit). 0: off.
 *   counted  what a client adds to its loop's total (client.h's
 *            evict_counted): its memory, 0 for a replica or a killed one.
 *   total    the sum of every loop's total: one relaxed load per loop.
 *
 * Threads: client_evict_account on the client's own thread or, for a
 * client being killed, under the registry lock; the checks from any
 * thread. A client on another loop is never touched: eviction marks it
 * killed under the registry lock and posts its loop a message
 * (client_kill), as CLIENT KILL does.
 *
 * Errors: nothing here fails.
 */
#ifndef GROVE_CLIENT_EVICT_H
#define GROVE_CLIENT_EVICT_H

#include <stddef.h>

struct client;

/* The client's memory is now `mem`: its loop's total follows. A replica, a
 * client without a loop and one about to close (killed, over its output
 * buffer limit) count 0. Owner thread. */
void client_evict_account(struct client *c, size_t mem);
/* Take the client's share out of its loop's total for good (it is being
 * killed or closed). Any thread, registry lock held. */
void client_evict_forget(struct client *c);
/* The limit in bytes now, 0 when client eviction is off. */
size_t client_evict_limit(void);
/* The clients' memory now: every loop's total. */
size_t client_evict_total(void);
/* After a client's memory may have grown (its replies written, a read, a
 * CONFIG SET): if the total has reached the limit, evict. Call it between
 * commands, never inside one: the client it runs for may be the one
 * evicted. Cheap when the limit is off (one load). */
void client_evict_check(void);
/* The cron: the same check, even when the last one found nothing it may
 * evict (client_evict_check skips those until the total grows). */
void client_evict_cron(void);
/* INFO's evicted_clients. */
long long client_evict_count(void);
void client_evict_reset_count(void);

#endif
