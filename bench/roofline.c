// SPDX-License-Identifier: MIT
// Rooflines measured in the same run as the kernels: memory read bandwidth and instruction-throughput ceilings.
// Each is the best of several timed samples: a ceiling is what the machine can do, and on a shared machine
// interference only ever lowers a sample, so the best one is the closest estimate (STREAM reports the best too).
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "roofline.h"

const char *const bb_mem_names[BB_MEM_COUNT] = { "L1", "L2", "L3", "DRAM" };
volatile uint64_t bb_sink;

// Set by main: shorter samples for smoke runs.
int bb_quick;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define SAMPLES 15

static double best(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n - 1];
}

// ---- bandwidth ----
typedef struct {
    const uint8_t *buf;
    size_t bytes;
    uint64_t passes;
} bw_job;

static void bw_task(void *arg, int tid, int n)
{
    const bw_job *j = arg;
    size_t blocks = j->bytes / 512; // the read loops step 512 bytes at a time
    size_t b0 = blocks * (size_t)tid / (size_t)n, b1 = blocks * (size_t)(tid + 1) / (size_t)n;
    bb_sink += bb_read_loop_arch(j->buf + 512 * b0, 512 * (b1 - b0), j->passes);
}

double bb_read_bw(const void *buf, size_t bytes, bm_pool *pool)
{
    bytes &= ~(size_t)511;
    bw_job j = { buf, bytes, 1 };
    // Warm the level (and fault the pages in), then grow the passes until a sample takes ~15 ms (5 ms when
    // quick): a first pass alone also times the threads' start, and would make the samples far too short.
    bm_pool_run(pool, bw_task, &j);
    double target = bb_quick ? 0.005 : 0.015, t0, dt;
    for (;;) {
        t0 = now();
        bm_pool_run(pool, bw_task, &j);
        dt = now() - t0;
        if (dt >= target / 4)
            break;
        j.passes *= 4;
    }
    j.passes = (uint64_t)((double)j.passes * target / dt) + 1;
    double s[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
        t0 = now();
        bm_pool_run(pool, bw_task, &j);
        s[i] = (double)bytes * (double)j.passes / (now() - t0);
    }
    return best(s, SAMPLES);
}

// ---- instruction-throughput ceilings ----
static bb_ceil_loop *pick(bb_ceil c, unsigned flags, const char **name, bb_ceil_loop **alt)
{
    *name = "none";
    *alt = NULL;
    bb_ceil_loop *fn = c == BB_CEIL_NONE ? NULL : bb_ceil_pick_arch(c, flags, name, alt);
    if (!fn && c != BB_CEIL_NONE)
        fn = bb_ceil_pick_generic(c, name);
    return fn;
}

const char *bb_ceiling_name(bb_ceil c, unsigned flags)
{
    const char *name;
    bb_ceil_loop *alt;
    pick(c, flags, &name, &alt);
    return name;
}

static double time_loop(bb_ceil_loop *fn);
static double time_loop_threads(bb_ceil_loop *fn, bm_pool *pool);

double bb_ceiling_threads(bb_ceil c, unsigned flags, bm_pool *pool)
{
    const char *name;
    bb_ceil_loop *alt;
    bb_ceil_loop *fn = pick(c, flags, &name, &alt);
    if (!fn)
        return 0;
    double v = time_loop_threads(fn, pool);
    if (alt) {
        double va = time_loop_threads(alt, pool);
        v = va > v ? va : v;
    }
    return v;
}

double bb_ceiling(bb_ceil c, unsigned flags, const char **loop_name)
{
    const char *name;
    bb_ceil_loop *alt;
    bb_ceil_loop *fn = pick(c, flags, &name, &alt);
    if (loop_name)
        *loop_name = name;
    if (!fn)
        return 0;
    double v = time_loop(fn);
    if (alt) {
        double va = time_loop(alt);
        v = va > v ? va : v;
    }
    return v;
}

static double time_loop(bb_ceil_loop *fn)
{
    uint64_t iters = 1000;
    double t0 = now(), el = fn(iters), dt = now() - t0;
    double target = bb_quick ? 0.003 : 0.008;
    while (dt < target / 4) { // grow until the timing is well above the clock's resolution
        iters *= 4;
        t0 = now();
        el = fn(iters);
        dt = now() - t0;
    }
    iters = (uint64_t)((double)iters * target / dt) + 1;
    double s[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
        t0 = now();
        el = fn(iters);
        s[i] = el / (now() - t0);
    }
    return best(s, SAMPLES);
}

// The same loop on every thread of the pool at once: the aggregate rate. If two "cores" are hyperthreads of one
// physical core, or the host gives the VM less than it claims, this is where it shows: a kernel's multithread
// scaling cannot beat the scaling of its own inner loop.
typedef struct {
    bb_ceil_loop *fn;
    uint64_t iters;
    double el[64];
} ceil_job;

static void ceil_task(void *arg, int tid, int n)
{
    (void)n;
    ceil_job *j = arg;
    j->el[tid < 64 ? tid : 63] = j->fn(j->iters);
}

static double time_loop_threads(bb_ceil_loop *fn, bm_pool *pool)
{
    int T = bm_pool_size(pool);
    if (T > 64)
        return 0;
    ceil_job j = {.fn = fn, .iters = 1000};
    double t0 = now(), dt;
    bm_pool_run(pool, ceil_task, &j);
    dt = now() - t0;
    double target = bb_quick ? 0.003 : 0.008;
    while (dt < target / 4) {
        j.iters *= 4;
        t0 = now();
        bm_pool_run(pool, ceil_task, &j);
        dt = now() - t0;
    }
    j.iters = (uint64_t)((double)j.iters * target / dt) + 1;
    double s[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
        t0 = now();
        bm_pool_run(pool, ceil_task, &j);
        dt = now() - t0;
        double el = 0;
        for (int t = 0; t < T; t++)
            el += j.el[t];
        s[i] = el / dt;
    }
    return best(s, SAMPLES);
}
