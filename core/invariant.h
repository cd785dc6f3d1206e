/*
 * invariant.h - INVARIANT(cond), the check behind core's
 * x__check_invariants() functions.
 *
 * Tests call those functions precisely to find breakage, in any build
 * type, so unlike assert the check never compiles away under NDEBUG. A
 * broken invariant prints where and what, then aborts. Hot paths keep
 * using assert.
 */
#ifndef GROVE_INVARIANT_H
#define GROVE_INVARIANT_H

#include <stdio.h>
#include <stdlib.h>

#define INVARIANT(cond)                                                      \
    do {                                                                     \
        if (!(cond))                                                         \
            invariant__broken(__FILE__, __LINE__, #cond);                    \
    } while (0)

_Noreturn static inline void invariant__broken(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

#endif
