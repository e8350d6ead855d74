// SPDX-License-Identifier: MIT
// One benchmark case: operands for an op x variant x shape, and one call of it split over the pool's threads.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#if defined(BITERN_BENCH_OPENBLAS)
#include <cblas.h>
#endif

typedef enum { F_B1, F_T2, F_I8, F_F32, F_T3 } fmt;

// The shape, ceiling and operand formats of an op come from its row of BITERN_OP_LIST (kernels/internal.h).
bb_kind bb_op_kind(bitern_op op)
{
    switch (bitern_op_info_of(op).shape) {
    case BITERN_SHAPE_dot: return BB_DOT;
    case BITERN_SHAPE_gemv: return BB_GEMV;
    case BITERN_SHAPE_gemm: return BB_GEMM;
    default: return BB_PACK;
    }
}

bb_ceil bb_op_ceil(bitern_op op)
{
    bitern_op_info in = bitern_op_info_of(op);
    if (in.shape == BITERN_SHAPE_vec)
        return BB_CEIL_NONE;
    if (in.x == BITERN_FMT_i8)
        return BB_CEIL_I8;
    return in.w == BITERN_FMT_b1 ? BB_CEIL_B1B1 : in.x == BITERN_FMT_t2 ? BB_CEIL_T2T2 : BB_CEIL_T2B1;
}

static fmt fmt_of(bitern_fmt f)
{
    switch (f) {
    case BITERN_FMT_b1: return F_B1;
    case BITERN_FMT_t2: return F_T2;
    case BITERN_FMT_t3: return F_T3;
    case BITERN_FMT_i8: return F_I8;
    default: return F_F32;
    }
}

static fmt w_fmt(const bb_case *c) { return !c->v ? F_F32 : fmt_of(bitern_op_info_of(c->op).w); }

static fmt x_fmt(const bb_case *c) { return !c->v ? F_F32 : fmt_of(bitern_op_info_of(c->op).x); }

static size_t row_bytes(fmt f, size_t k)
{
    switch (f) {
    case F_B1: return 8 * bitern_b1_words(k);
    case F_T2: return 8 * bitern_t2_words(k);
    case F_I8: return k;
    case F_T3: return 8 * bitern_t3_words(k);
    default: return 4 * k;
    }
}

// The smallest level data of this size fits in. At exactly a level's size (4096 x 4096 B1 = 2 MiB = this L2)
// most of it still hits there: a lower level would report over 100 % of its bandwidth.
static bb_mem level_for(double bytes)
{
    for (int l = 1; l <= 3; l++)
        if (bytes <= (double)bb_cache_size(l))
            return (bb_mem)(l - 1);
    return BB_MEM_DRAM;
}

bb_work bb_case_work(const bb_case *c)
{
    bb_work w = { 0 };
    bb_kind kd = bb_op_kind(c->op);
    double m = (double)c->m, n = (double)c->n, k = (double)c->k;
    if (kd == BB_PACK) {
        double out = c->op == BITERN_OP_pack_b1_f32   ? 8.0 * (double)bitern_b1_words(c->n)
                     : c->op == BITERN_OP_pack_t2_f32 ? 8.0 * (double)bitern_t2_words(c->n)
                     : c->op == BITERN_OP_quant_i8_f32 ? n
                                                       : 0;
        w.elements = n;
        w.bytes = 4 * n + out;
        w.mem = level_for(w.bytes);
        return w;
    }
    double wrow = (double)row_bytes(w_fmt(c), c->k), xrow = (double)row_bytes(x_fmt(c), c->k);
    switch (kd) {
    case BB_DOT:
        w.elements = w.macs = k;
        w.wbytes = wrow;
        w.bytes = wrow + xrow; // both operands stream through the cache once per call
        w.mem = level_for(w.bytes);
        break;
    case BB_GEMV:
        w.elements = w.macs = m * k;
        w.wbytes = w.bytes = m * wrow; // x stays in L1/L2 and is read once per row from there
        w.mem = c->stream ? BB_MEM_DRAM : level_for(w.bytes / c->threads);
        break;
    default:
        w.elements = m * k;
        w.macs = m * n * k;
        w.wbytes = m * wrow;
        w.mem = BB_MEM_COUNT; // reuse makes GEMM compute-bound: only the instruction ceiling applies
        break;
    }
    return w;
}

// ---- random fill (xorshift64*: fast enough to fill a gigabyte in well under a second) ----
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { return bitern_xorshift(&rng); }

// Canonical T2 pairs (sign only under the mask) are also valid B1 words: one fill serves both formats.
static void fill_bits(uint64_t *w, size_t words)
{
    for (size_t i = 0; i + 1 < words; i += 2) {
        w[i] = rnd();
        w[i + 1] = rnd() & w[i];
    }
    if (words & 1)
        w[words - 1] = rnd();
}

static void fill_i8(int8_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (int8_t)((int)(rnd() % 255) - 127);
}

// Floats in [-1, 1): never denormal, NaN or huge, which would take slow paths in OpenBLAS or the packers.
static void fill_f32(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(int32_t)(rnd() >> 40) * (1.0f / 8388608.0f);
}

// Zero padding past k in each row, as the formats require.
static void clear_padding(uint64_t *w, fmt f, size_t rows, size_t k)
{
    if (k % 64 == 0 || (f != F_B1 && f != F_T2))
        return;
    uint64_t keep = ((uint64_t)1 << (k % 64)) - 1;
    size_t words = row_bytes(f, k) / 8;
    for (size_t r = 0; r < rows; r++) {
        uint64_t *row = w + r * words;
        if (f == F_B1)
            row[words - 1] &= keep;
        else
            row[words - 2] &= keep, row[words - 1] &= keep;
    }
}

static void *alloc64(size_t bytes)
{
    return aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
}

// Random canonical T3 codes: every digit uniform in {0, 1, 2}, so a byte is uniform over the 243 codes. Padding
// is not made canonical (the kernels never look at its values); the streamed copies hold random bytes anyway.
static void fill_t3(uint8_t *p, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++) {
        unsigned v = (unsigned)(rnd() % 243);
        p[i] = (uint8_t)((256 * v + 242) / 243);
    }
}

static void fill_rows(void *p, fmt f, size_t rows, size_t k)
{
    size_t bytes = rows * row_bytes(f, k);
    if (f == F_T3)
        fill_t3(p, bytes);
    else if (f == F_I8)
        fill_i8(p, bytes);
    else if (f == F_F32)
        fill_f32(p, bytes / 4);
    else {
        fill_bits(p, bytes / 8);
        clear_padding(p, f, rows, k);
    }
}

// ---- the DRAM arena ----
static uint8_t *arena;
static size_t arena_bytes;
static int arena_is_f32;

void bb_arena_init(size_t bytes)
{
    free(arena);
    arena_bytes = bytes & ~(size_t)4095;
    arena = alloc64(arena_bytes);
    if (!arena) {
        fprintf(stderr, "bitern-bench: cannot allocate the %zu MiB DRAM arena\n", bytes >> 20);
        exit(2);
    }
    fill_bits((uint64_t *)arena, arena_bytes / 8);
    arena_is_f32 = 0;
}

size_t bb_arena_size(void) { return arena_bytes; }
const void *bb_arena_raw(void) { return arena; }

// ---- one case ----
struct bb_run {
    bb_case c;
    bb_kind kind;
    fmt wf, xf;
    size_t wrow;
    void *w, *x, *out;
    const uint8_t *stream_base;
    size_t stream_stride, copies, next;
    float thr, inv;
    bm_pool *pool;
};

bb_run *bb_run_new(const bb_case *c, char *err, size_t errlen)
{
    bb_run *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->c = *c;
    r->kind = bb_op_kind(c->op);
    r->wf = w_fmt(c);
    r->xf = x_fmt(c);
    size_t m = c->m, n = c->n, k = c->k;
    if (r->kind == BB_PACK) {
        r->x = alloc64(4 * n);
        r->out = alloc64(8 * bitern_t2_words(n) + n);
        if (!r->x || !r->out)
            goto oom;
        fill_f32(r->x, n);
        memset(r->out, 0, 8 * bitern_t2_words(n) + n);
        r->thr = 0.5f;
        r->inv = 127.0f;
        r->pool = bm_pool_new(1, BM_POOL_SPIN);
        return r;
    }
    size_t rows_w = r->kind == BB_DOT ? 1 : m, rows_x = r->kind == BB_GEMM ? n : 1;
    size_t outs = r->kind == BB_DOT ? 1 : r->kind == BB_GEMV ? m : m * n;
    r->wrow = row_bytes(r->wf, k);
    r->x = alloc64(rows_x * row_bytes(r->xf, k));
    r->out = alloc64(outs * 4);
    if (!r->x || !r->out)
        goto oom;
    fill_rows(r->x, r->xf, rows_x, k);
    memset(r->out, 0, outs * 4);
    size_t wbytes = rows_w * r->wrow;
    if (c->stream) {
        if (k % 64) {
            snprintf(err, errlen, "streamed cases need k %% 64 == 0");
            goto fail;
        }
        r->stream_stride = (wbytes + 4095) / 4096 * 4096;
        r->copies = arena_bytes / r->stream_stride;
        if (r->copies < 2) {
            snprintf(err, errlen, "DRAM arena (%zu MiB) too small for 2 copies of the weights", arena_bytes >> 20);
            goto fail;
        }
        int want_f32 = r->wf == F_F32;
        if (want_f32 != arena_is_f32) { // the two fills alternate only when a filter interleaves them
            if (want_f32)
                fill_f32((float *)arena, arena_bytes / 4);
            else
                fill_bits((uint64_t *)arena, arena_bytes / 8);
            arena_is_f32 = want_f32;
        }
        r->stream_base = arena;
    } else {
        r->w = alloc64(wbytes);
        if (!r->w)
            goto oom;
        fill_rows(r->w, r->wf, rows_w, k);
    }
#if defined(BITERN_BENCH_OPENBLAS)
    if (!c->v)
        openblas_set_num_threads(c->threads); // OpenBLAS runs its own threads; ours stay idle
#endif
    r->pool = bm_pool_new(c->v ? c->threads : 1, BM_POOL_SPIN);
    if (!r->pool)
        goto oom;
    return r;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    bb_run_free(r);
    return NULL;
}

void bb_run_free(bb_run *r)
{
    if (!r)
        return;
#if defined(BITERN_BENCH_OPENBLAS)
    if (!r->c.v)
        openblas_set_num_threads(1);
#endif
    bm_pool_free(r->pool);
    free(r->w);
    free(r->x);
    free(r->out);
    free(r);
}

typedef struct {
    bb_run *r;
    const uint8_t *w;
} call_arg;

static void mat_task(void *arg, int tid, int nt)
{
    const call_arg *a = arg;
    const bb_run *r = a->r;
    const bitern_variant *v = r->c.v;
    size_t r0, r1, n = r->c.n, k = r->c.k;
    bb_split_rows(r->c.m, tid, nt, &r0, &r1);
    if (r1 <= r0)
        return;
    const void *w = a->w + r0 * r->wrow;
    int i8 = r->xf == F_I8;
    if (r->kind == BB_GEMV) {
        int32_t *y = (int32_t *)r->out + r0;
        if (i8)
            ((bitern_gemv_i8_fn *)v->fn)(w, r->x, y, r1 - r0, k);
        else
            ((bitern_gemv_bits_fn *)v->fn)(w, r->x, y, r1 - r0, k);
    } else {
        int32_t *c = (int32_t *)r->out + r0 * n;
        if (i8)
            ((bitern_gemm_i8_fn *)v->fn)(w, r->x, c, r1 - r0, n, k);
        else
            ((bitern_gemm_bits_fn *)v->fn)(w, r->x, c, r1 - r0, n, k);
    }
}

static void call_pack(bb_run *r)
{
    const bitern_variant *v = r->c.v;
    size_t n = r->c.n;
    switch (r->c.op) {
    case BITERN_OP_pack_b1_f32: ((bitern_pack_b1_f32_fn *)v->fn)(r->x, n, r->out); break;
    case BITERN_OP_pack_t2_f32: ((bitern_pack_t2_f32_fn *)v->fn)(r->x, n, r->thr, r->out); break;
    case BITERN_OP_absmax_f32: *(uint32_t *)r->out = ((bitern_absmax_f32_fn *)v->fn)(r->x, n); break;
    default: ((bitern_quant_i8_f32_fn *)v->fn)(r->x, n, r->inv, r->out); break;
    }
}

void bb_run_call(bb_run *r)
{
    const uint8_t *w = r->w;
    if (r->stream_base) {
        w = r->stream_base + r->next * r->stream_stride;
        r->next = r->next + 1 == r->copies ? 0 : r->next + 1;
    }
    const bitern_variant *v = r->c.v;
    if (!v) {
#if defined(BITERN_BENCH_OPENBLAS)
        int m = (int)r->c.m, n = (int)r->c.n, k = (int)r->c.k;
        if (r->kind == BB_GEMV)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, m, k, 1.0f, (const float *)w, k, r->x, 1, 0.0f, r->out, 1);
        else // C = W . X^T, the layout of bitern's gemm
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, (const float *)w, k, r->x, k, 0.0f,
                        r->out, n);
#endif
        return;
    }
    switch (r->kind) {
    case BB_PACK: call_pack(r); break;
    case BB_DOT: {
        int32_t d = r->xf == F_I8 ? ((bitern_dot_i8_fn *)v->fn)((const uint64_t *)w, r->x, r->c.k)
                                  : ((bitern_dot_bits_fn *)v->fn)((const uint64_t *)w, r->x, r->c.k);
        *(volatile int32_t *)r->out = d;
        break;
    }
    default: {
        call_arg a = { r, w };
        bm_pool_run(r->pool, mat_task, &a);
        break;
    }
    }
}

// ---- OpenBLAS ----
int bb_have_openblas(void)
{
#if defined(BITERN_BENCH_OPENBLAS)
    return 1;
#else
    return 0;
#endif
}

const char *bb_openblas_corename(void)
{
#if defined(BITERN_BENCH_OPENBLAS)
    return openblas_get_corename();
#else
    return "none";
#endif
}

const char *bb_openblas_config(void)
{
#if defined(BITERN_BENCH_OPENBLAS)
    return openblas_get_config();
#else
    return "none";
#endif
}
