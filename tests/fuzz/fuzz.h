/*
 * fuzz.h - what every fuzz target and replay.c share: libFuzzer's entry
 * point, and FUZZ_CHECK, an assertion that stays on in every build type
 * and aborts, which libFuzzer and the replay tests both report as a crash.
 */
#ifndef GROVE_FUZZ_H
#define GROVE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs one input; returns 0 (libFuzzer reserves other values). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
            abort();                                                                  \
        }                                                                             \
    } while (0)

#endif
