/* SPDX-License-Identifier: MIT */
/*
 * What `bitern eval` and `bitern compare` measure of an engine on a set of images: accuracy, batch-1 latency
 * (median, p99) on one thread, batch-64 throughput for 1..T threads, and each op's share of the time.
 */
#ifndef BITERN_ENGINE_MEASURE_H
#define BITERN_ENGINE_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

#define BTE_BATCH 64

typedef struct bte_results {
    size_t n;                   /* images classified */
    double acc;
    double lat_med, lat_p99;    /* seconds per image at batch 1, one thread */
    size_t lat_n;
    int n_thr;
    double *ips;                /* images per second at batch BTE_BATCH, for 1..n_thr threads */
    double *lat_thr;            /* median seconds per image at batch 1 for 1..n_thr threads (ops shared) */
    double *share1, *share64;   /* per-op share of the time at batch 1 and at batch BTE_BATCH (1 thread) */
    /* Per op at batch 1, seconds per image: the whole op (its share of the median latency), the part of it in
     * its GEMM call (same runs, same scaling), and the GEMM called alone on that shape, median of 201 calls
     * (bte_op_kernel_bench; 0 for ops without one). */
    double *op1, *kern1, *bare1;
    double bare_sum;            /* sum of bare1: the network at kernel speed */
    int deterministic;          /* same predictions at every thread count */
    int *pred;                  /* n predicted classes (1 thread) */
} bte_results;

/* n images (floats, as bte_dataset_floats makes them) with their labels; throughput for 1..threads threads,
 * latency over the first min(lat_n, n) images after a short warm-up. Returns 0, or -1 with bte_error() set. */
int bte_measure(bte_engine *e, const float *x, const uint8_t *labels, size_t n, int threads, size_t lat_n,
                bte_results *r);
void bte_results_free(bte_results *r);


#endif
