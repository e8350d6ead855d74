/* SPDX-License-Identifier: MIT */
/* Running compiled ops: the GEMM ops on the dispatched bitern kernels (or be_fgemm for float layers), the
 * float glue ops, and the threads that split a batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "engine/engine_internal.h"
#include "model/util.h"

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

/* Output pixels per patch tile of a quantized conv: about 32 KiB of int8 patches, built just before the GEMM
 * reads them (a whole P x K copy of a CIFAR-10 map is hundreds of KiB: out of L1 and L2 before it is read). */
static size_t conv_tile(const be_op *o)
{
    size_t t = 32768 / (o->fan_in ? o->fan_in : 1);
    t = t < 8 ? 8 : t;
    return t < o->P ? t : o->P;
}

/* ---- scratch ---- */

static void ws_release(be_ws *w)
{
    free(w->a);
    free(w->b);
    free(w->q);
    free(w->qh);
    free(w->patch);
    free(w->packed);
    free(w->acc);
    free(w->col);
    free(w->xs);
    free(w->saved);
    free(w->sec);
    memset(w, 0, sizeof *w);
}

void be_ws_free(bte_engine *e)
{
    for (int t = 0; t < e->n_ws; t++)
        ws_release(&e->ws[t]);
    free(e->ws);
    e->ws = NULL;
    e->n_ws = 0;
}

static int ws_alloc(const bte_engine *e, be_ws *w)
{
    size_t S = (size_t)e->step, act = e->in_size, q = 0, patch = 0, packed = 0, acc = 0, col = 0;
    for (int i = 0; i < e->n_ops; i++) {
        const be_op *o = &e->ops[i];
        act = max_sz(act, max_sz(o->in_size, o->out_size));
        if (o->kind != OP_GEMM)
            continue;
        size_t M = (size_t)o->out_c, K = o->fan_in;
        if (o->xk == XK_F32) {
            if (o->conv)
                col = max_sz(col, K * be_fgemm_pad(o->P));
            continue;
        }
        if (o->conv) {
            size_t T = conv_tile(o);
            q = max_sz(q, o->in_size);
            patch = max_sz(patch, T * K);
            if (o->xk != XK_I8)
                packed = max_sz(packed, T * o->xrw);
            acc = max_sz(acc, M * T);
        } else {
            q = max_sz(q, S * K);
            if (o->xk != XK_I8)
                packed = max_sz(packed, S * o->xrw);
            acc = max_sz(acc, M * S);
        }
    }
    w->a = calloc(act * S, sizeof(float));
    w->b = calloc(act * S, sizeof(float));
    w->q = calloc(q + COPY_SLACK, 1);
    w->qh = calloc(q + COPY_SLACK, 1);
    w->patch = calloc(patch + COPY_SLACK, 1);
    w->packed = calloc(packed + 1, sizeof(uint64_t));
    w->acc = calloc(acc + 1, sizeof(int32_t));
    w->col = calloc(col + 1, sizeof(float));
    w->xs = calloc(S, sizeof(float));
    w->saved = calloc(S * e->saved_size + 1, sizeof(float));
    w->sec = calloc(2 * (size_t)e->n_ops, sizeof(double));   /* per op: the op, then its GEMM call */
    if (!w->a || !w->b || !w->q || !w->qh || !w->patch || !w->packed || !w->acc || !w->col || !w->xs || !w->saved ||
        !w->sec) {
        ws_release(w);
        return be_fail("out of memory for the engine's scratch");
    }
    return 0;
}

static int ws_ensure(bte_engine *e, int threads)
{
    if (e->ws && e->ws_step == e->step && e->n_ws >= threads)
        return 0;
    be_ws_free(e);
    e->ws = calloc((size_t)threads, sizeof(be_ws));
    if (!e->ws)
        return be_fail("out of memory");
    e->n_ws = threads;
    e->ws_step = e->step;
    for (int t = 0; t < threads; t++)
        if (ws_alloc(e, &e->ws[t]) < 0) {
            be_ws_free(e);
            return -1;
        }
    return 0;
}

/* ---- GEMM ops ---- */

/* acc[r * n + j] = dot(weight row r, activation row j), for the op's weight rows [r0, r0 + M). */
static void kernel_call(const be_op *o, const bitern_kernels *kt, size_t r0, size_t M, const void *x, int32_t *acc,
                        size_t n)
{
    size_t K = o->fan_in;
    const uint64_t *wp = o->wp + r0 * o->rw;
    const int8_t *xi = x;
    const uint64_t *xb = x;
    switch (o->xk) {
    case XK_I8:
        if (o->wk == WK_B1)
            n == 1 ? kt->gemv_b1i8(wp, xi, acc, M, K) : kt->gemm_b1i8(wp, xi, acc, M, n, K);
        else
            n == 1 ? kt->gemv_t2i8(wp, xi, acc, M, K) : kt->gemm_t2i8(wp, xi, acc, M, n, K);
        break;
    case XK_B1:
        if (o->wk == WK_B1)
            n == 1 ? kt->gemv_b1b1(wp, xb, acc, M, K) : kt->gemm_b1b1(wp, xb, acc, M, n, K);
        else
            n == 1 ? kt->gemv_t2b1(wp, xb, acc, M, K) : kt->gemm_t2b1(wp, xb, acc, M, n, K);
        break;
    case XK_T2:
        n == 1 ? kt->gemv_t2t2(wp, xb, acc, M, K) : kt->gemm_t2t2(wp, xb, acc, M, n, K);
        break;
    default:
        break;
    }
}

/* relu is applied inside the epilogue loops; the other fused activations in a pass over the op's output. */
static inline float act_relu(float v, int relu) { return relu && !(v > 0.0f) ? 0.0f : v; }

static int post_act(const be_op *o) { return o->act && o->act != BM_RELU; }

/* One GEMM op on nb examples, split over T threads: the input is prepared once (quantized, packed, patched) in
 * the first thread's scratch, then each thread computes its share of the outputs (dense and float conv:
 * output channels; quantized conv: patch tiles, each built in the thread's own scratch). Every output is
 * computed by the same arithmetic whichever thread does it, so the split never changes a value. */
typedef struct gemm_job {
    const bte_engine *e;
    const be_op *o;
    int op;                     /* index of o */
    const bitern_kernels *kt;
    be_fgemm_fn *fgemm;
    be_ws *ws;                  /* every thread's scratch; ws[0] holds the prepared input */
    const float *in;            /* dense: the nb input rows; conv: unused */
    float *out;                 /* dense: nb x M; conv: one example's M x P map */
    int nb, T;
    float xs;                   /* conv: the example's input scale */
} gemm_job;

/* Runs part(g, t) on the threads, or on the caller alone when the op is small. */
static void run_parts(gemm_job *g, bm_pool *pool, bm_pool_fn *part)
{
    const be_op *o = g->o;
    double macs = (double)o->out_c * (double)o->fan_in * (double)o->P * (o->conv ? 1 : g->nb);
    if (g->T == 1 || macs < (double)g->e->share_min) {
        gemm_job one = *g;
        one.T = 1;
        part(&one, 0, 1);
        return;
    }
    bm_pool_run(pool, part, g);
}

/* [lo, hi) of n items for part t of T, boundaries at multiples of `align`. */
static void part_range(size_t n, int t, int T, size_t align, size_t *lo, size_t *hi)
{
    size_t units = (n + align - 1) / align;
    size_t a = units * (size_t)t / (size_t)T, b = units * (size_t)(t + 1) / (size_t)T;
    *lo = a * align < n ? a * align : n;
    *hi = b * align < n ? b * align : n;
}

static void dense_part(void *arg, int t, int n_threads)
{
    const gemm_job *g = arg;
    const be_op *o = g->o;
    be_ws *w = &g->ws[t];
    double *ksec = &w->sec[g->e->n_ops + g->op];
    size_t M = (size_t)o->out_c, K = o->fan_in, r0, r1;
    int relu = o->act == BM_RELU, nb = g->nb;
    /* float: be_fgemm reads B (the transposed weights) padded past each part's columns: parts start at
     * multiples of the padding */
    part_range(M, t, g->T, o->xk == XK_F32 ? BE_FGEMM_PAD : 1, &r0, &r1);
    if (r0 == r1)
        return;
    double t0 = bm_now();
    if (o->xk == XK_F32) {
        g->fgemm(g->in, K, o->wf + r0, o->ldw, g->out + r0, M, (size_t)nb, r1 - r0, K);
        *ksec += bm_now() - t0;
        for (int j = 0; j < nb; j++)
            for (size_t r = r0; r < r1; r++) {
                float *y = g->out + (size_t)j * M + r;
                *y = act_relu(*y * o->mul[r] + o->add[r], relu);
            }
    } else {
        const be_ws *w0 = &g->ws[0];
        const void *x = o->xk == XK_I8 ? (const void *)w0->q : (const void *)w0->packed;
        int32_t *acc = w->acc;   /* the thread's own: rows r0 .. r1-1 */
        kernel_call(o, g->kt, r0, r1 - r0, x, acc, (size_t)nb);
        *ksec += bm_now() - t0;
        for (int j = 0; j < nb; j++) {
            float xs = w0->xs[j];
            for (size_t r = r0; r < r1; r++)
                g->out[(size_t)j * M + r] =
                    act_relu((float)acc[(r - r0) * nb + j] * (xs * o->mul[r]) + o->add[r], relu);
        }
    }
    if (post_act(o))
        for (int j = 0; j < nb; j++)
            bm_act_apply(o->act, g->out + (size_t)j * M + r0, g->out + (size_t)j * M + r0, r1 - r0);
}

static int dense_op(gemm_job *g, bm_pool *pool)
{
    const be_op *o = g->o;
    be_ws *w = &g->ws[0];
    size_t K = o->fan_in;
    if (o->xk != XK_F32)
        for (int j = 0; j < g->nb; j++) {
            const float *xj = g->in + (size_t)j * K;
            if (o->xk == XK_I8) {
                if (bitern_quantize_i8(xj, K, w->q + (size_t)j * K, &w->xs[j]) != BITERN_OK)
                    return be_fail("%s: input activations are not finite", o->name);
            } else {
                /* the inputs are outputs of sign/tern ops: exactly -1, 0 or +1 */
                if (o->xk == XK_B1)
                    g->kt->pack_b1_f32(xj, K, w->packed + (size_t)j * o->xrw);
                else
                    g->kt->pack_t2_f32(xj, K, 0.5f, w->packed + (size_t)j * o->xrw);
                w->xs[j] = 1.0f;
            }
        }
    run_parts(g, pool, dense_part);
    return 0;
}

static void conv_part(void *arg, int t, int n_threads)
{
    const gemm_job *g = arg;
    const be_op *o = g->o;
    be_ws *w = &g->ws[t];
    const be_ws *w0 = &g->ws[0];
    double *ksec = &w->sec[g->e->n_ops + g->op];
    size_t M = (size_t)o->out_c, K = o->fan_in, P = o->P;
    int relu = o->act == BM_RELU;
    float *y = g->out;
    if (o->xk == XK_F32) {
        size_t r0, r1;
        part_range(M, t, g->T, 1, &r0, &r1);
        if (r0 == r1)
            return;
        double t0 = bm_now();
        g->fgemm(o->wf + r0 * K, K, w0->col, be_fgemm_pad(P), y + r0 * P, P, r1 - r0, P, K);
        *ksec += bm_now() - t0;
        for (size_t r = r0; r < r1; r++)
            for (size_t p = 0; p < P; p++)
                y[r * P + p] = act_relu(y[r * P + p] * o->mul[r] + o->add[r], relu);
        if (post_act(o))
            bm_act_apply(o->act, y + r0 * P, y + r0 * P, (r1 - r0) * P);
        return;
    }
    /* Patch tiles round-robin over the threads; with fewer tiles than threads (LeNet's second conv is one tile)
     * every thread builds each tile and computes its own output channels of it instead. */
    size_t T = conv_tile(o), r0 = 0, r1 = M;
    int by_rows = (P + T - 1) / T < (size_t)g->T;
    if (by_rows)
        part_range(M, t, g->T, 1, &r0, &r1);
    if (r0 == r1)
        return;
    size_t first = by_rows ? 0 : (size_t)t * T, step = by_rows ? T : (size_t)g->T * T;
    for (size_t p0 = first; p0 < P; p0 += step) {
        size_t n = P - p0 < T ? P - p0 : T;
        be_im2row_i8(o, w0->qh, p0, n, w->patch);
        const void *xk = w->patch;
        if (o->xk != XK_I8) {
            for (size_t p = 0; p < n; p++)
                be_pack_row_i8(w->patch + p * K, K, w->packed + p * o->xrw, o->xk == XK_T2);
            xk = w->packed;
        }
        double t0 = bm_now();
        kernel_call(o, g->kt, r0, r1 - r0, xk, w->acc, n);
        *ksec += bm_now() - t0;
        for (size_t r = r0; r < r1; r++) {
            float f = g->xs * o->mul[r], a = o->add[r];
            const int32_t *acc = w->acc + (r - r0) * n;
            float *yr = y + r * P + p0;
            for (size_t p = 0; p < n; p++)
                yr[p] = act_relu((float)acc[p] * f + a, relu);
            if (post_act(o))
                bm_act_apply(o->act, yr, yr, n);
        }
    }
}

static int conv_op(gemm_job *g, bm_pool *pool, const float *in, float *out)
{
    const be_op *o = g->o;
    be_ws *w = &g->ws[0];
    for (int j = 0; j < g->nb; j++) {
        const float *x = in + (size_t)j * o->in_size;
        g->out = out + (size_t)j * o->out_size;
        g->xs = 1.0f;
        if (o->xk == XK_F32) {
            be_im2col_f32(o, x, w->col, be_fgemm_pad(o->P));
        } else {
            if (o->xk == XK_I8) {
                if (bitern_quantize_i8(x, o->in_size, w->q, &g->xs) != BITERN_OK)
                    return be_fail("%s: input activations are not finite", o->name);
            } else {
                for (size_t i = 0; i < o->in_size; i++)   /* exact: the values are -1, 0 or +1 */
                    w->q[i] = (int8_t)x[i];
            }
            be_to_hwc_i8(o, w->q, w->qh);
        }
        run_parts(g, pool, conv_part);
    }
    return 0;
}

/* ---- float glue ---- */

static void affine_op(const be_op *o, const float *in, float *out, int nb)
{
    size_t hw = (size_t)o->in_h * o->in_w;
    for (int j = 0; j < nb; j++)
        for (int c = 0; c < o->in_c; c++) {
            size_t base = (size_t)j * o->in_size + (size_t)c * hw;
            for (size_t i = 0; i < hw; i++)
                out[base + i] = in[base + i] * o->mul[c] + o->add[c];
        }
}

static inline float max2(float a, float b) { return b > a ? b : a; }   /* the first on ties, like the trainer */

/* One output row of a 2x2, stride-2 max pool: out[ow] = max2(max2(max2(r0[2ow], r0[2ow+1]), r1[2ow]), r1[2ow+1]).
 * Four outputs per step with SSE2, in the same order of the same comparisons: maxps(x, y) is x > y ? x : y, so
 * max2(a, b) is maxps(b, a), and ties (+0 against -0) resolve as in the scalar code. */
void be_pool2_row(const float *r0, const float *r1, float *out, int OW)
{
    int ow = 0;
#ifdef __SSE2__
    for (; ow + 4 <= OW; ow += 4) {
        __m128 a = _mm_loadu_ps(r0 + 2 * ow), b = _mm_loadu_ps(r0 + 2 * ow + 4);
        __m128 c = _mm_loadu_ps(r1 + 2 * ow), d = _mm_loadu_ps(r1 + 2 * ow + 4);
        __m128 e0 = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), o0 = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        __m128 e1 = _mm_shuffle_ps(c, d, _MM_SHUFFLE(2, 0, 2, 0)), o1 = _mm_shuffle_ps(c, d, _MM_SHUFFLE(3, 1, 3, 1));
        __m128 t = _mm_max_ps(o0, e0);
        t = _mm_max_ps(e1, t);
        t = _mm_max_ps(o1, t);
        _mm_storeu_ps(out + ow, t);
    }
#endif
    for (; ow < OW; ow++)
        out[ow] = max2(max2(max2(r0[2 * ow], r0[2 * ow + 1]), r1[2 * ow]), r1[2 * ow + 1]);
}

static void pool_op(const be_op *o, const float *x, float *y, int nb)
{
    int k = o->k, W = o->in_w, OH = o->out_h, OW = o->out_w;
    size_t planes = (size_t)nb * o->in_c, in_pl = (size_t)o->in_h * W, out_pl = (size_t)OH * OW;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * in_pl;
        float *yp = y + pl * out_pl;
        for (int oh = 0; oh < OH; oh++) {
            const float *r0 = xp + (size_t)(oh * k) * W;
            if (k == 2) {   /* the common case, without the generic loops */
                be_pool2_row(r0, r0 + W, yp + oh * OW, OW);
                continue;
            }
            for (int ow = 0; ow < OW; ow++) {
                float best = r0[ow * k];
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++)
                        best = max2(best, r0[(size_t)i * W + ow * k + j]);
                yp[oh * OW + ow] = best;
            }
        }
    }
}

/* ---- residual blocks and global average pooling: the trainer's arithmetic (train/layer_res.c) ---- */

static void add_op(const be_op *o, const float *x, const float *saved, float *y, int nb)
{
    size_t C = (size_t)o->out_c, H = (size_t)o->out_h, W = (size_t)o->out_w, S = (size_t)o->sub;
    size_t MC = (size_t)o->mark_c, MH = (size_t)o->mark_h, MW = (size_t)o->mark_w;
    for (int j = 0; j < nb; j++) {
        const float *xj = x + (size_t)j * C * H * W, *sj = saved + (size_t)j * MC * MH * MW;
        float *yj = y + (size_t)j * C * H * W;
        for (size_t c = 0; c < C; c++)
            for (size_t h = 0; h < H; h++)
                for (size_t w = 0; w < W; w++) {
                    size_t i = (c * H + h) * W + w;
                    yj[i] = c < MC ? xj[i] + sj[(c * MH + h * S) * MW + w * S] : xj[i];
                }
    }
}

static void gap_op(const be_op *o, const float *x, float *y, int nb)
{
    size_t C = (size_t)o->in_c, P = (size_t)o->in_h * o->in_w;
    for (int j = 0; j < nb; j++)
        for (size_t c = 0; c < C; c++) {
            const float *p = x + ((size_t)j * C + c) * P;
            float s = 0.0f;
            for (size_t i = 0; i < P; i++)
                s += p[i];
            y[(size_t)j * C + c] = s / (float)P;
        }
}

/* ---- driving ---- */

/* n examples through every op, in steps of e->step. ws: the scratch of the threads that share each op (T of
 * them, ws[0] the caller's; T = 1 when threads split the batch instead). */
static int run_chunk(const bte_engine *e, be_ws *ws, int T, bm_pool *pool, const float *x, int n, float *logits)
{
    const bitern_kernels *kt = bitern_get_kernels();
    if (!kt)
        return be_fail("bitern: %s", bitern_last_error());
    be_ws *w = &ws[0];
    gemm_job g = {.e = e, .kt = kt, .fgemm = be_fgemm_pick(), .ws = ws, .T = T};
    size_t nc = e->out_size;
    for (int s = 0; s < n; s += e->step) {
        int nb = n - s < e->step ? n - s : e->step;
        const float *cur = x + (size_t)s * e->in_size;
        float *bufs[2] = {w->a, w->b};
        int which = 0;
        for (int i = 0; i < e->n_ops; i++) {
            const be_op *o = &e->ops[i];
            float *dst = bufs[which];
            double t0 = bm_now();
            int rc = 0;
            g.o = o;
            g.op = i;
            g.nb = nb;
            switch (o->kind) {
            case OP_GEMM:
                if (o->conv) {
                    rc = conv_op(&g, pool, cur, dst);
                } else {
                    g.in = cur;
                    g.out = dst;
                    rc = dense_op(&g, pool);
                }
                break;
            case OP_AFFINE: affine_op(o, cur, dst, nb); break;
            case OP_ACT: bm_act_apply(o->act, cur, dst, (size_t)nb * o->in_size); break;
            case OP_POOL: pool_op(o, cur, dst, nb); break;
            case OP_MARK:   /* kept for its add; the activation flows on unchanged */
                memcpy(w->saved + (size_t)e->step * o->save_off, cur, (size_t)nb * o->in_size * sizeof(float));
                dst = (float *)cur;
                break;
            case OP_ADD: add_op(o, cur, w->saved + (size_t)e->step * o->save_off, dst, nb); break;
            case OP_GAP: gap_op(o, cur, dst, nb); break;
            }
            w->sec[i] += bm_now() - t0;
            if (rc < 0)
                return -1;
            if (dst != cur)
                which ^= 1;
            cur = dst;
        }
        memcpy(logits + (size_t)s * nc, cur, (size_t)nb * nc * sizeof(float));
    }
    return 0;
}

typedef struct batch_part {
    const bte_engine *e;
    const float *x;
    float *logits;
    int n, rc;
    char err[512];
} batch_part;

typedef struct batch_job {
    bte_engine *e;
    batch_part *parts;
    int n_parts, pool_n;
} batch_job;

/* Pool thread t runs the batch parts t, t + pool_n, ... (all of them when the pool has fewer threads than
 * asked), each on its own scratch. */
static void batch_worker(void *arg, int t, int n_threads)
{
    batch_job *b = arg;
    for (int k = t; k < b->n_parts; k += b->pool_n) {
        batch_part *p = &b->parts[k];
        p->rc = run_chunk(p->e, &b->e->ws[k], 1, NULL, p->x, p->n, p->logits);
        if (p->rc < 0)
            snprintf(p->err, sizeof p->err, "%s", bte_error());
    }
}

static int pool_ensure(bte_engine *e, int threads)
{
    if (threads == 1 || (e->pool && e->pool_threads == threads))
        return 0;
    bm_pool_free(e->pool);
    e->pool = bm_pool_new(threads, BM_POOL_SLEEP);
    e->pool_threads = threads;
    return e->pool ? 0 : be_fail("out of memory for the engine's threads");
}

int bte_forward(bte_engine *e, const float *x, int n, float *logits)
{
    if (n <= 0)
        return n == 0 ? 0 : be_fail("negative batch size");
    if (!x || !logits)
        return be_fail("NULL input or output");
    int T = e->threads;
    if (ws_ensure(e, T) < 0 || pool_ensure(e, T) < 0)
        return -1;
    int rc = 0;
    if (T > 1 && n < T) {
        /* fewer examples than threads (batch 1): the threads share each op instead of the batch */
        rc = run_chunk(e, e->ws, bm_pool_size(e->pool), e->pool, x, n, logits);
    } else {
        batch_part parts[T];
        int per = n / T, extra = n % T, off = 0;
        for (int t = 0; t < T; t++) {
            int cnt = per + (t < extra);
            parts[t] = (batch_part){.e = e, .x = x + (size_t)off * e->in_size,
                                    .logits = logits + (size_t)off * e->out_size, .n = cnt};
            off += cnt;
        }
        batch_job b = {e, parts, T, bm_pool_size(e->pool)};
        T == 1 ? batch_worker(&b, 0, 1) : bm_pool_run(e->pool, batch_worker, &b);
        for (int t = 0; t < T && rc == 0; t++)
            if (parts[t].rc < 0)
                rc = be_fail("%s", parts[t].err);
    }
    for (int t = 0; t < T; t++)
        for (int i = 0; i < 2 * e->n_ops; i++) {
            e->sec[i] += e->ws[t].sec[i];
            e->ws[t].sec[i] = 0.0;
        }
    return rc;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The GEMM of op i alone, on one example's shape, with whatever the scratch holds (the kernels' time does not
 * depend on the values): what bitern-bench would measure for this layer, caches warm. */
double bte_op_kernel_bench(bte_engine *e, int i, int reps)
{
    const be_op *o = &e->ops[i];
    const bitern_kernels *kt = bitern_get_kernels();
    if (o->kind != OP_GEMM || !kt || reps < 1 || ws_ensure(e, 1) < 0)
        return 0.0;
    be_ws *w = &e->ws[0];
    be_fgemm_fn *fgemm = be_fgemm_pick();
    size_t M = (size_t)o->out_c, K = o->fan_in, P = o->P, n = o->conv ? P : 1;
    if (o->conv && o->xk != XK_F32)   /* the tile the op runs at a time, as often as the op does */
        n = conv_tile(o);
    int calls = o->conv && o->xk != XK_F32 ? (int)((P + n - 1) / n) : 1;
    const void *x = o->xk == XK_I8 ? (const void *)(o->conv ? w->patch : w->q) : (const void *)w->packed;
    double *t = malloc((size_t)reps * sizeof(double));
    if (!t)
        return 0.0;
    for (int r = -reps / 10 - 1; r < reps; r++) {   /* the first calls warm up */
        double t0 = bm_now();
        if (o->xk == XK_F32 && o->conv)
            fgemm(o->wf, K, w->col, be_fgemm_pad(P), w->a, P, M, P, K);
        else if (o->xk == XK_F32)
            fgemm(w->a, K, o->wf, o->ldw, w->b, M, 1, M, K);
        else
            for (int c = 0; c < calls; c++)
                kernel_call(o, kt, 0, M, x, w->acc, c == calls - 1 && P % n ? P % n : n);
        if (r >= 0)
            t[r] = bm_now() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp_d);
    double med = t[reps / 2];
    free(t);
    return med;
}
