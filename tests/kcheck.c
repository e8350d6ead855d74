/* SPDX-License-Identifier: MIT */
/*
 * kcheck: every kernel variant this CPU can run, checked exactly against the scalar reference, in the spirit of
 * dav1d's checkasm. With --bench it times each variant against the reference instead.
 *
 * What it checks, for each runnable variant of each op:
 *   - every length 0 .. 8193 (4 x 512-bit vector x unroll 4 + 1) and random lengths up to 65536;
 *   - buffers that end right at a PROT_NONE guard page (an over-read faults) and buffers at unaligned offsets
 *     (any byte for int8, any 8 bytes for packed words), with a canary after outputs to catch over-writes;
 *   - all-zero, all-one, alternating and random bit patterns, and int8 extremes (+-127);
 *   - k = BITERN_MAX_K = 2^24 with the values that push every accumulator to its bound;
 *   - that the dispatch table, at each ISA level the CPU supports, holds the variant the cascade must pick.
 * On the first failure it prints the seed, the op, the variant and the case, and exits 1.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* ---- random numbers (xorshift64*: fast, and reproducible from the printed seed) ---- */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static size_t rnd_below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

/* ---- guarded pools: one mapping per buffer role, with an inaccessible page right after it ---- */
typedef struct {
    uint8_t *base;
    size_t size; /* usable bytes before the guard page */
} pool;

static pool pool_new(size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    size = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
    uint8_t *p = mmap(NULL, size + (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p + size, (size_t)page, PROT_NONE)) {
        perror("kcheck: mmap");
        exit(2);
    }
    return (pool){ p, size };
}

/* Where a case puts its buffer: against the guard page, or at an offset from an aligned start. */
typedef enum { AT_GUARD, AT_OFFSET } placement;

/* `bytes` of buffer in `p`; `unit` is the alignment the format needs (8 for words, 1 for int8). */
static void *place(const pool *p, size_t bytes, size_t unit, placement where, size_t *offset_out)
{
    if (bytes > p->size) {
        fprintf(stderr, "kcheck: internal error: buffer of %zu bytes exceeds its pool\n", bytes);
        exit(2);
    }
    if (where == AT_GUARD) {
        *offset_out = (p->size - bytes) & 63;
        return p->base + p->size - bytes;
    }
    size_t off = rnd_below(64 / unit) * unit;
    if (off + bytes > p->size)
        off = 0;
    *offset_out = off;
    return p->base + off;
}

/* ---- operand formats ---- */
typedef enum { FMT_B1, FMT_T2, FMT_I8, FMT_T3 } fmt;
typedef enum { PAT_RANDOM, PAT_ZERO, PAT_ONES, PAT_ALT, PAT_SPARSE, PAT_COUNT } pattern;
static const char *const pattern_names[] = { "random", "all-zero", "all-one", "alternating", "sparse" };

static size_t fmt_bytes(fmt f, size_t k)
{
    return f == FMT_I8   ? k
           : f == FMT_T3 ? 8 * bitern_t3_words(k)
                         : 8 * (f == FMT_B1 ? bitern_b1_words(k) : bitern_t2_words(k));
}

static uint64_t pattern_word(pattern pat)
{
    switch (pat) {
    case PAT_ZERO: return 0;
    case PAT_ONES: return ~(uint64_t)0;
    case PAT_ALT: return 0x5555555555555555ULL;
    case PAT_SPARSE: return rnd() & rnd() & rnd();
    default: return rnd();
    }
}

static uint64_t tail_mask(size_t k, size_t word)
{
    size_t valid = k - word * 64;
    return valid >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << valid) - 1);
}

/* T3 digits (w + 1) of a pattern: all-zero is w = 0, all-one w = -1 (as T2's all-one), alternating +1/-1. */
static int t3_digit(pattern pat, size_t i)
{
    switch (pat) {
    case PAT_ZERO: return 1;
    case PAT_ONES: return 0;
    case PAT_ALT: return (i & 1) ? 0 : 2;
    case PAT_SPARSE: return (rnd() & 7) ? 1 : (int)rnd_below(3);
    default: return (int)rnd_below(3);
    }
}

/* W all +1 (digit 2): with x = +127 the kernels' sums of (w + 1) x reach 254 * k, past 2^31 at k = 2^24. */
#define T3_ALL_PLUS ((pattern)PAT_COUNT)

static void fill_t3(uint8_t *bytes, size_t k, pattern pat)
{
    for (size_t b = 0; b < bitern_t3_words(k) / 8; b++)
        for (size_t i = 0; i < 64; i++) {
            int d[5];
            for (size_t j = 0; j < 5; j++) {
                size_t e = BITERN_T3_BLOCK * b + 64 * j + i;
                d[j] = e >= k ? 1 : pat == T3_ALL_PLUS ? 2 : t3_digit(pat, e);
            }
            bytes[64 * b + i] = bitern_t3_code(d);
        }
}

/* Fills a row of k elements in format f, canonical (zero padding, sign only under the mask). */
static void fill(void *buf, fmt f, size_t k, pattern pat)
{
    if (f == FMT_T3) {
        fill_t3(buf, k, pat);
        return;
    }
    if (f == FMT_I8) {
        int8_t *x = buf;
        for (size_t i = 0; i < k; i++) {
            switch (pat) {
            case PAT_ZERO: x[i] = 0; break;
            case PAT_ONES: x[i] = 127; break;
            case PAT_ALT: x[i] = (i & 1) ? -127 : 127; break;
            case PAT_SPARSE: x[i] = (rnd() & 7) ? 0 : (int8_t)((int)rnd_below(255) - 127); break;
            default: x[i] = (int8_t)((int)rnd_below(255) - 127); break;
            }
        }
        return;
    }
    uint64_t *w = buf;
    size_t words = bitern_b1_words(k);
    for (size_t b = 0; b < words; b++) {
        uint64_t keep = tail_mask(k, b);
        if (f == FMT_B1) {
            w[b] = pattern_word(pat) & keep;
        } else {
            uint64_t nz = pattern_word(pat) & keep;
            uint64_t sign = (pat == PAT_ALT ? 0x3333333333333333ULL : pat == PAT_ONES ? ~(uint64_t)0 : rnd());
            w[2 * b] = nz;
            w[2 * b + 1] = sign & nz;
        }
    }
}

/* ---- failures ---- */
static uint64_t seed;
static int verbose;
static unsigned long n_checked;

static void fail(const bitern_variant *v, const char *fmtstr, ...) __attribute__((format(printf, 2, 3), noreturn));
static void fail(const bitern_variant *v, const char *fmtstr, ...)
{
    va_list ap;
    fprintf(stderr, "kcheck: FAIL %s %s (seed %" PRIu64 "): ", bitern_op_name(v->op), v->name, seed);
    va_start(ap, fmtstr);
    vfprintf(stderr, fmtstr, ap);
    va_end(ap);
    fprintf(stderr, "\nrerun: kcheck --seed %" PRIu64 " --op %s\n", seed, bitern_op_name(v->op));
    exit(1);
}

/* ---- one case of each kind ---- */
typedef struct {
    pool w, x, out;
    int32_t *ref;
    size_t ref_cap;
} bufs;

/* The operand formats and the kind of an op, from its row of BITERN_OP_LIST. */
static fmt fmt_of(bitern_fmt f)
{
    return f == BITERN_FMT_t3 ? FMT_T3 : f == BITERN_FMT_t2 ? FMT_T2 : f == BITERN_FMT_i8 ? FMT_I8 : FMT_B1;
}
static fmt w_fmt(bitern_op op) { return fmt_of(bitern_op_info_of(op).w); }
static fmt x_fmt(bitern_op op) { return fmt_of(bitern_op_info_of(op).x); }

typedef enum { KIND_DOT, KIND_GEMV, KIND_GEMM, KIND_PACK_B1, KIND_PACK_T2, KIND_ABSMAX, KIND_QUANT } kind;
static kind op_kind(bitern_op op)
{
    switch (bitern_op_info_of(op).kind) {
    case BITERN_KIND_dot_bits:
    case BITERN_KIND_dot_i8: return KIND_DOT;
    case BITERN_KIND_gemv_bits:
    case BITERN_KIND_gemv_i8: return KIND_GEMV;
    case BITERN_KIND_gemm_bits:
    case BITERN_KIND_gemm_i8: return KIND_GEMM;
    case BITERN_KIND_pack_b1_f32: return KIND_PACK_B1;
    case BITERN_KIND_pack_t2_f32: return KIND_PACK_T2;
    case BITERN_KIND_absmax_f32: return KIND_ABSMAX;
    default: return KIND_QUANT;
    }
}

/* Calls any dot/gemv/gemm through its typed pointer: m = n = 1 is a dot. */
static void call_mat(const bitern_variant *v, const void *w, const void *x, int32_t *c, size_t m, size_t n,
                     size_t k)
{
    int i8 = x_fmt(v->op) == FMT_I8;
    switch (op_kind(v->op)) {
    case KIND_DOT:
        c[0] = i8 ? ((bitern_dot_i8_fn *)v->fn)(w, x, k) : ((bitern_dot_bits_fn *)v->fn)(w, x, k);
        break;
    case KIND_GEMV:
        if (i8)
            ((bitern_gemv_i8_fn *)v->fn)(w, x, c, m, k);
        else
            ((bitern_gemv_bits_fn *)v->fn)(w, x, c, m, k);
        break;
    default:
        if (i8)
            ((bitern_gemm_i8_fn *)v->fn)(w, x, c, m, n, k);
        else
            ((bitern_gemm_bits_fn *)v->fn)(w, x, c, m, n, k);
        break;
    }
}

#define CANARY 0x5a5a5a5a

/* One dot/gemv/gemm case: W is m rows, X is n rows (1 for dot and gemv), output m*n int32. */
static void check_mat(const bitern_variant *v, const bitern_variant *ref, bufs *b, size_t m, size_t n, size_t k,
                      pattern pw, pattern px, placement where)
{
    fmt fw = w_fmt(v->op), fx = x_fmt(v->op);
    size_t wrow = fmt_bytes(fw, k), xrow = fmt_bytes(fx, k);
    size_t woff, xoff, ooff;
    uint8_t *w = place(&b->w, m * wrow, fw == FMT_I8 ? 1 : 8, where, &woff);
    uint8_t *x = place(&b->x, n * xrow, fx == FMT_I8 ? 1 : 8, where, &xoff);
    for (size_t r = 0; r < m; r++)
        fill(w + r * wrow, fw, k, pw);
    for (size_t j = 0; j < n; j++)
        fill(x + j * xrow, fx, k, px);

    size_t outs = m * n, extra = where == AT_OFFSET ? 4 : 0;
    int32_t *out = place(&b->out, (outs + extra) * 4, 4, where, &ooff);
    for (size_t i = 0; i < outs + extra; i++)
        out[i] = CANARY;
    if (outs > b->ref_cap) {
        free(b->ref);
        b->ref_cap = outs * 2;
        b->ref = malloc(b->ref_cap * sizeof *b->ref);
        if (!b->ref) {
            fprintf(stderr, "kcheck: out of memory\n");
            exit(2);
        }
    }
    call_mat(ref, w, x, b->ref, m, n, k);
    call_mat(v, w, x, out, m, n, k);
    n_checked++;
    for (size_t i = 0; i < outs; i++)
        if (out[i] != b->ref[i])
            fail(v,
                 "m=%zu n=%zu k=%zu W=%s X=%s %s (offsets w=%zu x=%zu out=%zu): element [%zu][%zu] is %" PRId32
                 ", reference %" PRId32,
                 m, n, k, pw < PAT_COUNT ? pattern_names[pw] : "all +1", pattern_names[px], where == AT_GUARD ? "at guard page" : "offset",
                 woff, xoff, ooff, i / n, i % n, out[i], b->ref[i]);
    for (size_t i = outs; i < outs + extra; i++)
        if (out[i] != CANARY)
            fail(v, "m=%zu n=%zu k=%zu: wrote past the end of the output (element %zu)", m, n, k, i);
}

/* A float that exercises the packing edge cases: signed zeros, exact thresholds, halves, huge, denormal. */
static float special_float(float thr)
{
    switch (rnd_below(12)) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return thr;
    case 3: return -thr;
    case 4: return nextafterf(thr, 1e30f);
    case 5: return (float)((int)rnd_below(255) - 127) + 0.5f; /* ties: round-half-even */
    case 6: return 1e-40f * (rnd() & 1 ? 1 : -1);             /* denormal */
    case 7: return 3e38f * (rnd() & 1 ? 1 : -1);
    default: return ((float)(int64_t)(rnd() >> 11) / (float)(1ULL << 52) - 1.0f) * 200.0f;
    }
}

static void check_pack(const bitern_variant *v, const bitern_variant *ref, bufs *b, size_t n, placement where)
{
    kind kd = op_kind(v->op);
    size_t xoff, ooff;
    float *x = place(&b->x, n * 4, 4, where, &xoff);
    float thr = kd == KIND_PACK_T2 ? (float)rnd_below(1000) / 100.0f : 0.0f;
    float inv = (float)(rnd_below(1 << 20) + 1) / 4096.0f;
    int allow_nonfinite = kd == KIND_ABSMAX && (rnd() & 3) == 0;
    for (size_t i = 0; i < n; i++) {
        x[i] = special_float(thr);
        if (allow_nonfinite && (rnd() & 63) == 0)
            x[i] = (rnd() & 1) ? NAN : -INFINITY;
    }
    if (kd == KIND_QUANT && rnd() & 1)
        inv = 1.0f; /* exact halves then hit the round-half-even rule */

    size_t outbytes = kd == KIND_PACK_B1 ? 8 * bitern_b1_words(n)
                      : kd == KIND_PACK_T2 ? 8 * bitern_t2_words(n)
                      : kd == KIND_QUANT   ? n
                                           : 0;
    size_t extra = where == AT_OFFSET ? 16 : 0;
    uint8_t *out = place(&b->out, outbytes + extra, kd == KIND_QUANT ? 1 : 8, where, &ooff);
    memset(out, 0xa5, outbytes + extra);
    uint8_t *want = malloc(outbytes + 1);
    if (!want) {
        fprintf(stderr, "kcheck: out of memory\n");
        exit(2);
    }
    memset(want, 0xa5, outbytes + 1);
    n_checked++;
    switch (kd) {
    case KIND_PACK_B1:
        ((bitern_pack_b1_f32_fn *)ref->fn)(x, n, (uint64_t *)want);
        ((bitern_pack_b1_f32_fn *)v->fn)(x, n, (uint64_t *)out);
        break;
    case KIND_PACK_T2:
        ((bitern_pack_t2_f32_fn *)ref->fn)(x, n, thr, (uint64_t *)want);
        ((bitern_pack_t2_f32_fn *)v->fn)(x, n, thr, (uint64_t *)out);
        break;
    case KIND_QUANT:
        ((bitern_quant_i8_f32_fn *)ref->fn)(x, n, inv, (int8_t *)want);
        ((bitern_quant_i8_f32_fn *)v->fn)(x, n, inv, (int8_t *)out);
        break;
    default: {
        uint32_t a = ((bitern_absmax_f32_fn *)ref->fn)(x, n), c = ((bitern_absmax_f32_fn *)v->fn)(x, n);
        free(want);
        if (a != c)
            fail(v, "n=%zu (offset %zu): 0x%08" PRIx32 ", reference 0x%08" PRIx32, n, xoff, c, a);
        return;
    }
    }
    for (size_t i = 0; i < outbytes; i++)
        if (out[i] != want[i])
            fail(v, "n=%zu thr=%g inv=%g (offsets x=%zu out=%zu): output byte %zu is 0x%02x, reference 0x%02x", n,
                 (double)thr, (double)inv, xoff, ooff, i, out[i], want[i]);
    for (size_t i = outbytes; i < outbytes + extra; i++)
        if (out[i] != 0xa5)
            fail(v, "n=%zu: wrote past the end of the output (byte %zu)", n, i);
    free(want);
}

/* ---- the walk over cases ---- */
/* T3 blocks are 320 elements, planes 64, and the VNNI kernels fold their sums every 64 blocks (20480 elements):
 * k at, one below and one above each, with up to max_m rows (the row groups are 1, 2 and 4: odd m and m % 4 != 0
 * leave a partial group), every pattern pair on both placements. */
static void check_t3_edges(const bitern_variant *v, const bitern_variant *ref, bufs *b, size_t max_m)
{
    static const size_t ks[] = { 63, 64, 65, 319, 320, 321, 639, 640, 641, 1279, 1280, 1281, 20479, 20480, 20481,
                                 40961 };
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
        for (size_t m = 1; m <= max_m; m += 1 + (ks[ki] > 2000) * 3)
            for (int pw = 0; pw < PAT_COUNT; pw++)
                for (int px = 0; px < PAT_COUNT; px++)
                    check_mat(v, ref, b, m, 1, ks[ki], (pattern)pw, (pattern)px, (placement)((m + pw + px) & 1));
}

#define LEN_ALL 8193 /* 4 x 512-bit vector x unroll 4, + 1 */

/* The variant's own sizes, from its row of the kernel table (variants.h): m (gemm, gemv), n (gemm) and k equal
 * to, one below and one above its tile (tile_m x tile_n) and its K block, on random data (every block holds
 * random words), the other sizes small, and for gemm also two tiles and two K blocks plus one. */
static void check_tiles(const bitern_variant *v, const bitern_variant *ref, bufs *b, kind kd)
{
    size_t ms[8], ns[8], ks[8], nm = 0, nn = 0, nk = 0;
    ms[nm++] = 1;
    ns[nn++] = 1;
    if (kd != KIND_DOT && v->tile_m > 1) {
        ms[nm++] = v->tile_m - 1;
        ms[nm++] = v->tile_m;
        ms[nm++] = v->tile_m + 1;
        ms[nm++] = 2 * v->tile_m + 1;
    }
    if (kd == KIND_GEMM && v->tile_n > 1) {
        ns[nn++] = v->tile_n - 1;
        ns[nn++] = v->tile_n;
        ns[nn++] = v->tile_n + 1;
        ns[nn++] = 2 * v->tile_n + 1;
    }
    ks[nk++] = 65;
    if (v->kblock) {
        ks[nk++] = v->kblock - 1;
        ks[nk++] = v->kblock;
        ks[nk++] = v->kblock + 1;
        if (kd == KIND_GEMM || v->kblock <= 8192)
            ks[nk++] = 2 * v->kblock + 1;
    }
    if (kd == KIND_DOT && nk == 1)
        return; /* the dot walk covers every k up to LEN_ALL */
    for (size_t a = 0; a < nm; a++)
        for (size_t c = 0; c < nn; c++)
            for (size_t d = 0; d < nk; d++)
                check_mat(v, ref, b, ms[a], ns[c], ks[d], PAT_RANDOM, PAT_RANDOM, (placement)((a + c + d) & 1));
}

static void check_variant(const bitern_variant *v, bufs *b, int quick)
{
    const bitern_variant *ref = bitern_pick_variant(v->op, 0);
    kind kd = op_kind(v->op);
    size_t all = quick ? 1100 : LEN_ALL;
    int randoms = quick ? 20 : 200;

    if (kd == KIND_DOT || kd == KIND_GEMV || kd == KIND_GEMM)
        check_tiles(v, ref, b, kd);
    if (kd == KIND_DOT) {
        for (size_t k = 0; k <= all; k++) {
            pattern p = (k % 7 == 0) ? (pattern)(k / 7 % PAT_COUNT) : PAT_RANDOM;
            check_mat(v, ref, b, 1, 1, k, p, (k % 11 == 0) ? (pattern)(k / 11 % PAT_COUNT) : PAT_RANDOM,
                      (k & 1) ? AT_GUARD : AT_OFFSET);
        }
        for (int i = 0; i < randoms; i++)
            check_mat(v, ref, b, 1, 1, rnd_below(65537), (pattern)rnd_below(PAT_COUNT),
                      (pattern)rnd_below(PAT_COUNT), (placement)(i & 1));
        /* Every pattern pair at lengths around the vector and unroll boundaries. */
        static const size_t edges[] = { 0, 1, 63, 64, 65, 127, 128, 255, 256, 511, 512, 513, 1023, 1024, 2047,
                                         2048, 2049, 4095, 4096, 8191, 8192, 8193 };
        for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++)
            for (int pw = 0; pw < PAT_COUNT; pw++)
                for (int px = 0; px < PAT_COUNT; px++)
                    check_mat(v, ref, b, 1, 1, edges[e], (pattern)pw, (pattern)px, AT_GUARD);
        if (w_fmt(v->op) == FMT_T3)
            check_t3_edges(v, ref, b, 1);
    } else if (kd == KIND_GEMV) {
        if (w_fmt(v->op) == FMT_T3)
            check_t3_edges(v, ref, b, 9);
        for (size_t m = 0; m <= 17; m++)
            for (size_t k = 0; k <= (quick ? 200 : 700); k += 1 + (k > 130) * 6)
                check_mat(v, ref, b, m, 1, k, PAT_RANDOM, PAT_RANDOM, (placement)((m + k) & 1));
        for (int i = 0; i < randoms; i++)
            check_mat(v, ref, b, 1 + rnd_below(70), 1, rnd_below(9000), (pattern)rnd_below(PAT_COUNT),
                      (pattern)rnd_below(PAT_COUNT), (placement)(i & 1));
    } else if (kd == KIND_GEMM) {
        static const size_t ks[] = { 0, 1, 7, 63, 64, 65, 200, 511, 512, 513, 1000, 2049 };
        for (size_t m = 0; m <= 9; m++)
            for (size_t n = 0; n <= 9; n++)
                for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
                    check_mat(v, ref, b, m, n, ks[ki], PAT_RANDOM, PAT_RANDOM, (placement)((m + n + ki) & 1));
        for (int i = 0; i < randoms; i++)
            check_mat(v, ref, b, 1 + rnd_below(40), 1 + rnd_below(40), rnd_below(3000),
                      (pattern)rnd_below(PAT_COUNT), (pattern)rnd_below(PAT_COUNT), (placement)(i & 1));
    } else {
        for (size_t n = 0; n <= (quick ? 300 : 1100); n++)
            check_pack(v, ref, b, n, (placement)(n & 1));
        for (int i = 0; i < randoms; i++)
            check_pack(v, ref, b, rnd_below(70000), (placement)(i & 1));
    }
}

/* GEMM at k = 2^24 over a 4 x 12 block (register tiles and their edges): every row of W is the same and so is
 * every row of X, so one scalar dot is the reference for all 48 entries, which keeps this affordable. */
static void check_gemm_extremes(const bitern_variant *v, bufs *b)
{
    enum { M = 4, N = 12 };
    const size_t k = BITERN_MAX_K;
    fmt fw = w_fmt(v->op), fx = x_fmt(v->op);
    size_t wrow = fmt_bytes(fw, k), xrow = fmt_bytes(fx, k), off;
    uint8_t *w = place(&b->w, M * wrow, 8, AT_GUARD, &off);
    uint8_t *x = place(&b->x, N * xrow, fx == FMT_I8 ? 1 : 8, AT_GUARD, &off);
    int32_t *c = place(&b->out, M * N * 4, 4, AT_GUARD, &off);
    const bitern_variant *dot = bitern_pick_variant((bitern_op)(v->op - BITERN_OP_gemm_b1b1 + BITERN_OP_dot_b1b1), 0);
    static const pattern wpats[] = { PAT_ONES, PAT_ZERO };
    for (int pw = 0; pw < 2; pw++)
        for (int sx = 0; sx < 2; sx++) {
            fill(w, fw, k, wpats[pw]);
            for (size_t r = 1; r < M; r++)
                memcpy(w + r * wrow, w, wrow);
            if (fx == FMT_I8)
                memset(x, sx ? -127 : 127, xrow);
            else
                fill(x, fx, k, sx ? PAT_ONES : PAT_ZERO);
            for (size_t j = 1; j < N; j++)
                memcpy(x + j * xrow, x, xrow);
            int32_t want;
            call_mat(dot, w, x, &want, 1, 1, k);
            call_mat(v, w, x, c, M, N, k);
            n_checked++;
            for (size_t i = 0; i < M * N; i++)
                if (c[i] != want)
                    fail(v, "k=2^24, %d x %d, W %s, X %s: element [%zu][%zu] is %" PRId32 ", reference %" PRId32,
                         M, N, pattern_names[wpats[pw]], sx ? "all-one/-127" : "all-zero/+127", i / N, i % N, c[i],
                         want);
        }
}

/* k = 2^24 with every accumulator pushed to its bound: the all-one and extreme int8 patterns give
 * |result| = 127 * 2^24 for the int8 ops and 2^24 for the packed ones. */
static void check_extremes(const bitern_variant *v, bufs *b)
{
    const bitern_variant *ref = bitern_pick_variant(v->op, 0);
    kind kd = op_kind(v->op);
    if (kd == KIND_GEMM) {
        check_gemm_extremes(v, b);
        return;
    }
    if (kd != KIND_DOT && kd != KIND_GEMV)
        return;
    static const pattern pats[][2] = { { PAT_ONES, PAT_ONES }, { PAT_ZERO, PAT_ONES }, { PAT_ONES, PAT_ZERO } };
    for (size_t i = 0; i < 3; i++) {
        check_mat(v, ref, b, kd == KIND_GEMV ? 2 : 1, 1, BITERN_MAX_K, pats[i][0], pats[i][1], AT_GUARD);
        /* int8 = -127 everywhere too: ALT alternates +-127, so also negate via the W pattern above. */
    }
    if (w_fmt(v->op) == FMT_T3)
        check_mat(v, ref, b, kd == KIND_GEMV ? 2 : 1, 1, BITERN_MAX_K, T3_ALL_PLUS, PAT_ONES, AT_GUARD);
    if (x_fmt(v->op) == FMT_I8) {
        size_t off;
        int8_t *x = place(&b->x, BITERN_MAX_K, 1, AT_GUARD, &off);
        uint64_t *w = place(&b->w, fmt_bytes(w_fmt(v->op), BITERN_MAX_K), 8, AT_GUARD, &off);
        fill(w, w_fmt(v->op), BITERN_MAX_K, PAT_ONES);
        memset(x, -127, BITERN_MAX_K);
        int32_t want = ((bitern_dot_i8_fn *)bitern_pick_variant(
            kd == KIND_DOT ? v->op : (bitern_op)(v->op - BITERN_OP_gemv_b1b1 + BITERN_OP_dot_b1b1), 0)->fn)(
            w, x, BITERN_MAX_K);
        int32_t got[2];
        if (kd == KIND_DOT)
            got[0] = ((bitern_dot_i8_fn *)v->fn)(w, x, BITERN_MAX_K);
        else
            ((bitern_gemv_i8_fn *)v->fn)(w, x, got, 1, BITERN_MAX_K);
        if (got[0] != want || want != 127 * (int32_t)BITERN_MAX_K)
            fail(v, "k=2^24, W all -1, X all -127: %" PRId32 ", reference %" PRId32 ", exact %" PRId32, got[0], want,
                 127 * (int32_t)BITERN_MAX_K);
    }
}

/* At each level the CPU supports, the published table must hold the cascade's pick for every op. */
static int check_dispatch(void)
{
    for (int isa = 0; isa < BITERN_ISA_COUNT; isa++) {
        if (!bitern_isa_supported((bitern_isa)isa))
            continue;
        if (bitern_set_isa(bitern_isa_level_name((bitern_isa)isa)) != BITERN_OK) {
            fprintf(stderr, "kcheck: FAIL set_isa(%s): %s\n", bitern_isa_level_name((bitern_isa)isa),
                    bitern_last_error());
            return 1;
        }
        const bitern_kernels *k = bitern_get_kernels();
        unsigned flags = bitern_cpu_flags() & bitern_isa_flags((bitern_isa)isa);
        if (strcmp(bitern_isa_name(), bitern_isa_level_name((bitern_isa)isa))) {
            fprintf(stderr, "kcheck: FAIL level %s reports itself as %s\n", bitern_isa_level_name((bitern_isa)isa),
                    bitern_isa_name());
            return 1;
        }
        for (int op = 0; op < BITERN_OP_COUNT; op++) {
            const bitern_variant *want = bitern_pick_variant((bitern_op)op, flags);
            if (bitern_kernel_slot(k, (bitern_op)op) != want->fn) {
                fprintf(stderr, "kcheck: FAIL dispatch at %s: %s is not %s\n", bitern_isa_level_name((bitern_isa)isa),
                        bitern_op_name((bitern_op)op), want->name);
                return 1;
            }
        }
        printf("dispatch %-13s ok", bitern_isa_level_name((bitern_isa)isa));
        for (int op = 0; op < BITERN_OP_COUNT; op += 5)
            printf(" %s=%s", bitern_op_name((bitern_op)op), bitern_pick_variant((bitern_op)op, flags)->name);
        printf("\n");
    }
    return bitern_set_isa("native") != BITERN_OK;
}

/* ---- benchmarks ---- */
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static volatile int32_t sink;

/* Median over 15 samples of the time per call, each sample long enough (>= 2 ms) to swamp the clock. */
static double bench_variant(const bitern_variant *v, bufs *b, size_t m, size_t n, size_t k)
{
    fmt fw = w_fmt(v->op), fx = x_fmt(v->op);
    size_t off;
    void *w = place(&b->w, m * fmt_bytes(fw, k), 8, AT_OFFSET, &off);
    void *x = place(&b->x, n * fmt_bytes(fx, k), 8, AT_OFFSET, &off);
    for (size_t r = 0; r < m; r++)
        fill((uint8_t *)w + r * fmt_bytes(fw, k), fw, k, PAT_RANDOM);
    for (size_t j = 0; j < n; j++)
        fill((uint8_t *)x + j * fmt_bytes(fx, k), fx, k, PAT_RANDOM);
    int32_t *out = place(&b->out, m * n * 4, 4, AT_OFFSET, &off);
    size_t iters = 1;
    for (;;) {
        double t0 = now_ns();
        for (size_t i = 0; i < iters; i++)
            call_mat(v, w, x, out, m, n, k);
        if (now_ns() - t0 > 2e6 || iters > (1u << 24))
            break;
        iters *= 2;
    }
    double samples[15];
    for (int s = 0; s < 15; s++) {
        double t0 = now_ns();
        for (size_t i = 0; i < iters; i++)
            call_mat(v, w, x, out, m, n, k);
        samples[s] = (now_ns() - t0) / (double)iters;
    }
    sink = out[0];
    qsort(samples, 15, sizeof samples[0], cmp_double);
    return samples[7];
}

static void bench(const char *only_op, bufs *b)
{
    const bitern_variant *all[256];
    size_t n = bitern_all_variants(all, 256);
    unsigned cpu = bitern_cpu_flags();
    printf("%-11s %-18s %-16s %12s %9s\n", "op", "variant", "shape", "ns/call", "vs scalar");
    for (int op = 0; op < BITERN_OP_COUNT; op++) {
        kind kd = op_kind((bitern_op)op);
        if (kd != KIND_DOT && kd != KIND_GEMV && kd != KIND_GEMM)
            continue;
        if (only_op && strcmp(only_op, bitern_op_name((bitern_op)op)))
            continue;
        size_t m = kd == KIND_DOT ? 1 : kd == KIND_GEMV ? 4096 : 256;
        size_t nn = kd == KIND_GEMM ? 256 : 1;
        size_t k = 4096;
        double scalar_ns = 0;
        for (size_t i = 0; i < n; i++) {
            const bitern_variant *v = all[i];
            if (v->op != (bitern_op)op || (v->flags & ~cpu))
                continue;
            double ns = bench_variant(v, b, m, nn, k);
            if (v->isa == BITERN_ISA_SCALAR)
                scalar_ns = ns;
            char shape[48];
            snprintf(shape, sizeof shape, kd == KIND_DOT ? "K=%zu" : kd == KIND_GEMV ? "%zux%zu" : "%zux%zux%zu",
                     kd == KIND_DOT ? k : m, kd == KIND_GEMM ? nn : k, k);
            printf("%-11s %-18s %-16s %12.1f %8.2fx\n", bitern_op_name((bitern_op)op), v->name, shape, ns,
                   scalar_ns / ns);
            fflush(stdout);
        }
    }
}

/* ---- main ---- */
static void usage(void)
{
    printf("usage: kcheck [--bench] [--quick] [--seed N] [--op NAME] [--verbose]\n"
           "Checks every kernel variant this CPU can run against the scalar reference (exactly);\n"
           "--bench times them instead (median ns per call of 15 samples, and the speed-up over scalar).\n");
}

int main(int argc, char **argv)
{
    int do_bench = 0, quick = 0;
    const char *only_op = NULL;
    seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bench"))
            do_bench = 1;
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            char *end;
            seed = strtoull(argv[++i], &end, 0);
            if (*end) {
                fprintf(stderr, "kcheck: bad seed '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--op") && i + 1 < argc)
            only_op = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
            return 0;
        } else {
            fprintf(stderr, "kcheck: unknown argument '%s'\n", argv[i]);
            usage();
            return 2;
        }
    }
    if (only_op) {
        int found = 0;
        for (int op = 0; op < BITERN_OP_COUNT; op++)
            found |= !strcmp(only_op, bitern_op_name((bitern_op)op));
        if (!found) {
            fprintf(stderr, "kcheck: unknown op '%s'\n", only_op);
            return 2;
        }
    }
    rng_state = seed ? seed : 1;
    if (bitern_init() != BITERN_OK) {
        fprintf(stderr, "kcheck: %s\n", bitern_last_error());
        return 1;
    }
    printf("kcheck: seed %" PRIu64 ", CPU %s, level %s\n", seed, bitern_cpu_name(), bitern_isa_name());

    /* Pools large enough for 12 rows of k = 2^24 int8 (the GEMM extremes) and the largest random cases; only the
     * pages a case touches are ever backed by memory. */
    bufs b = { pool_new(70u << 20), pool_new(210u << 20), pool_new(4u << 20), NULL, 0 };

    if (do_bench) {
        bench(only_op, &b);
        free(b.ref);
        return 0;
    }
    if (check_dispatch())
        return 1;

    const bitern_variant *all[256];
    size_t n = bitern_all_variants(all, 256);
    unsigned cpu = bitern_cpu_flags();
    /* Also honour a BITERN_ISA cap: what the user excluded is not run (it may not be safe to). */
    unsigned usable = bitern_active_flags();
    int n_variants = 0, n_skipped = 0;
    for (size_t i = 0; i < n; i++) {
        const bitern_variant *v = all[i];
        if (only_op && strcmp(only_op, bitern_op_name(v->op)))
            continue;
        if (v->isa == BITERN_ISA_SCALAR)
            continue; /* the reference itself */
        if ((v->flags & ~cpu) || (v->flags & ~usable)) {
            printf("%-13s %-18s skipped (needs CPU flags this machine or BITERN_ISA does not allow)\n",
                   bitern_op_name(v->op), v->name);
            n_skipped++;
            continue;
        }
        unsigned long before = n_checked;
        check_variant(v, &b, quick);
        check_extremes(v, &b);
        n_variants++;
        printf("%-13s %-18s ok (%lu cases)\n", bitern_op_name(v->op), v->name, n_checked - before);
        fflush(stdout);
    }
    printf("kcheck: %d variants checked against scalar, %lu cases, %d skipped; seed %" PRIu64 "\n", n_variants,
           n_checked, n_skipped, seed);
    printf("%d passed, 0 failed\n", n_variants);
    free(b.ref);
    return 0;
}
