/* SPDX-License-Identifier: MIT */
/*
 * The engine's persistent threads: created once per engine (and again when the thread count grows), they run
 * fork-join jobs fn(arg, t) for t = 1 .. n-1 while the caller runs t = 0. A batch-1 forward forks once per GEMM
 * op, so a job must cost microseconds, not a pthread_create: workers spin a little on the job counter before
 * they sleep on the condition variable (the glue between two GEMMs is shorter than a futex wake-up).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "engine_internal.h"

enum { SPIN = 20000 };   /* polls before sleeping: a few microseconds */

struct be_pool {
    int n;                      /* threads including the caller */
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_uint gen;            /* job number: bumped to start one */
    atomic_int pending;         /* workers still running the current job */
    int quit;
    be_pool_fn *fn;
    void *arg;
};

typedef struct worker_arg {
    be_pool *p;
    int t;
} worker_arg;

static void *worker(void *v)
{
    worker_arg wa = *(worker_arg *)v;
    free(v);
    be_pool *p = wa.p;
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen && ++spins < SPIN)
            ;
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen && !p->quit)
                pthread_cond_wait(&p->go, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (p->quit)
            return NULL;
        seen = g;
        if (wa.t < p->n)
            p->fn(p->arg, wa.t);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

void be_pool_free(be_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int t = 1; t < p->n; t++)
        pthread_join(p->tid[t], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    free(p->tid);
    free(p);
}

be_pool *be_pool_new(int n)
{
    be_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->tid = calloc((size_t)n, sizeof(pthread_t));
    if (!p->tid) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    p->n = 1;
    for (int t = 1; t < n; t++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (!wa || (*wa = (worker_arg){p, t}, pthread_create(&p->tid[t], NULL, worker, wa)) != 0) {
            free(wa);
            break;   /* fewer threads than asked: be_pool_size says how many */
        }
        p->n = t + 1;
    }
    return p;
}

int be_pool_size(const be_pool *p) { return p ? p->n : 1; }

void be_pool_run(be_pool *p, be_pool_fn *fn, void *arg)
{
    if (!p || p->n == 1) {
        fn(arg, 0);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    fn(arg, 0);
    int spins = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0 && ++spins < SPIN)
        ;
    if (atomic_load_explicit(&p->pending, memory_order_acquire) > 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}
