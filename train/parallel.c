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

#include "nn.h"

typedef struct {
    tr_range_fn *fn;
    void *ctx;
    size_t lo, hi;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->fn(j->ctx, j->lo, j->hi);
    return NULL;
}

int tr_parallel_ignore_min;
unsigned long tr_parallel_splits;

/* Values of work per thread at least (a few tens of microseconds, about what starting a thread costs). */
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
    job jobs[TR_MAX_THREADS];
    pthread_t th[TR_MAX_THREADS];
    int started[TR_MAX_THREADS] = {0};
    for (int t = 0; t < T; t++)
        jobs[t] = (job){.fn = fn, .ctx = ctx, .lo = n * (size_t)t / (size_t)T, .hi = n * (size_t)(t + 1) / (size_t)T};
    for (int t = 1; t < T; t++)
        started[t] = pthread_create(&th[t], NULL, run_job, &jobs[t]) == 0;
    run_job(&jobs[0]);
    for (int t = 1; t < T; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            run_job(&jobs[t]);   /* no thread to be had: the same work here */
    }
}
