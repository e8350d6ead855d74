/* SPDX-License-Identifier: MIT */
#include "engine/measure.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine_internal.h"
#include "model/util.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs the n images in calls of BTE_BATCH; fills pred if not NULL; returns seconds or -1. */
static double run_batches(bte_engine *e, const float *x, size_t n, size_t in_size, int nc, float *logits, int *pred)
{
    double t0 = bm_now();
    for (size_t s = 0; s < n; s += BTE_BATCH) {
        int nb = (int)(n - s < BTE_BATCH ? n - s : BTE_BATCH);
        if (bte_forward(e, x + s * in_size, nb, logits) < 0)
            return -1.0;
        for (int j = 0; pred && j < nb; j++)
            pred[s + (size_t)j] = bte_argmax(logits + (size_t)j * nc, nc);
    }
    return bm_now() - t0;
}

/* Each op's fraction of the time profiled since the last bte_profile_reset. */
static void shares(const bte_engine *e, double *out)
{
    double tot = 0.0;
    for (int i = 0; i < bte_n_ops(e); i++) {
        bte_op_info inf;
        bte_op_get(e, i, &inf);
        out[i] = inf.seconds;
        tot += inf.seconds;
    }
    for (int i = 0; i < bte_n_ops(e); i++)
        out[i] = tot > 0 ? out[i] / tot : 0.0;
}

void bte_results_free(bte_results *r)
{
    free(r->ips);
    free(r->lat_thr);
    free(r->share1);
    free(r->share64);
    free(r->op1);
    free(r->kern1);
    free(r->bare1);
    free(r->pred);
    memset(r, 0, sizeof *r);
}

int bte_measure(bte_engine *e, const float *x, const uint8_t *labels, size_t n, int threads, size_t lat_n,
                bte_results *r)
{
    int ic, ih, iw, nc;
    bte_shape(e, &ic, &ih, &iw, &nc);
    size_t in_size = (size_t)ic * ih * iw;
    memset(r, 0, sizeof *r);
    if (n == 0 || threads < 1)
        return be_fail("nothing to measure (%zu images, %d threads)", n, threads);
    int rc = -1;
    float *logits = malloc((size_t)BTE_BATCH * nc * sizeof(float));
    int *pred_t = malloc(n * sizeof(int));
    double *lat = malloc((lat_n ? lat_n : 1) * sizeof(double));
    r->pred = malloc(n * sizeof(int));
    r->ips = calloc((size_t)threads, sizeof(double));
    r->lat_thr = calloc((size_t)threads, sizeof(double));
    r->share1 = calloc((size_t)bte_n_ops(e), sizeof(double));
    r->share64 = calloc((size_t)bte_n_ops(e), sizeof(double));
    r->op1 = calloc((size_t)bte_n_ops(e), sizeof(double));
    r->kern1 = calloc((size_t)bte_n_ops(e), sizeof(double));
    r->bare1 = calloc((size_t)bte_n_ops(e), sizeof(double));
    if (!logits || !pred_t || !lat || !r->pred || !r->ips || !r->lat_thr || !r->share1 || !r->share64 || !r->op1 || !r->kern1 ||
        !r->bare1) {
        be_fail("out of memory measuring %zu images", n);
        goto out;
    }
    r->n = n;
    r->n_thr = threads;
    r->deterministic = 1;
    /* Throughput at batch 64 for each thread count; the 1-thread pass gives the accuracy. */
    for (int t = 1; t <= threads; t++) {
        bte_set_threads(e, t);
        bte_profile_reset(e);
        double sec = run_batches(e, x, n, in_size, nc, logits, t == 1 ? r->pred : pred_t);
        if (sec < 0)
            goto out;
        r->ips[t - 1] = sec > 0 ? (double)n / sec : 0.0;
        if (t > 1 && memcmp(r->pred, pred_t, n * sizeof(int)))
            r->deterministic = 0;
        if (t == 1)
            shares(e, r->share64);
    }
    size_t correct = 0;
    for (size_t i = 0; i < n; i++)
        correct += r->pred[i] == labels[i];
    r->acc = (double)correct / (double)n;

    /* Latency at batch 1 on one thread; the per-op profile comes from these runs only. */
    bte_set_threads(e, 1);
    size_t L = lat_n < n ? lat_n : n;
    for (size_t i = 0; i < L && i < 16; i++)   /* warm-up: caches, page faults of the scratch */
        if (bte_forward(e, x + i * in_size, 1, logits) < 0)
            goto out;
    bte_profile_reset(e);
    for (size_t i = 0; i < L; i++) {
        double t0 = bm_now();
        if (bte_forward(e, x + i * in_size, 1, logits) < 0)
            goto out;
        lat[i] = bm_now() - t0;
    }
    shares(e, r->share1);
    double lat_med = 0.0;
    if (L) {
        qsort(lat, L, sizeof(double), cmp_double);
        lat_med = L % 2 ? lat[L / 2] : 0.5 * (lat[L / 2 - 1] + lat[L / 2]);
        r->lat_med = lat_med;
        r->lat_p99 = lat[(size_t)(0.99 * (double)(L - 1) + 0.5)];
    }
    for (int i = 0; L && i < bte_n_ops(e); i++) {
        bte_op_info inf;
        bte_op_get(e, i, &inf);
        /* the median latency split by the ops' shares: means of single runs would carry every preemption */
        r->op1[i] = r->share1[i] * lat_med;
        r->kern1[i] = inf.seconds > 0 ? r->op1[i] * inf.kernel_seconds / inf.seconds : 0.0;
        r->bare1[i] = bte_op_kernel_bench(e, i, 201);
        r->bare_sum += r->bare1[i];
    }
    r->lat_n = L;
    r->lat_thr[0] = lat_med;
    /* Batch 1 on more threads (they share each op), after the 1-thread profile so that it stays single */
    for (int t = 2; t <= threads && L; t++) {
        bte_set_threads(e, t);
        for (size_t i = 0; i < L && i < 16; i++)
            if (bte_forward(e, x + i * in_size, 1, logits) < 0)
                goto out;
        for (size_t i = 0; i < L; i++) {
            double t0 = bm_now();
            if (bte_forward(e, x + i * in_size, 1, logits) < 0)
                goto out;
            lat[i] = bm_now() - t0;
        }
        qsort(lat, L, sizeof(double), cmp_double);
        r->lat_thr[t - 1] = L % 2 ? lat[L / 2] : 0.5 * (lat[L / 2 - 1] + lat[L / 2]);
    }
    bte_set_threads(e, 1);
    rc = 0;
out:
    free(logits);
    free(pred_t);
    free(lat);
    if (rc < 0)
        bte_results_free(r);
    return rc;
}
