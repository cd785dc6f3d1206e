/*
 * rng.h - fair draws from a caller's random source.
 *
 * core/ keeps no random state of its own (see hashmap.h): whoever asks for
 * a random pick passes a source, `rand64(ud)`, that returns 64 uniformly
 * random bits. This module turns those bits into the numbers the picks
 * need without favouring any: `rand64() % n` would (2^64 is rarely a
 * multiple of n).
 *
 * Thread safety: none needed; it keeps no state.
 */
#ifndef GROVE_RNG_H
#define GROVE_RNG_H

#include <stdint.h>

typedef uint64_t (*rng_fn)(void *ud);

/* A number in [0, n), every one equally likely (n > 0). */
uint64_t rng_below(rng_fn rand64, void *ud, uint64_t n);

#endif
