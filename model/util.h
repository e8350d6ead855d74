/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every layer above the kernels: error messages, checked sizes, allocation, a deterministic
 * RNG, clocks. */
#ifndef BITERN_MODEL_UTIL_H
#define BITERN_MODEL_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Every failing function of the model layer, the trainer and the engine returns -1 after recording a message here
 * (per thread; bte_error() is the same buffer). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int bm_fail(const char *fmt, ...);
int bm_vfail(const char *fmt, va_list ap);
const char *bm_error(void);

/* a * b without wrap-around: 0 and *out set, or -1 if it overflows size_t. */
static inline int bm_mul(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

/* The command the messages below name ("train" unless set: bitern's main sets the subcommand's name). */
void bm_set_command(const char *name);
/* Allocation failure inside training is not recoverable: these print a message and exit(1). */
void *bm_alloc(size_t n, size_t size);   /* zeroed */
void *bm_realloc(void *p, size_t n, size_t size);

/* xoshiro256** seeded with splitmix64: fast, and the same stream on every machine. */
typedef struct bm_rng { uint64_t s[4]; } bm_rng;
void bm_rng_seed(bm_rng *r, uint64_t seed);
uint64_t bm_rng_next(bm_rng *r);
uint32_t bm_rng_below(bm_rng *r, uint32_t n);  /* uniform in [0, n) */
float bm_rng_uniform(bm_rng *r);             /* [0, 1) */
float bm_rng_normal(bm_rng *r);

double bm_now(void);   /* monotonic seconds */
double bm_cpu_now(void);   /* CPU seconds of the process (all threads) */
long bm_rss_kb(void);      /* resident set size (VmRSS) in kB, -1 where /proc is missing */

#endif
