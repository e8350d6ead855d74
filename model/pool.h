/* SPDX-License-Identifier: MIT */
/*
 * The one thread pool: persistent threads running fork-join jobs fn(arg, t, n) for t = 1 .. n-1 while the caller
 * runs t = 0. The engine owns one per engine (separate engines stay independent), the trainer one per process
 * (train/parallel.c), bitern-bench one per benchmark. A job's split is its caller's: the pool only runs it, so a
 * deterministic split stays deterministic.
 *
 * How an idle thread waits is the one thing the users differ in:
 *   BM_POOL_SLEEP  spins a few microseconds on the job counter, then sleeps on a condition variable: the engine
 *                  forks once per GEMM op, microseconds apart, and must not burn a core between calls;
 *   BM_POOL_SPIN   spins with pause, then sched_yield, never sleeping: bitern-bench times kernels of tens of
 *                  microseconds, and a futex wake-up would be measured instead of the kernel.
 */
#ifndef BITERN_MODEL_POOL_H
#define BITERN_MODEL_POOL_H

typedef struct bm_pool bm_pool;
typedef void bm_pool_fn(void *arg, int t, int n);

enum { BM_POOL_SLEEP = 0, BM_POOL_SPIN = 1 };

/* n threads including the caller (as many as can be created: bm_pool_size says how many), or NULL out of memory. */
bm_pool *bm_pool_new(int n, int wait);
void bm_pool_free(bm_pool *p);
int bm_pool_size(const bm_pool *p);   /* 1 for NULL */
/* fn(arg, t, n) for every t < n = bm_pool_size(p), t = 0 on the caller; returns when all are done. One job at a time
 * per pool; a NULL pool runs fn(arg, 0, 1). */
void bm_pool_run(bm_pool *p, bm_pool_fn *fn, void *arg);

#endif
