/* SPDX-License-Identifier: MIT */
/*
 * Body of the engine's float GEMM (engine_fgemm.c), included once per vector width with
 *   FG_SUFFIX  name suffix of the variant (generic, avx2, avx512)
 *   FG_ATTR    the target attribute of its functions (empty for the baseline build)
 *   FG_LANES   floats per vector
 * Every output is its own accumulator, summed k = 0, 1, ..., K-1 with one rounded multiply and one rounded add
 * per term, so the width, the tiling and the thread split never change a value: a lane is one output.
 */

#define FG_CAT2(a, b) a##_##b
#define FG_CAT(a, b) FG_CAT2(a, b)
#define FG(name) FG_CAT(name, FG_SUFFIX)

typedef float FG(vf) __attribute__((vector_size(FG_LANES * 4)));

/* mr rows of C (mr <= FG_MR) x nv vectors of columns, starting at column j; the last vector stores only
 * `last` values (the rest of B's row there is padding). mr and nv are constants once inlined. */
FG_ATTR static inline __attribute__((always_inline)) void FG(tile)(const float *A, size_t lda, const float *B,
                                                                   size_t ldb, float *C, size_t ldc, size_t K,
                                                                   int mr, int nv, size_t last)
{
    FG(vf) acc[FG_MR][FG_NV1];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++)
            acc[r][v] = (FG(vf)){0};
    for (size_t k = 0; k < K; k++) {
        FG(vf) b[FG_NV1];
        for (int v = 0; v < nv; v++)
            memcpy(&b[v], B + k * ldb + (size_t)v * FG_LANES, sizeof b[v]);
        for (int r = 0; r < mr; r++) {
            float a = A[(size_t)r * lda + k];
            for (int v = 0; v < nv; v++)
                acc[r][v] = acc[r][v] + a * b[v];
        }
    }
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++) {
            size_t n = v == nv - 1 ? last : FG_LANES;
            memcpy(C + (size_t)r * ldc + (size_t)v * FG_LANES, &acc[r][v], n * sizeof(float));
        }
}

/* Rows [0, mr) of C over columns [j0, j1): FG_MR-row blocks take FG_NV vectors per tile (the weights of a
 * conv, examples of a dense layer: each B load feeds mr outputs); a lone row takes FG_NV1 (a batch-1 dense
 * layer is a chain of K dependent adds per output, so it needs more outputs in flight). */
FG_ATTR static inline __attribute__((always_inline)) void FG(rows)(const float *A, size_t lda, const float *B,
                                                                   size_t ldb, float *C, size_t ldc, size_t j0,
                                                                   size_t j1, size_t K, int mr, int nv)
{
    size_t j = j0, w = (size_t)nv * FG_LANES;
    for (; j + w <= j1; j += w)
        FG(tile)(A, lda, B + j, ldb, C + j, ldc, K, mr, nv, FG_LANES);
    for (; j < j1; j += FG_LANES) {
        size_t left = j1 - j < FG_LANES ? j1 - j : FG_LANES;
        FG(tile)(A, lda, B + j, ldb, C + j, ldc, K, mr, 1, left);
    }
}

FG_ATTR static void FG(be_fgemm)(const float *A, size_t lda, const float *B, size_t ldb, float *C, size_t ldc,
                                 size_t M, size_t N, size_t K)
{
    /* Column blocks of B that stay in L1 while every row of A passes over them. */
    size_t nc = FG_BLOCK_FLOATS / (K ? K : 1);
    nc = nc < 64 ? 64 : nc - nc % 64;
    for (size_t j0 = 0; j0 < N; j0 += nc) {
        size_t j1 = N - j0 < nc ? N : j0 + nc;
        size_t i = 0;
        for (; i + FG_MR <= M; i += FG_MR)
            FG(rows)(A + i * lda, lda, B, ldb, C + i * ldc, ldc, j0, j1, K, FG_MR, FG_NV);
        for (; i < M; i++)
            FG(rows)(A + i * lda, lda, B, ldb, C + i * ldc, ldc, j0, j1, K, 1, FG_NV1);
    }
}

#undef FG
#undef FG_CAT
#undef FG_CAT2
