/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE   /* sched_yield */
#include "model/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

/* BM_POOL_SLEEP: polls before sleeping (a few microseconds). BM_POOL_SPIN: pauses before each poll turns into a
 * sched_yield (on a shared 2-core machine a waiting thread must not starve the one working). */
enum { SLEEP_SPINS = 20000, PAUSE_SPINS = 2000 };

struct bm_pool {
    int n;                      /* threads including the caller */
    int wait;                   /* BM_POOL_* */
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_uint gen;            /* job number: bumped to start one */
    atomic_int pending;         /* workers still running the current job */
    atomic_int quit;
    bm_pool_fn *fn;
    void *arg;
};

typedef struct worker_arg {
    bm_pool *p;
    int t;
} worker_arg;

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* One poll's wait; 0 once a BM_POOL_SLEEP waiter should sleep instead. */
static int spin(const bm_pool *p, unsigned *spins)
{
    ++*spins;
    if (p->wait == BM_POOL_SLEEP)
        return *spins < SLEEP_SPINS;
    if (*spins < PAUSE_SPINS)
        cpu_relax();
    else
        sched_yield();
    return 1;
}

static void *worker(void *v)
{
    worker_arg wa = *(worker_arg *)v;
    free(v);
    bm_pool *p = wa.p;
    unsigned seen = 0;
    for (;;) {
        unsigned g, spins = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
               !atomic_load_explicit(&p->quit, memory_order_relaxed) && spin(p, &spins))
            ;
        if (g == seen && !atomic_load_explicit(&p->quit, memory_order_relaxed)) {
            pthread_mutex_lock(&p->mu);
            while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
                   !atomic_load_explicit(&p->quit, memory_order_relaxed))
                pthread_cond_wait(&p->go, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load_explicit(&p->quit, memory_order_acquire))
            return NULL;
        seen = g;
        p->fn(p->arg, wa.t, p->n);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1 && p->wait == BM_POOL_SLEEP) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

void bm_pool_free(bm_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store_explicit(&p->quit, 1, memory_order_release);
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

bm_pool *bm_pool_new(int n, int wait)
{
    bm_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->tid = calloc((size_t)(n > 1 ? n : 1), sizeof(pthread_t));
    if (!p->tid) {
        free(p);
        return NULL;
    }
    p->wait = wait;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    p->n = 1;
    for (int t = 1; t < n; t++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (!wa || (*wa = (worker_arg){p, t}, pthread_create(&p->tid[t], NULL, worker, wa)) != 0) {
            free(wa);
            break;   /* fewer threads than asked: bm_pool_size says how many */
        }
        p->n = t + 1;
    }
    return p;
}

int bm_pool_size(const bm_pool *p) { return p ? p->n : 1; }

void bm_pool_run(bm_pool *p, bm_pool_fn *fn, void *arg)
{
    if (!p || p->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
    if (p->wait == BM_POOL_SLEEP) {
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    } else {
        atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    }
    fn(arg, 0, p->n);
    unsigned spins = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0 && spin(p, &spins))
        ;
    if (atomic_load_explicit(&p->pending, memory_order_acquire) > 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}
