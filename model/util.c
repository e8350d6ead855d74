/* SPDX-License-Identifier: MIT */
#include "model/util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Thread_local char bm_errbuf[512];

int bm_vfail(const char *fmt, va_list ap)
{
    /* through a copy: a message may quote the previous one (bm_fail("%s: %s", name, bm_error())) */
    char msg[sizeof bm_errbuf];
    vsnprintf(msg, sizeof msg, fmt, ap);
    memcpy(bm_errbuf, msg, sizeof msg);
    return -1;
}

int bm_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bm_vfail(fmt, ap);
    va_end(ap);
    return -1;
}

const char *bm_error(void) { return bm_errbuf; }

static const char *command = "train";

void bm_set_command(const char *name) { command = name; }

void *bm_alloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "bitern %s: out of memory allocating %zu x %zu bytes\n", command, n, size);
        exit(1);
    }
    return p;
}

void *bm_realloc(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (bm_mul(n, size, &bytes)) {
        fprintf(stderr, "bitern %s: allocation size overflows (%zu x %zu)\n", command, n, size);
        exit(1);
    }
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q) {
        fprintf(stderr, "bitern %s: out of memory allocating %zu bytes\n", command, bytes);
        exit(1);
    }
    return q;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void bm_rng_seed(bm_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t bm_rng_next(bm_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Lemire's multiply-shift: no modulo bias worth caring about for n < 2^32 at this use. */
uint32_t bm_rng_below(bm_rng *r, uint32_t n)
{
    return (uint32_t)(((bm_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

float bm_rng_uniform(bm_rng *r) { return (float)(bm_rng_next(r) >> 40) * (1.0f / 16777216.0f); }

float bm_rng_normal(bm_rng *r)
{
    /* Box-Muller; u1 in (0, 1] so that log never sees 0. */
    double u1 = ((double)(bm_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    double u2 = (double)(bm_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

double bm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double bm_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

long bm_rss_kb(void)
{
    /* /proc/self/status rather than getrusage: ru_maxrss is the peak, and growth shows only in the current. */
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}
