/* SPDX-License-Identifier: MIT */
/* The engine's compiled form, shared by the compiler (engine.c) and the runner (engine_run.c). */
#ifndef BITERN_ENGINE_INTERNAL_H
#define BITERN_ENGINE_INTERNAL_H

#include <bitern.h>

#include "engine/engine.h"
#include "model/pool.h"

typedef enum { OP_GEMM, OP_AFFINE, OP_ACT, OP_POOL, OP_MARK, OP_ADD, OP_GAP } be_kind;

/* How a GEMM op feeds its kernel: float (be_fgemm), int8 or packed activations. */
typedef enum { XK_F32, XK_I8, XK_B1, XK_T2 } be_xkind;
typedef enum { WK_F32, WK_B1, WK_T2 } be_wkind;

typedef struct be_op {
    be_kind kind;
    bm_ltype act;              /* OP_ACT: the activation; OP_GEMM: the fused one (relu, htanh, sign, tern) or 0 */
    char name[64];
    const char *kernel;
    int first_layer, depth;
    int conv;
    int in_c, in_h, in_w, out_c, out_h, out_w, k, stride, pad;
    size_t in_size, out_size;  /* per example */
    size_t fan_in, P;          /* GEMM: K, and output pixels per example (1 for dense) */
    be_wkind wk;
    be_xkind xk;
    float *wf;                 /* WK_F32: conv out_c x fan_in; dense fan_in x ldw (transposed, zero-padded) */
    size_t ldw;
    uint64_t *wp;              /* WK_B1 / WK_T2: out_c rows of rw words */
    size_t rw, xrw;            /* words per packed weight row / packed activation row */
    float *mul, *add;          /* per output channel (GEMM: weight scale x folded bn; AFFINE: bn) */
    size_t weights, packed_bytes, scale_bytes, float_bytes;   /* parameters as the .btn file stores them */
    /* OP_MARK: where its activation is kept (floats per example before it, in be_ws.saved); OP_ADD: the same of
     * its mark, the mark's shape and the shortcut's stride (model/layer.h: option A) */
    size_t save_off;
    int mark_c, mark_h, mark_w, sub;
} be_op;

/* One thread's scratch; sized for e->step examples. */
typedef struct be_ws {
    float *a, *b;              /* ping-pong activations */
    int8_t *q;                 /* quantized input (dense: step rows; conv: one map, CHW) */
    int8_t *qh;                /* conv: the map channels-last (HWC) */
    int8_t *patch;             /* conv: P x K int8 patches */
    uint64_t *packed;          /* packed activation rows */
    int32_t *acc;
    float *col;                /* float conv: K x P columns */
    float *xs;                 /* per-example input scales */
    float *saved;              /* the marks' activations: step x (the marks' sizes), one region per mark */
    double *sec;               /* per-op seconds */
} be_ws;

struct bte_engine {
    int n_ops;
    be_op *ops;
    int in_c, in_h, in_w, n_classes;
    size_t in_size, out_size;   /* per example: the input image and the last op's output */
    int threads, step;
    be_ws *ws;
    int n_ws, ws_step;
    double *sec;
    struct bm_pool *pool;       /* threads - 1 persistent workers (model/pool.c), made on first use */
    int pool_threads;
    size_t share_min;           /* multiply-adds below which a batch-1 op runs on one thread (tests lower it) */
    size_t saved_size;          /* floats per example of every mark's activation together */
};

/* Below this many multiply-adds (a microsecond or two of kernel) an op is not worth a fork-join. */
#define BE_SHARE_MIN_MACS 500000

/* Bytes of slack after the int8 map and the patch buffer: im2row copies in whole 16-byte words. */
#define COPY_SLACK 16

/* engine_fgemm.c: C (M x N, row stride ldc) = A (M x K, lda) B (K x N, ldb), every output summed over
 * k = 0 .. K-1 in order (bit-identical for any shape, split and variant). B's rows must be readable up to
 * column be_fgemm_pad(N) (the padding's values do not matter; only columns < N of C are written). */
#define BE_FGEMM_PAD 16
typedef void be_fgemm_fn(const float *A, size_t lda, const float *B, size_t ldb, float *C, size_t ldc, size_t M,
                         size_t N, size_t K);
be_fgemm_fn *be_fgemm_pick(void);   /* the variant of bitern's current ISA level */
size_t be_fgemm_pad(size_t n);

/* engine_patch.c */
void be_to_hwc_i8(const be_op *o, const int8_t *x, int8_t *out);   /* CHW -> HWC */
/* Patch rows [p0, p0 + n) of the HWC map x: K int8 each, in the order [ky][kx][c] */
void be_im2row_i8(const be_op *o, const int8_t *x, size_t p0, size_t n, int8_t *patch);
void be_im2col_f32(const be_op *o, const float *x, float *col, size_t ld);   /* K rows of P floats, stride ld */
void be_pack_row_i8(const int8_t *x, size_t n, uint64_t *out, int t2);   /* {-1,0,1} -> B1 or T2 */

/* engine_run.c: one output row of a 2x2 stride-2 max pool (rows r0, r1 of 2*OW floats), as the trainer
 * computes it, ties included */
void be_pool2_row(const float *r0, const float *r1, float *out, int OW);

int be_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void be_ws_free(bte_engine *e);

#endif
