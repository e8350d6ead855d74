/* SPDX-License-Identifier: MIT */
/* A ternary layer y = W x on bitern: pack float weights to T2, quantize the input to int8, one exact GEMV. */
#include <bitern.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    enum { M = 3, K = 100 };
    float w[M][K], x[K];
    for (int r = 0; r < M; r++)
        for (int i = 0; i < K; i++)
            w[r][i] = (float)((r + 1) * (i % 7) - 9) / 10.0f;   /* values around [-0.9, 1.5] */
    for (int i = 0; i < K; i++)
        x[i] = (float)(i % 11) - 5.0f;

    uint64_t wt[M * 4];   /* bitern_t2_words(100) = 4 words per row */
    int8_t q[K];
    float scale;
    int32_t y[M];
    int st = 0;
    for (int r = 0; r < M && !st; r++)
        st = bitern_pack_t2_f32(w[r], K, 0.5f, wt + r * bitern_t2_words(K));   /* |w| > 0.5 -> sign(w) */
    if (!st)
        st = bitern_quantize_i8(x, K, q, &scale);
    if (!st)
        st = bitern_gemv_t2i8(wt, q, y, M, K);
    if (st) {
        fprintf(stderr, "bitern: %s\n", bitern_last_error());
        return 1;
    }
    printf("bitern %s (header %s), kernels %s\n", bitern_version(), BITERN_VERSION_STRING, bitern_isa_name());
    if (strcmp(bitern_version(), BITERN_VERSION_STRING) != 0)
        return 1;   /* a header from one install, a library from another */
    for (int r = 0; r < M; r++) {
        int32_t want = 0;   /* the same sum, written out */
        for (int i = 0; i < K; i++)
            want += (w[r][i] > 0.5f ? 1 : w[r][i] < -0.5f ? -1 : 0) * q[i];
        printf("y[%d] = %d (x %.4f = %.2f)%s\n", r, y[r], scale, y[r] * scale, y[r] == want ? "" : "  WRONG");
        if (y[r] != want)
            return 1;
    }
    return 0;
}
