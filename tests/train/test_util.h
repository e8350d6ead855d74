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

/* dir/name in one of 8 rotating buffers (so a few can be live at once). */
static inline char *t_path(const char *dir, const char *name)
{
    static char buf[8][256];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

/* 1 when both files exist with the same bytes. */
static inline int t_same_file(const char *a, const char *b)
{
    FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
    int same = f && g;
    while (same) {
        int x = fgetc(f), y = fgetc(g);
        same = x == y;
        if (x == EOF || y == EOF)
            break;
    }
    if (f)
        fclose(f);
    if (g)
        fclose(g);
    return same;
}

static inline int t_finish(const char *name)
{
    fprintf(stderr, "%s: %d checks, %d failures\n", name, t_checks, t_failures);
    return t_failures ? 1 : 0;
}

#endif
