/*
 * fault.c - failure points armed by GROVE_FAULTS; see fault.h. Built only
 * with GROVE_FAULT_INJECTION.
 */
#include "fault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const char *const point_names[FAULT_POINTS] = {
    [FAULT_CONN_ALLOC] = "conn-alloc",
    [FAULT_BGSAVE_STALL] = "bgsave-stall",
    [FAULT_AOF_WRITE] = "aof-write",
    [FAULT_WAKEUP_SKIP] = "wakeup-skip",
};

static pthread_once_t armed_once = PTHREAD_ONCE_INIT;
static unsigned long every[FAULT_POINTS]; /* 0: not armed */
static atomic_ulong passes[FAULT_POINTS];

/* "name=N[,name=N...]" */
static void arm_from_env(void)
{
    const char *spec = getenv("GROVE_FAULTS");
    for (int p = 0; spec != NULL && p < FAULT_POINTS; p++) {
        const char *at = strstr(spec, point_names[p]);
        size_t len = strlen(point_names[p]);
        if (at != NULL && at[len] == '=')
            every[p] = strtoul(at + len + 1, NULL, 10);
    }
}

bool fault_hit(enum fault_point p)
{
    pthread_once(&armed_once, arm_from_env);
    return every[p] != 0 && (atomic_fetch_add(&passes[p], 1) + 1) % every[p] == 0;
}
