/* SPDX-License-Identifier: MIT */
/*
 * be_fgemm, the engine's float GEMM, against its definition: every output summed k = 0 .. K-1 with one rounded
 * multiply and one rounded add per term, compared bit for bit (memcmp) at every ISA level the CPU runs. The
 * shapes cross each tile edge (4-row blocks, 1/2/8-vector column tiles of 4, 8 or 16 lanes, the L1 column
 * block), B's padding columns hold NaN (they must not reach C), and C's columns past N and rows past M keep
 * their sentinel.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bitern.h>

#include "../train/test_util.h"
#include "engine/engine_internal.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static float frand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    /* mixed magnitudes and signs, some exact zeros: rounding differs visibly if the order changes */
    unsigned r = (unsigned)(rng >> 33);
    if (r % 17 == 0)
        return r % 2 ? 0.0f : -0.0f;
    return ((float)(r % 20001) - 10000.0f) * (r % 3 ? 1e-3f : 1.37f);
}

static void reference(const float *A, size_t lda, const float *B, size_t ldb, float *C, size_t ldc, size_t M,
                      size_t N, size_t K)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            float acc = 0.0f;
            for (size_t k = 0; k < K; k++)
                acc = acc + A[i * lda + k] * B[k * ldb + j];
            C[i * ldc + j] = acc;
        }
}

static void one_shape(size_t M, size_t N, size_t K)
{
    size_t lda = K + 3, ldb = be_fgemm_pad(N) + (N % 3 == 0 ? 16 : 0), ldc = N + 5, rows = M + 1;
    float *A = malloc(M * lda * sizeof(float)), *B = malloc(K * ldb * sizeof(float));
    float *want = malloc(rows * ldc * sizeof(float)), *got = malloc(rows * ldc * sizeof(float));
    for (size_t i = 0; i < M * lda; i++)
        A[i] = frand();
    for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < ldb; j++)
            B[k * ldb + j] = j < N ? frand() : NAN;
    for (size_t i = 0; i < rows * ldc; i++)
        want[i] = -7.0f;
    reference(A, lda, B, ldb, want, ldc, M, N, K);
    for (int isa = 0; isa < BITERN_ISA_COUNT; isa++) {
        if (!bitern_isa_supported((bitern_isa)isa))
            continue;
        const char *name = bitern_isa_level_name((bitern_isa)isa);
        CHECK(bitern_set_isa(name) == BITERN_OK, "set_isa %s", name);
        for (size_t i = 0; i < rows * ldc; i++)
            got[i] = -7.0f;
        be_fgemm_pick()(A, lda, B, ldb, got, ldc, M, N, K);
        CHECK(memcmp(got, want, rows * ldc * sizeof(float)) == 0, "isa %s, M %zu N %zu K %zu: differs", name, M, N,
              K);
    }
    bitern_set_isa("native");
    free(A);
    free(B);
    free(want);
    free(got);
}

int main(void)
{
    if (bitern_init() != BITERN_OK) {
        fprintf(stderr, "FAIL: bitern_init: %s\n", bitern_last_error());
        return 1;
    }
    static const size_t Ms[] = {1, 2, 3, 4, 5, 8, 9};
    static const size_t Ns[] = {1, 3, 4, 5, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 300};
    static const size_t Ks[] = {1, 2, 25, 97};
    for (size_t a = 0; a < sizeof Ms / sizeof Ms[0]; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof Ns[0]; b++)
            for (size_t c = 0; c < sizeof Ks / sizeof Ks[0]; c++)
                one_shape(Ms[a], Ns[b], Ks[c]);
    /* column blocks: 6144 / K columns per block, so K = 1 and K = 7 cross several with N = 2000 */
    one_shape(5, 2000, 1);
    one_shape(6, 2000, 7);
    one_shape(13, 700, 500);
    /* K = 0: every output is +0 */
    one_shape(3, 20, 0);
    return t_finish("test_fgemm");
}
