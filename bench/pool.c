// SPDX-License-Identifier: MIT
// A minimal fork-join pool. Workers spin (with a pause, then sched_yield) on a generation counter: a GEMV over
// cached weights takes tens of microseconds, so waking threads through a condition variable on every call would
// measure the scheduler, not the kernel. The pool lives only while one benchmark runs.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bench.h"

struct bb_pool {
    int n;
    pthread_t *tids;
    _Atomic unsigned long gen;  // bumped to start a task
    _Atomic int done;           // workers finished with the current task
    _Atomic int quit;
    bb_task *fn;
    void *arg;
};

typedef struct {
    bb_pool *p;
    int tid;
} worker_arg;

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

// Spin briefly, then yield: on a shared 2-core machine a waiting thread must not starve the one working.
static void backoff(unsigned *spins)
{
    if (++*spins < 2000)
        cpu_relax();
    else
        sched_yield();
}

static void *worker(void *a)
{
    worker_arg wa = *(worker_arg *)a;
    free(a);
    bb_pool *p = wa.p;
    unsigned long seen = 0;
    for (;;) {
        unsigned spins = 0;
        unsigned long g;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen) {
            if (atomic_load_explicit(&p->quit, memory_order_relaxed))
                return NULL;
            backoff(&spins);
        }
        seen = g;
        p->fn(p->arg, wa.tid, p->n);
        atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
    }
}

bb_pool *bb_pool_start(int nthreads)
{
    bb_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = nthreads < 1 ? 1 : nthreads;
    p->tids = calloc((size_t)p->n, sizeof *p->tids);
    if (!p->tids) {
        free(p);
        return NULL;
    }
    for (int t = 1; t < p->n; t++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (wa) {
            wa->p = p;
            wa->tid = t;
        }
        if (!wa || pthread_create(&p->tids[t], NULL, worker, wa)) {
            free(wa);
            p->n = t; // run with the threads we got; bb_pool_threads() reports it
            break;
        }
    }
    return p;
}

void bb_pool_run(bb_pool *p, bb_task *fn, void *arg)
{
    if (p->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    fn(arg, 0, p->n);
    unsigned spins = 0;
    while (atomic_load_explicit(&p->done, memory_order_acquire) != p->n - 1)
        backoff(&spins);
}

void bb_pool_stop(bb_pool *p)
{
    if (!p)
        return;
    atomic_store(&p->quit, 1);
    for (int t = 1; t < p->n; t++)
        pthread_join(p->tids[t], NULL);
    free(p->tids);
    free(p);
}

int bb_pool_threads(const bb_pool *p) { return p ? p->n : 1; }

void bb_split_rows(size_t m, int tid, int n, size_t *r0, size_t *r1)
{
    size_t blk = m >= 8 * (size_t)n ? 8 : 1;
    size_t blocks = (m + blk - 1) / blk;
    size_t b0 = blocks * (size_t)tid / (size_t)n, b1 = blocks * (size_t)(tid + 1) / (size_t)n;
    *r0 = b0 * blk < m ? b0 * blk : m;
    *r1 = b1 * blk < m ? b1 * blk : m;
}
