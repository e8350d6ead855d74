/* SPDX-License-Identifier: MIT */
/* Minimal assertion helpers for the trainer tests: count failures, keep going, exit non-zero at the end. */
#ifndef BITERN_TRAIN_TEST_UTIL_H
#define BITERN_TRAIN_TEST_UTIL_H

#include <stdio.h>

static int t_failures;
static int t_checks;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        t_checks++;                                                          \
        if (!(cond)) {                                                       \
            t_failures++;                                                    \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)

static inline int t_finish(const char *name)
{
    fprintf(stderr, "%s: %d checks, %d failures\n", name, t_checks, t_failures);
    return t_failures ? 1 : 0;
}

#endif
