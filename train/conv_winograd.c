/* SPDX-License-Identifier: MIT */
/*
 * 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks", CVPR 2016), forward and backward.
 *
 * Each 2x2 block ("tile") of outputs is computed from a 4x4 patch of input: with V = B^T d B (input), U = G g G^T
 * (filter), Y = A^T [sum over input channels of U (.) V] A. The sum over channels is, for each of the 16 points
 * xi of the 4x4 transformed tile, a matrix product U_xi (out_c x in_c) . V_xi (in_c x tiles): 16 SGEMMs with
 * 16 multiplies per 4 outputs where im2col's one SGEMM has 36. The backward pass is the exact adjoint of that
 * computation (so finite differences of the forward pass agree with it):
 *     dM = A dY A^T,  dV_xi = U_xi^T dM_xi,  dx += B dV B^T (overlapping patches),
 *     dU_xi += dM_xi V_xi^T,  dg = G^T dU G.
 * Why: on cifar-cnn the im2col SGEMMs were 38% of a training step and im2col/col2im with their copies another
 * quarter; the transforms here read each input value 4 times instead of 9.
 *
 * Tiles are laid out t = example * tiles_per_example + ty * TW + tx, 2x2 outputs each (a half tile at an odd
 * edge computes outputs that are dropped, and its missing output gradients are zeros). The input planes are
 * split by row and column parity first, after which every 1-D transform is a flat loop of unit-stride vector
 * operations over all tiles of a plane: no gathers and no bounds tests per element. With sixteen pointers into
 * one scratch buffer, gcc gave up on the aliasing and ran the transforms scalar: each 1-D transform is a small
 * function with restrict operands, inlined into the range functions, which are cloned for AVX-512 and AVX2.
 * Measured (cifar-cnn, 3200 + 640 CIFAR-10 images, 1 thread, epoch seconds): 12.7 with im2col; 10.2 with these
 * transforms vectorised, in groups of 256 tiles; with BN + ReLU fused too (layer_bn.c), 9.1 at 256 tiles per
 * group and 7.3 at one example per group (TR_WINO_GROUP_T in nn.h).
 */
#include <cblas.h>
#include <string.h>

#include "train/nn.h"

#define XI 16   /* points of a transformed 4x4 tile */

typedef struct wino_dims {
    int C, K, H, W, OH, OW, pad;
    int TH, TW, TPI;    /* tile rows and columns, tiles per example */
} wino_dims;

static wino_dims dims_of(const tr_layer *l)
{
    wino_dims d = {.C = l->in_c, .K = l->out_c, .H = l->in_h, .W = l->in_w, .OH = l->out_h, .OW = l->out_w,
                   .pad = l->pad};
    d.TH = (d.OH + 1) / 2;
    d.TW = (d.OW + 1) / 2;
    d.TPI = d.TH * d.TW;
    return d;
}

int tr_wino_applies(const tr_layer *l)
{
    return l->type == BM_CONV && l->k == 3 && l->stride == 1 && l->in_c >= TR_WINO_MIN_C;
}

int tr_wino_group(const tr_layer *l)
{
    wino_dims d = dims_of(l);
    return (TR_WINO_GROUP_T + d.TPI - 1) / d.TPI;
}

/* Floats of one thread's scratch: V (and dV) for a group, M (and dM) for a group, dU, and the per-plane arrays
 * of the transforms (plane_floats). */
static size_t plane_floats(const wino_dims *d)
{
    /* input_transform: one split padded row, 2 x (TW + 1), and the rows' B^T, 8 x (TH + 1) x TW;
     * output_transform and output_adjoint: 12 x TPI; input_adjoint: 32 x TPI and 4 quadrants (TH+1) x (TW+1). */
    size_t in = 2 * (size_t)(d->TW + 1) + 8 * (size_t)(d->TH + 1) * d->TW;
    size_t adj = 2 * (size_t)XI * d->TPI + 4 * (size_t)(d->TH + 1) * (d->TW + 1);
    return (in > adj ? in : adj) + 16;
}

static void scratch_sizes(const tr_layer *l, size_t *v, size_t *m, size_t *du, size_t *plane)
{
    wino_dims d = dims_of(l);
    size_t T = (size_t)tr_wino_group(l) * d.TPI;
    *v = (size_t)XI * d.C * T;
    *m = (size_t)XI * d.K * T;
    *du = (size_t)XI * d.K * d.C;
    *plane = plane_floats(&d);
}

double tr_wino_scratch_floats(const tr_layer *l)
{
    size_t v, m, du, plane;
    scratch_sizes(l, &v, &m, &du, &plane);
    return (double)v + (double)m + (double)du + (double)plane + (double)XI * l->out_c * l->in_c;
}

void tr_wino_scratch(tr_layer *l, int t)
{
    if (l->twv[t])
        return;
    size_t v, m, du, plane;
    scratch_sizes(l, &v, &m, &du, &plane);
    l->twv[t] = bm_alloc(v, sizeof(float));
    l->twm[t] = bm_alloc(m, sizeof(float));
    l->twdu[t] = bm_alloc(du, sizeof(float));
    l->twplane[t] = bm_alloc(plane, sizeof(float));
}

/* U = G g G^T for every (k, c), stored U[xi][k][c]; G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. */
void tr_wino_prepare(tr_layer *l)
{
    int K = l->out_c, C = l->in_c;
    if (!l->wu)
        l->wu = bm_alloc((size_t)XI * K * C, sizeof(float));
    for (int k = 0; k < K; k++) {
        for (int c = 0; c < C; c++) {
            const float *g = l->wq + (size_t)k * l->fan_in + (size_t)c * 9;
            float t[4][3], u[4][4];
            for (int j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; i++) {
                u[i][0] = t[i][0];
                u[i][1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
                u[i][2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
                u[i][3] = t[i][2];
            }
            for (int xi = 0; xi < XI; xi++)
                l->wu[((size_t)xi * K + k) * C + c] = u[xi / 4][xi % 4];
        }
    }
}

/* gw[k][c][3x3] += G^T dU G (the adjoint of tr_wino_prepare), dU[xi][k][c]. */
static void add_weight_grad(const wino_dims *d, const float *du, float *gw)
{
    for (int k = 0; k < d->K; k++) {
        for (int c = 0; c < d->C; c++) {
            float a[4][4], t[3][4];
            for (int xi = 0; xi < XI; xi++)
                a[xi / 4][xi % 4] = du[((size_t)xi * d->K + k) * d->C + c];
            for (int j = 0; j < 4; j++) {   /* G^T on the rows: r0 = a0 + (a1+a2)/2, r1 = (a1-a2)/2, r2 = (a1+a2)/2 + a3 */
                t[0][j] = a[0][j] + 0.5f * (a[1][j] + a[2][j]);
                t[1][j] = 0.5f * (a[1][j] - a[2][j]);
                t[2][j] = 0.5f * (a[1][j] + a[2][j]) + a[3][j];
            }
            float *g = gw + (size_t)k * d->C * 9 + (size_t)c * 9;
            for (int i = 0; i < 3; i++) {
                g[i * 3 + 0] += t[i][0] + 0.5f * (t[i][1] + t[i][2]);
                g[i * 3 + 1] += 0.5f * (t[i][1] - t[i][2]);
                g[i * 3 + 2] += 0.5f * (t[i][1] + t[i][2]) + t[i][3];
            }
        }
    }
}

#define INLINE static inline __attribute__((always_inline))

/* The 1-D transforms over flat arrays of n tiles. restrict and few streams per loop: with sixteen pointers into
 * one scratch the vectoriser gave up on aliasing and every transform ran scalar. */

/* B^T on a 4-vector (d0 d1 d2 d3): (d0 - d2, d1 + d2, d2 - d1, d1 - d3). */
INLINE void bt_1d(const float *restrict d0, const float *restrict d1, const float *restrict d2,
                  const float *restrict d3, float *restrict o0, float *restrict o1, float *restrict o2,
                  float *restrict o3, size_t n)
{
    for (size_t f = 0; f < n; f++) {
        o0[f] = d0[f] - d2[f];
        o1[f] = d1[f] + d2[f];
        o2[f] = d2[f] - d1[f];
        o3[f] = d1[f] - d3[f];
    }
}

/* B on a 4-vector, the adjoint of bt_1d: (a0, a1 - a2 + a3, a1 + a2 - a0, -a3). */
INLINE void b_1d(const float *restrict a0, const float *restrict a1, const float *restrict a2,
                 const float *restrict a3, float *restrict o0, float *restrict o1, float *restrict o2,
                 float *restrict o3, size_t n)
{
    for (size_t f = 0; f < n; f++) {
        o0[f] = a0[f];
        o1[f] = a1[f] - a2[f] + a3[f];
        o2[f] = a1[f] + a2[f] - a0[f];
        o3[f] = -a3[f];
    }
}

/* A^T on a 4-vector, plus a constant: (m0 + m1 + m2 + c, m1 - m2 - m3 + c). */
INLINE void at_1d(const float *restrict m0, const float *restrict m1, const float *restrict m2,
                  const float *restrict m3, float *restrict o0, float *restrict o1, float c, size_t n)
{
    for (size_t f = 0; f < n; f++) {
        o0[f] = m0[f] + m1[f] + m2[f] + c;
        o1[f] = m1[f] - m2[f] - m3[f] + c;
    }
}

/* A on a 2-vector, the adjoint of at_1d: (b0, b0 + b1, b0 - b1, -b1). */
INLINE void a_1d(const float *restrict b0, const float *restrict b1, float *restrict o0, float *restrict o1,
                 float *restrict o2, float *restrict o3, size_t n)
{
    for (size_t f = 0; f < n; f++) {
        o0[f] = b0[f];
        o1[f] = b0[f] + b1[f];
        o2[f] = b0[f] - b1[f];
        o3[f] = -b1[f];
    }
}

/* Padded row r of one input plane (input row r - pad) split by column parity: E[q] = padded column 2q, O[q] =
 * column 2q + 1, for q <= TW (the last tile reads columns 2 TW and 2 TW + 1), zero outside the input. */
INLINE void load_row(const wino_dims *d, const float *x, int r, float *restrict E, float *restrict O)
{
    int ir = r - d->pad, TW = d->TW;
    if (ir < 0 || ir >= d->H) {
        memset(E, 0, (size_t)(TW + 1) * sizeof(float));
        memset(O, 0, (size_t)(TW + 1) * sizeof(float));
        return;
    }
    /* padded column pc = input column pc - pad: E[q] holds input column 2q - pad, O[q] input column 2q + 1 - pad;
     * q ranges [e0, e1) and [o0, o1) are the ones inside the input, so the copies need no test per element */
    const float *xr = x + (size_t)ir * d->W;
    int pad = d->pad, W = d->W;
    int e0 = (pad + 1) / 2, e1 = (W + pad + 1) / 2, o0 = pad / 2, o1 = (W + pad) / 2;
    e1 = e1 > TW + 1 ? TW + 1 : e1;
    o1 = o1 > TW + 1 ? TW + 1 : o1;
    for (int q = 0; q < e0; q++)
        E[q] = 0.0f;
    for (int q = e0; q < e1; q++)
        E[q] = xr[2 * q - pad];
    for (int q = e1; q <= TW; q++)
        E[q] = 0.0f;
    for (int q = 0; q < o0; q++)
        O[q] = 0.0f;
    for (int q = o0; q < o1; q++)
        O[q] = xr[2 * q + 1 - pad];
    for (int q = o1; q <= TW; q++)
        O[q] = 0.0f;
}

/* V of one input plane (example e of the group, channel c) into v[xi][c][e*TPI + f], f = ty*TW + tx:
 * B^T along the rows (hx), then along the columns. The padded rows are kept in two sets, even (2s) and odd
 * (2s+1), s = 0..TH: tile row ty reads even rows ty, ty + 1 and odd rows ty, ty + 1, so with f = ty*TW + tx
 * the column transform is one flat loop over the plane's tiles. */
INLINE void input_transform(const wino_dims *d, const float *x, float *v, size_t T, int e, int c, float *plane)
{
    int TW = d->TW, S = d->TH + 1;
    size_t rows = (size_t)S * TW, TPI = (size_t)d->TPI;
    float *row = plane, *h[2][4];   /* row: one split padded row, E then O, TW + 1 each */
    for (int p = 0; p < 2; p++)
        for (int j = 0; j < 4; j++)
            h[p][j] = plane + 2 * (size_t)(TW + 1) + ((size_t)p * 4 + j) * rows;
    for (int r = 0; r < 2 * S; r++) {
        float *E = row, *O = row + TW + 1;
        size_t o = (size_t)(r >> 1) * TW;
        load_row(d, x, r, E, O);
        /* columns (2q, 2q+1, 2q+2, 2q+3) = (E[q], O[q], E[q+1], O[q+1]) */
        bt_1d(E, O, E + 1, O + 1, h[r & 1][0] + o, h[r & 1][1] + o, h[r & 1][2] + o, h[r & 1][3] + o, (size_t)TW);
    }
    size_t off = (size_t)e * TPI;
    for (int j = 0; j < 4; j++) {
        float *vj = v + ((size_t)j * d->C + c) * T + off;
        size_t xs = (size_t)4 * d->C * T;   /* from v[i][j] to v[i+1][j] */
        bt_1d(h[0][j], h[1][j], h[0][j] + TW, h[1][j] + TW, vj, vj + xs, vj + 2 * xs, vj + 3 * xs, TPI);
    }
}

/* y[k] (one output plane, bias added) = A^T M A from m[xi][k][e*TPI + f]. */
INLINE void output_transform(const wino_dims *d, const float *m, size_t T, int e, int k, float bias, float *y,
                             float *tmp)
{
    int TW = d->TW, OW = d->OW;
    size_t TPI = (size_t)d->TPI, xs = (size_t)4 * d->K * T;
    const float *mk = m + (size_t)k * T + (size_t)e * TPI;   /* m[0][k], m[xi] is d->K * T further */
    float *a = tmp, *Y = tmp + 8 * TPI;   /* a[i][j]: A^T along the columns; Y[i][jj]: the tile's outputs */
    for (int j = 0; j < 4; j++) {
        const float *m0 = mk + (size_t)j * d->K * T;
        at_1d(m0, m0 + xs, m0 + 2 * xs, m0 + 3 * xs, a + (size_t)j * TPI, a + (size_t)(4 + j) * TPI, 0.0f, TPI);
    }
    for (int i = 0; i < 2; i++) {
        const float *ai = a + (size_t)i * 4 * TPI;
        at_1d(ai, ai + TPI, ai + 2 * TPI, ai + 3 * TPI, Y + (size_t)(2 * i) * TPI, Y + (size_t)(2 * i + 1) * TPI, bias,
              TPI);
    }
    for (int row = 0; row < d->OH; row++) {
        const float *ev = Y + (size_t)(2 * (row & 1)) * TPI + (size_t)(row >> 1) * TW, *od = ev + TPI;
        float *yr = y + (size_t)row * OW;
        for (int q = 0; q < OW / 2; q++) {
            yr[2 * q] = ev[q];
            yr[2 * q + 1] = od[q];
        }
        if (OW & 1)
            yr[OW - 1] = ev[OW / 2];
    }
}

/* dM = A dY A^T of one output-gradient plane into dm[xi][k][e*TPI + f]; outputs beyond OH x OW count as 0. */
INLINE void output_adjoint(const wino_dims *d, const float *dy, float *dm, size_t T, int e, int k, float *tmp)
{
    int TW = d->TW, OW = d->OW;
    size_t TPI = (size_t)d->TPI, xs = (size_t)4 * d->K * T;
    float *B = tmp, *h = tmp + 4 * TPI;   /* B[i][jj][f]: dY at (2ty+i, 2tx+jj); h[i][j]: A along the rows */
    for (int ty = 0; ty < d->TH; ty++) {
        for (int i = 0; i < 2; i++) {
            float *b0 = B + (size_t)(2 * i) * TPI + (size_t)ty * TW, *b1 = b0 + TPI;
            int row = 2 * ty + i;
            if (row >= d->OH) {
                memset(b0, 0, (size_t)TW * sizeof(float));
                memset(b1, 0, (size_t)TW * sizeof(float));
                continue;
            }
            const float *dr = dy + (size_t)row * OW;
            for (int q = 0; q < OW / 2; q++) {
                b0[q] = dr[2 * q];
                b1[q] = dr[2 * q + 1];
            }
            if (OW & 1) {
                b0[TW - 1] = dr[OW - 1];
                b1[TW - 1] = 0.0f;
            }
        }
    }
    for (int i = 0; i < 2; i++) {
        float *hi = h + (size_t)i * 4 * TPI;
        a_1d(B + (size_t)(2 * i) * TPI, B + (size_t)(2 * i + 1) * TPI, hi, hi + TPI, hi + 2 * TPI, hi + 3 * TPI, TPI);
    }
    float *mk = dm + (size_t)k * T + (size_t)e * TPI;
    for (int j = 0; j < 4; j++) {
        float *m0 = mk + (size_t)j * d->K * T;
        a_1d(h + (size_t)j * TPI, h + (size_t)(4 + j) * TPI, m0, m0 + xs, m0 + 2 * xs, m0 + 3 * xs, TPI);
    }
}

/* dx (one input plane, overwritten) = sum over tiles of B dV B^T placed at each tile's patch, from
 * dv[xi][c][e*TPI + f]. The patch gradients P[a][b] (16 flat arrays) are overlap-added into four quadrants by
 * padded row and column parity: Q[pa][pb][s][u] = padded (2s + pa, 2u + pb), which tile (s, u) reaches with
 * patch (pa, pb), tile (s-1, u) with (pa+2, pb), and so on. */
INLINE void input_adjoint(const wino_dims *d, const float *dv, size_t T, int e, int c, float *dx, float *plane)
{
    int TW = d->TW, QW = TW + 1;
    size_t TPI = (size_t)d->TPI, qsz = (size_t)(d->TH + 1) * QW, xs = (size_t)4 * d->C * T;
    float *W = plane, *P = plane + XI * TPI, *Q = plane + 2 * XI * TPI;
    const float *ac = dv + (size_t)c * T + (size_t)e * TPI;
    for (int j = 0; j < 4; j++) {   /* B along the columns: W[r][j] from dV[0..3][j] */
        const float *a0 = ac + (size_t)j * d->C * T;
        b_1d(a0, a0 + xs, a0 + 2 * xs, a0 + 3 * xs, W + (size_t)j * TPI, W + (size_t)(4 + j) * TPI,
             W + (size_t)(8 + j) * TPI, W + (size_t)(12 + j) * TPI, TPI);
    }
    for (int r = 0; r < 4; r++) {   /* B along the rows: P[r][b] from W[r][0..3] */
        const float *w = W + (size_t)(4 * r) * TPI;
        float *pr = P + (size_t)(4 * r) * TPI;
        b_1d(w, w + TPI, w + 2 * TPI, w + 3 * TPI, pr, pr + TPI, pr + 2 * TPI, pr + 3 * TPI, TPI);
    }
    memset(Q, 0, 4 * qsz * sizeof(float));
    for (int pa = 0; pa < 2; pa++) {
        for (int pb = 0; pb < 2; pb++) {
            float *q = Q + (size_t)(pa * 2 + pb) * qsz;
            const float *p00 = P + (size_t)(pa * 4 + pb) * TPI, *p10 = P + (size_t)((pa + 2) * 4 + pb) * TPI;
            const float *p01 = P + (size_t)(pa * 4 + pb + 2) * TPI, *p11 = P + (size_t)((pa + 2) * 4 + pb + 2) * TPI;
            for (int s = 0; s < d->TH; s++) {
                float *restrict q0 = q + (size_t)s * QW, *restrict q1 = q0 + QW;
                size_t o = (size_t)s * TW;
                for (int u = 0; u < TW; u++) {
                    q0[u] += p00[o + u];
                    q1[u] += p10[o + u];
                }
                for (int u = 0; u < TW; u++) {
                    q0[u + 1] += p01[o + u];
                    q1[u + 1] += p11[o + u];
                }
            }
        }
    }
    for (int ir = 0; ir < d->H; ir++) {
        int pr = ir + d->pad;
        const float *qe = Q + (size_t)((pr & 1) * 2) * qsz + (size_t)(pr >> 1) * QW, *qo = qe + qsz;
        float *xr = dx + (size_t)ir * d->W;
        int col = 0, pc = d->pad;
        if (pc & 1) {   /* start on an odd padded column so that the loop below takes pairs (even, odd) */
            xr[col++] = qo[pc >> 1];
            pc++;
        }
        for (; col + 1 < d->W; col += 2, pc += 2) {
            xr[col] = qe[pc >> 1];
            xr[col + 1] = qo[pc >> 1];
        }
        if (col < d->W)
            xr[col] = qe[pc >> 1];
    }
}

/* Cloned for AVX-512 and AVX2 (the transforms inline into these): the project builds for baseline x86-64,
 * whose SSE2 gave the flat loops a quarter of AVX-512's width. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WINO_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WINO_CLONES
#endif

WINO_CLONES void tr_wino_forward_range(tr_layer *l, const float *x, int i0, int i1, int t)
{
    wino_dims d = dims_of(l);
    int G = tr_wino_group(l);
    size_t in_sz = tr_layer_in_size(l), out_sz = tr_layer_out_size(l);
    float *v = l->twv[t], *m = l->twm[t], *plane = l->twplane[t];
    for (int i = i0; i < i1; i += G) {
        int g = i1 - i < G ? i1 - i : G;
        size_t T = (size_t)g * d.TPI;
        for (int e = 0; e < g; e++)
            for (int c = 0; c < d.C; c++)
                input_transform(&d, x + (i + e) * in_sz + (size_t)c * d.H * d.W, v, T, e, c, plane);
        for (int xi = 0; xi < XI; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d.K, (int)T, d.C, 1.0f,
                        l->wu + (size_t)xi * d.K * d.C, d.C, v + (size_t)xi * d.C * T, (int)T, 0.0f,
                        m + (size_t)xi * d.K * T, (int)T);
        for (int e = 0; e < g; e++)
            for (int k = 0; k < d.K; k++)
                output_transform(&d, m, T, e, k, l->b[k], l->y + (i + e) * out_sz + (size_t)k * d.OH * d.OW, plane);
    }
}

WINO_CLONES void tr_wino_backward_range(tr_layer *l, const float *dy, int i0, int i1, int need_dx, int t, float *gw, float *gb)
{
    wino_dims d = dims_of(l);
    int G = tr_wino_group(l), P = d.OH * d.OW;
    size_t in_sz = tr_layer_in_size(l), out_sz = tr_layer_out_size(l);
    float *v = l->twv[t], *dm = l->twm[t], *du = l->twdu[t], *plane = l->twplane[t];
    memset(du, 0, (size_t)XI * d.K * d.C * sizeof(float));
    for (int i = i0; i < i1; i += G) {
        int g = i1 - i < G ? i1 - i : G;
        size_t T = (size_t)g * d.TPI;
        for (int e = 0; e < g; e++) {
            for (int k = 0; k < d.K; k++) {
                const float *dk = dy + (i + e) * out_sz + (size_t)k * P;
                gb[k] += tr_plane_sum(dk, (size_t)P);
                output_adjoint(&d, dk, dm, T, e, k, plane);
            }
            for (int c = 0; c < d.C; c++)
                input_transform(&d, l->x + (i + e) * in_sz + (size_t)c * d.H * d.W, v, T, e, c, plane);
        }
        for (int xi = 0; xi < XI; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d.K, d.C, (int)T, 1.0f, dm + (size_t)xi * d.K * T,
                        (int)T, v + (size_t)xi * d.C * T, (int)T, 1.0f, du + (size_t)xi * d.K * d.C, d.C);
        if (!need_dx)
            continue;
        for (int xi = 0; xi < XI; xi++)   /* dV overwrites V, which the weight gradient no longer needs */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d.C, (int)T, d.K, 1.0f,
                        l->wu + (size_t)xi * d.K * d.C, d.C, dm + (size_t)xi * d.K * T, (int)T, 0.0f,
                        v + (size_t)xi * d.C * T, (int)T);
        for (int e = 0; e < g; e++)
            for (int c = 0; c < d.C; c++)
                input_adjoint(&d, v, T, e, c, l->dx + (i + e) * in_sz + (size_t)c * d.H * d.W, plane);
    }
    add_weight_grad(&d, du, gw);
}
