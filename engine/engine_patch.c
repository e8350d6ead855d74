/* SPDX-License-Identifier: MIT */
/* Patches for the conv GEMMs (int8 rows for the bitern kernels, float columns for be_fgemm) and the packing of
 * int8 patch rows of sign/tern outputs. */
#include <string.h>

#include "engine/engine_internal.h"

/* x (C*H*W, the trainer's layout) to channels-last (H*W*C), where one row of a conv window is contiguous. */
void be_to_hwc_i8(const be_op *o, const int8_t *x, int8_t *out)
{
    size_t C = (size_t)o->in_c, HW = (size_t)o->in_h * o->in_w;
    for (size_t c = 0; c < C; c++) {
        const int8_t *xc = x + c * HW;
        for (size_t i = 0; i < HW; i++)
            out[i * C + c] = xc[i];
    }
}

/* Copies n bytes forward in 16-byte words: constant-size memcpys are one load and one store each, a
 * variable-size one a library call (that call was an eighth of lenet's run time). The last word may spill up
 * to 15 bytes past dst + n and read as far past src (see be_im2row_i8). */
static inline void copy_words(int8_t *dst, const int8_t *src, size_t n)
{
    for (size_t j = 0; j < n; j += 16)
        memcpy(dst + j, src + j, 16);
}

/* Patch rows p0 .. p0+n-1 (output pixel p = oh * out_w + ow) of the channels-last int8 map x: K = k*k*C values
 * in the order [ky][kx][c] (the weight rows are packed in that order: integer sums do not depend on it), 0
 * outside the image. A window row inside the image is k*C contiguous bytes, one copy_words. A word may spill
 * past its segment into the next one, which is written after it (every write of a row goes forward, and rows
 * are written in order), or into COPY_SLACK after the patch buffer; reads may run COPY_SLACK bytes past the
 * map, which has that slack. */
void be_im2row_i8(const be_op *o, const int8_t *x, size_t p0, size_t n, int8_t *patch)
{
    int k = o->k, s = o->stride, pd = o->pad, H = o->in_h, W = o->in_w, OW = o->out_w;
    size_t K = o->fan_in, C = (size_t)o->in_c, seg = (size_t)k * C;
    int oh = (int)(p0 / (size_t)OW), ow = (int)(p0 % (size_t)OW);
    for (size_t p = 0; p < n; p++) {
        int8_t *row = patch + p * K;
        int ih0 = oh * s - pd, iw0 = ow * s - pd;
        int inside_w = iw0 >= 0 && iw0 + k <= W;
        for (int ky = 0; ky < k; ky++) {
            int8_t *dst = row + (size_t)ky * seg;
            int ih = ih0 + ky;
            if (ih < 0 || ih >= H) {
                memset(dst, 0, seg);
            } else if (inside_w) {
                copy_words(dst, x + ((size_t)ih * W + iw0) * C, seg);
            } else {
                for (int kx = 0; kx < k; kx++) {
                    int iw = iw0 + kx;
                    if (iw >= 0 && iw < W)
                        memcpy(dst + (size_t)kx * C, x + ((size_t)ih * W + iw) * C, C);
                    else
                        memset(dst + (size_t)kx * C, 0, C);
                }
            }
        }
        if (++ow == OW) {
            ow = 0;
            oh++;
        }
    }
}

/* Output columns ow whose input column ow*s + off lies inside [0, W): [*lo, *hi). */
static void valid_cols(int OW, int W, int s, int off, int *lo, int *hi)
{
    int a = off < 0 ? (-off + s - 1) / s : 0;
    int b = W - off <= 0 ? 0 : (W - off + s - 1) / s;
    if (b > OW)
        b = OW;
    if (a > b)
        a = b;
    *lo = a;
    *hi = b;
}

/* col[(c*k + ky)*k + kx][p] (rows ld apart): the trainer's float im2col layout, for W (M x K) . col (K x P)
 * in be_fgemm. Columns P .. ld-1 are not written. */
void be_im2col_f32(const be_op *o, const float *x, float *col, size_t ld)
{
    int k = o->k, s = o->stride, p = o->pad, H = o->in_h, W = o->in_w, OH = o->out_h, OW = o->out_w;
    size_t P = ld;
    for (int c = 0; c < o->in_c; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                float *row = col + (((size_t)c * k + ky) * k + kx) * P;
                int lo, hi;
                valid_cols(OW, W, s, kx - p, &lo, &hi);
                for (int oh = 0; oh < OH; oh++) {
                    int ih = oh * s - p + ky;
                    float *r = row + (size_t)oh * OW;
                    if (ih < 0 || ih >= H) {
                        memset(r, 0, (size_t)OW * sizeof(float));
                        continue;
                    }
                    const float *xr = x + ((size_t)c * H + ih) * W + (kx - p);
                    for (int ow = 0; ow < lo; ow++)
                        r[ow] = 0.0f;
                    if (s == 1)
                        memcpy(r + lo, xr + lo, (size_t)(hi - lo) * sizeof(float));
                    else
                        for (int ow = lo; ow < hi; ow++)
                            r[ow] = xr[ow * s];
                    for (int ow = hi; ow < OW; ow++)
                        r[ow] = 0.0f;
                }
            }
}


/* The top bits of the 8 bytes of m (only bits 7, 15, ..., 63 may be set) as an 8-bit value, byte i -> bit i:
 * the multiply moves byte i's bit to bit 56 + i with no two partial products meeting (no carries). */
static inline uint64_t msb_bits8(uint64_t m) { return ((m >> 7) * 0x0102040810204080ull) >> 56; }

/* Packs n int8 values in {-1, 0, +1} (patch rows of sign/tern outputs) to B1 (x < 0 -> bit set) or canonical
 * T2, 8 values per step with word arithmetic: bitern's own i8 packers go bit by bit, which made the packing
 * cost ten times the t2t2 GEMM it feeds. Same result as bitern_pack_b1_i8 / bitern_pack_t2_i8. */
void be_pack_row_i8(const int8_t *x, size_t n, uint64_t *out, int t2)
{
    const uint64_t H = 0x8080808080808080ull, L = 0x7f7f7f7f7f7f7f7full;
    for (size_t wi = 0, base = 0; base < n; wi++, base += 64) {
        size_t end = n - base < 64 ? n : base + 64, i = base;
        uint64_t neg = 0, nz = 0;
        for (; i + 8 <= end; i += 8) {
            uint64_t v;
            memcpy(&v, x + i, 8);
            unsigned sh = (unsigned)(i - base);
            neg |= msb_bits8(v & H) << sh;
            nz |= msb_bits8((((v & L) + L) | v) & H) << sh;   /* byte != 0: low 7 bits overflow, or bit 7 */
        }
        for (; i < end; i++) {
            uint64_t bit = (uint64_t)1 << (i - base);
            neg |= x[i] < 0 ? bit : 0;
            nz |= x[i] != 0 ? bit : 0;
        }
        if (t2) {
            out[2 * wi] = nz;
            out[2 * wi + 1] = neg;
        } else {
            out[wi] = neg;
        }
    }
}
