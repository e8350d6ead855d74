/* SPDX-License-Identifier: MIT */
/*
 * Splits the element-wise layers (activations, batch norm, max pooling) over the threads that the conv layers
 * already use. Measured with perf on cifar-cnn (1 thread): these layers take about a fifth of a training step,
 * and left on one thread while the convolutions run on two they would become a third of it.
 *
 * Items are split in contiguous ranges and each item is computed exactly as the serial loop computes it (no
 * reduction crosses a range), so the results do not depend on the thread count at all.
 */
#include <pthread.h>
#include <stdlib.h>

#include "model/pool.h"
#include "train/nn.h"

/* The trainer's threads: one persistent pool per process, grown to the largest count asked. A region that finds it
 * busy (another thread of the process training too) runs its parts on its own thread instead: each part computes
 * the same values wherever it runs, so only the time changes. */
static bm_pool *pool;
static int pool_n;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;

/* At exit the threads are joined and freed: a pool left running is memory a leak checker reports lost. */
static void free_pool(void)
{
    bm_pool_free(pool);
    pool = NULL;
    pool_n = 0;
}

typedef struct {
    bm_pool_fn *fn;
    void *arg;
    int T;
} spread;

/* Thread t of the pool's n runs parts t, t + n, ... below T: all of them even when the pool got fewer threads. */
static void spread_parts(void *v, int t, int n)
{
    const spread *s = v;
    for (int k = t; k < s->T; k += n)
        s->fn(s->arg, k, s->T);
}

void tr_run_parts(int T, bm_pool_fn *fn, void *arg)
{
    if (T <= 1 || pthread_mutex_trylock(&pool_mu) != 0) {
        for (int k = 0; k < (T < 1 ? 1 : T); k++)
            fn(arg, k, T < 1 ? 1 : T);
        return;
    }
    if (pool_n < T) {
        if (pool_n == 0)
            atexit(free_pool);
        bm_pool_free(pool);
        pool = bm_pool_new(T, BM_POOL_SLEEP);   /* NULL (out of memory): bm_pool_run runs all on this thread */
        pool_n = T;
    }
    spread s = {fn, arg, T};
    bm_pool_run(pool, spread_parts, &s);
    pthread_mutex_unlock(&pool_mu);
}

typedef struct {
    tr_range_fn *fn;
    void *ctx;
    size_t n;
} range_job;

static void run_range(void *v, int t, int T)
{
    const range_job *j = v;
    j->fn(j->ctx, j->n * (size_t)t / (size_t)T, j->n * (size_t)(t + 1) / (size_t)T);
}

int tr_parallel_ignore_min;
unsigned long tr_parallel_splits;

/* Values of work per thread at least (a few tens of microseconds). */
#define GRAIN 16384

void tr_parallel(int nthreads, size_t n, size_t item_values, tr_range_fn *fn, void *ctx)
{
    /* Below GRAIN values per thread a thread costs more than it saves. */
    size_t min_items = item_values >= GRAIN ? 1 : GRAIN / (item_values ? item_values : 1);
    if (tr_parallel_ignore_min)
        min_items = 1;
    size_t most = min_items ? n / min_items : n;
    int T = nthreads < 1 ? 1 : nthreads > TR_MAX_THREADS ? TR_MAX_THREADS : nthreads;
    if ((size_t)T > most)
        T = most > 1 ? (int)most : 1;
    if (T <= 1) {
        fn(ctx, 0, n);
        return;
    }
    __atomic_fetch_add(&tr_parallel_splits, 1, __ATOMIC_RELAXED);
    range_job j = {fn, ctx, n};
    tr_run_parts(T, run_range, &j);
}
