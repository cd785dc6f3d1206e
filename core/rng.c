/*
 * rng.c - fair draws from a caller's random source; see rng.h.
 *
 * rng_below rejects the lowest 2^64 mod n values of the source: what is
 * left is a whole number of copies of [0, n), so `r % n` favours none.
 * Fewer than half the draws are ever rejected (none for a power of two).
 */
#include "rng.h"

#include <assert.h>

uint64_t rng_below(rng_fn rand64, void *ud, uint64_t n)
{
    assert(n > 0);
    uint64_t reject_below = -n % n, r;
    do
        r = rand64(ud);
    while (r < reject_below);
    return r % n;
}
