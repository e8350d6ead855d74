/* SPDX-License-Identifier: MIT */
/*
 * be_fgemm (the engine's deterministic float GEMM) against OpenBLAS cblas_sgemm, the engine's float path before
 * it, on the shapes of the float layers of the models bitern trains: median time of each over interleaved
 * rounds, one thread, at bitern's native ISA level. `bench_engine_fgemm [rounds]`.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bitern.h>

#include "engine/engine_internal.h"
#include "engine/measure.h"
#include "model/util.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct shape {
    const char *what;
    size_t M, N, K;   /* C (M x N) = A (M x K) B (K x N) */
} shape;

/* conv: M = out_c, N = pixels, K = in_c k k; dense: M = batch, N = outputs, K = inputs */
static const shape shapes[] = {
    {"lenet conv1 5x5:20 (28x28)", 20, 576, 25},
    {"lenet conv2 5x5:50 (12x12)", 50, 64, 500},
    {"lenet fc:500 batch 1", 1, 500, 800},
    {"lenet fc:10 batch 1", 1, 10, 500},
    {"lenet fc:500 batch 64", 64, 500, 800},
    {"cifar conv1 3x3:32 (32x32)", 32, 1024, 27},
    {"cifar conv 3x3:64 (16x16)", 64, 256, 288},
    {"cifar fc:10 batch 1", 1, 10, 2048},
    {"mlp fc:256 batch 64", 64, 256, 784},
};

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 41;
    if (rounds < 1 || bitern_init() != BITERN_OK) {
        fprintf(stderr, "usage: bench_engine_fgemm [rounds >= 1]\n");
        return 2;
    }
    openblas_set_num_threads(1);
    be_fgemm_fn *fg = be_fgemm_pick();
    printf("isa %s, openblas %s, %d rounds, median us\n", bitern_isa_name(), openblas_get_corename(), rounds);
    printf("%-30s %10s %10s %8s\n", "shape (M x N x K)", "be_fgemm", "sgemm", "ratio");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const shape *sh = &shapes[s];
        size_t ldb = be_fgemm_pad(sh->N);
        float *A = calloc(sh->M * sh->K, sizeof(float)), *B = calloc(sh->K * ldb, sizeof(float));
        float *C = calloc(sh->M * sh->N, sizeof(float));
        double *tf = calloc((size_t)rounds, sizeof(double)), *tb = calloc((size_t)rounds, sizeof(double));
        for (size_t i = 0; i < sh->M * sh->K; i++)
            A[i] = (float)(i % 13) * 0.1f - 0.6f;
        for (size_t i = 0; i < sh->K * ldb; i++)
            B[i] = (float)(i % 7) * 0.2f - 0.5f;
        /* calls per timing so that one timing is >= ~50 us */
        double flops = 2.0 * sh->M * sh->N * sh->K;
        int reps = (int)(2e5 / flops) + 1;
        for (int r = 0; r < rounds; r++) {
            double t0 = bm_now();
            for (int i = 0; i < reps; i++)
                fg(A, sh->K, B, ldb, C, sh->N, sh->M, sh->N, sh->K);
            double t1 = bm_now();
            for (int i = 0; i < reps; i++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)sh->M, (int)sh->N, (int)sh->K, 1.0f, A,
                            (int)sh->K, B, (int)ldb, 0.0f, C, (int)sh->N);
            double t2 = bm_now();
            tf[r] = (t1 - t0) / reps;
            tb[r] = (t2 - t1) / reps;
        }
        qsort(tf, (size_t)rounds, sizeof(double), cmp_d);
        qsort(tb, (size_t)rounds, sizeof(double), cmp_d);
        double mf = tf[rounds / 2] * 1e6, mb = tb[rounds / 2] * 1e6;
        char label[64];
        snprintf(label, sizeof label, "%zux%zux%zu", sh->M, sh->N, sh->K);
        printf("%-30s %-14s %10.2f %10.2f %8.2f\n", sh->what, label, mf, mb, mf / mb);
        free(A);
        free(B);
        free(C);
        free(tf);
        free(tb);
    }
    return 0;
}
