/*
 * rng.c - fair draws from a caller's random source (see rng.h).
 *
 * rng_below is Lemire's multiply-shift ("Fast Random Integer Generation in
 * an Interval", 2019): the high word of r * n is in [0, n), and it is fair
 * once the draws whose low word falls below 2^64 mod n are rejected. The
 * division that computes that remainder only runs when the low word is
 * below n, which for the small n of random picks is almost never: a pick
 * costs one multiplication, where `-n % n` and `r % n` cost two divisions
 * (about 80 cycles, most of a hashmap_random try).
 */
#include "rng.h"

#include <assert.h>

__extension__ typedef unsigned __int128 u128;

uint64_t rng_below(rng_fn rand64, void *ud, uint64_t n)
{
    assert(n > 0);
    u128 m = (u128)rand64(ud) * n;
    if ((uint64_t)m < n) {
        uint64_t reject_below = -n % n;
        while ((uint64_t)m < reject_below)
            m = (u128)rand64(ud) * n;
    }
    return (uint64_t)(m >> 64);
}
