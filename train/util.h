/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the trainer: error messages, checked sizes, allocation, a deterministic RNG. */
#ifndef BITERN_TRAIN_UTIL_H
#define BITERN_TRAIN_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Every failing function of the trainer returns -1 after recording a message here (per thread). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int tr_fail(const char *fmt, ...);
/* Option values of the bitern commands: on error prints "bitern CMD: OPT: 'V' is not an integer (a number) in
 * [lo, hi]" and returns -1. */
int tr_parse_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out);
int tr_parse_float(const char *cmd, const char *opt, const char *v, double lo, double hi, float *out);
const char *tr_error(void);

/* a * b without wrap-around: 0 and *out set, or -1 if it overflows size_t. */
static inline int tr_mul(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

/* The command the messages below name ("train" unless set: bitern's main sets the subcommand's name). */
void tr_set_command(const char *name);
/* Allocation failure inside training is not recoverable: these print a message and exit(1). */
void *tr_alloc(size_t n, size_t size);   /* zeroed */
void *tr_realloc(void *p, size_t n, size_t size);

/* xoshiro256** seeded with splitmix64: fast, and the same stream on every machine. */
typedef struct tr_rng { uint64_t s[4]; } tr_rng;
void tr_rng_seed(tr_rng *r, uint64_t seed);
uint64_t tr_rng_next(tr_rng *r);
uint32_t tr_rng_below(tr_rng *r, uint32_t n);  /* uniform in [0, n) */
float tr_rng_uniform(tr_rng *r);             /* [0, 1) */
float tr_rng_normal(tr_rng *r);

double tr_now(void);   /* monotonic seconds */
double tr_cpu_now(void);   /* CPU seconds of the process (all threads) */
long tr_rss_kb(void);      /* resident set size (VmRSS) in kB, -1 where /proc is missing */

#endif
