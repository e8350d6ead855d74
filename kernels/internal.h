/* SPDX-License-Identifier: MIT */
/* Shared by the kernels, the dispatch and the test harness; never installed. ISA-specific code stays in x86/
 * and arm/: nothing here needs an ISA flag. */
#ifndef BITERN_INTERNAL_H
#define BITERN_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "bitern.h"

/* The one list of ops: X(op, kind, shape, w, x). It generates the op enum, the table offsets, the names, the
 * op's kind, shape and operand formats, and the loops of the checker and the benchmarks, so that an op added here
 * is dispatched, tested and benchmarked everywhere. kind names the function type (bitern_<kind>_fn); shape is
 * dot, gemv, gemm or vec (the packing and quantizing ops); w and x are the formats of the two operands (vec ops:
 * their input, f32, and what they write). The variants of each op are rows of the kernel table (variants.h). */
#define BITERN_OP_LIST(X)                                                                                           \
    X(dot_b1b1, dot_bits, dot, b1, b1)                                                                              \
    X(dot_t2t2, dot_bits, dot, t2, t2)                                                                              \
    X(dot_t2b1, dot_bits, dot, t2, b1)                                                                              \
    X(dot_b1i8, dot_i8, dot, b1, i8)                                                                                \
    X(dot_t2i8, dot_i8, dot, t2, i8)                                                                                \
    X(dot_t3i8, dot_i8, dot, t3, i8)                                                                                \
    X(gemv_b1b1, gemv_bits, gemv, b1, b1)                                                                           \
    X(gemv_t2t2, gemv_bits, gemv, t2, t2)                                                                           \
    X(gemv_t2b1, gemv_bits, gemv, t2, b1)                                                                           \
    X(gemv_b1i8, gemv_i8, gemv, b1, i8)                                                                             \
    X(gemv_t2i8, gemv_i8, gemv, t2, i8)                                                                             \
    X(gemv_t3i8, gemv_i8, gemv, t3, i8)                                                                             \
    X(gemm_b1b1, gemm_bits, gemm, b1, b1)                                                                           \
    X(gemm_t2t2, gemm_bits, gemm, t2, t2)                                                                           \
    X(gemm_t2b1, gemm_bits, gemm, t2, b1)                                                                           \
    X(gemm_b1i8, gemm_i8, gemm, b1, i8)                                                                             \
    X(gemm_t2i8, gemm_i8, gemm, t2, i8)                                                                             \
    X(pack_b1_f32, pack_b1_f32, vec, f32, b1)                                                                       \
    X(pack_t2_f32, pack_t2_f32, vec, f32, t2)                                                                       \
    X(absmax_f32, absmax_f32, vec, f32, f32)                                                                        \
    X(quant_i8_f32, quant_i8_f32, vec, f32, i8)

/* The kinds of op, one function type each (bitern.h). */
#define BITERN_KIND_LIST(K)                                                                                         \
    K(dot_bits) K(dot_i8) K(gemv_bits) K(gemv_i8) K(gemm_bits) K(gemm_i8) K(pack_b1_f32) K(pack_t2_f32)             \
    K(absmax_f32) K(quant_i8_f32)

typedef enum {
#define BITERN_X_ENUM(op, ...) BITERN_OP_##op,
    BITERN_OP_LIST(BITERN_X_ENUM)
#undef BITERN_X_ENUM
        BITERN_OP_COUNT
} bitern_op;

typedef enum {
#define BITERN_X_KIND(kind) BITERN_KIND_##kind,
    BITERN_KIND_LIST(BITERN_X_KIND)
#undef BITERN_X_KIND
} bitern_kind;
typedef enum { BITERN_SHAPE_dot, BITERN_SHAPE_gemv, BITERN_SHAPE_gemm, BITERN_SHAPE_vec } bitern_shape;
typedef enum { BITERN_FMT_b1, BITERN_FMT_t2, BITERN_FMT_t3, BITERN_FMT_i8, BITERN_FMT_f32 } bitern_fmt;

/* An op's row of BITERN_OP_LIST, as values (bitern_op_infos[op], in op order). */
typedef struct bitern_op_info {
    bitern_kind kind;
    bitern_shape shape;
    bitern_fmt w, x;
} bitern_op_info;
#define BITERN_X_INFO(op, kind, shape, w, x)                                                                        \
    { BITERN_KIND_##kind, BITERN_SHAPE_##shape, BITERN_FMT_##w, BITERN_FMT_##x },
static const bitern_op_info bitern_op_infos[BITERN_OP_COUNT] = { BITERN_OP_LIST(BITERN_X_INFO) };
#undef BITERN_X_INFO
static inline bitern_op_info bitern_op_info_of(bitern_op op) { return bitern_op_infos[op]; }

/* A generic function pointer; each entry is cast back to its op's type (bitern_<kind>_fn) before a call. */
typedef void (*bitern_fn)(void);

/* A row of the kernel table (variants.h), as values. */
typedef struct bitern_variant {
    bitern_op op;
    const char *name; /* "scalar", "avx2", "avx512", "avx512_vpopcntdq", "neon", "neon_dotprod", ... */
    bitern_isa isa;   /* the BITERN_ISA level that enables it */
    unsigned flags;   /* every CPU flag it executes instructions of */
    bitern_fn fn;
    unsigned tile_m, tile_n; /* W rows x X rows computed together (gemm tile, gemv group) */
    size_t kblock;           /* elements per K block or accumulator fold, 0 if none */
} bitern_variant;

#include "variants.h"

/* One entry of a variant list, from a row of the kernel table. */
#define BITERN_VARIANT_ROW(op, kind, suffix, isa, flags, tile_m, tile_n, kblock)                                    \
    { BITERN_OP_##op, #suffix, BITERN_ISA_##isa, flags, (bitern_fn)bitern_##op##_##suffix, tile_m, tile_n, kblock },

/* Every kernel's prototype, of its op's type; and the row's kind must be its op's. */
#define BITERN_X_PROTO(op, kind, suffix, ...) bitern_##kind##_fn bitern_##op##_##suffix;
BITERN_VARIANT_TABLE(BITERN_X_PROTO)
#undef BITERN_X_PROTO
enum {
#define BITERN_X_KIND_OF(op, kind, ...) BITERN_KIND_OF_##op = BITERN_KIND_##kind,
    BITERN_OP_LIST(BITERN_X_KIND_OF)
#undef BITERN_X_KIND_OF
};
#ifdef __cplusplus
#define BITERN_STATIC_ASSERT static_assert
#else
#define BITERN_STATIC_ASSERT _Static_assert
#endif
#define BITERN_X_CHECK(op, kind, suffix, ...)                                                                       \
    BITERN_STATIC_ASSERT((int)BITERN_KIND_OF_##op == (int)BITERN_KIND_##kind,                                      \
                         "kernel table: " #op "_" #suffix " has the wrong kind");
BITERN_VARIANT_TABLE(BITERN_X_CHECK)
#undef BITERN_X_CHECK

/* Variant lists, each in ascending order of preference: a later runnable entry replaces an earlier one. */
typedef struct bitern_variant_list {
    const bitern_variant *v;
    size_t count;
} bitern_variant_list;

extern const bitern_variant_list bitern_variants_scalar;
#if defined(__x86_64__)
extern const bitern_variant_list bitern_variants_avx2;
extern const bitern_variant_list bitern_variants_avx512;
#elif defined(__aarch64__)
extern const bitern_variant_list bitern_variants_neon;
#endif

const char *bitern_op_name(bitern_op op);

/* Fills `k` with the best variant of each op that `flags` allow (scalar if none). */
void bitern_fill_kernels(bitern_kernels *k, unsigned flags);
/* The variant the table for `flags` uses for `op`: the tune profile's, if it names one that `flags` allow, else
 * bitern_rank_variant's, the last in the cascade that `flags` allow. */
const bitern_variant *bitern_pick_variant(bitern_op op, unsigned flags);
const bitern_variant *bitern_rank_variant(bitern_op op, unsigned flags);
/* Reads this CPU's tune profile (tune.c) into choice[] (NULL: the rank decides), unless BITERN_TUNE=off. */
void bitern_tune_load(const bitern_variant *choice[BITERN_OP_COUNT]);
/* Parses a profile from f into choice[]: NULL, or why it is not to be trusted (written into err, or a constant).
 * A profile is trusted whole or not at all: on a non-NULL return choice[] may be partly filled and is discarded. */
const char *bitern_tune_parse(FILE *f, const bitern_variant *choice[BITERN_OP_COUNT], char *err, size_t errlen);
/* All variants of every list, in cascade order. */
size_t bitern_all_variants(const bitern_variant **out, size_t cap);
bitern_fn bitern_kernel_slot(const bitern_kernels *k, bitern_op op);

/* The flags each BITERN_ISA level allows (before intersecting with the CPU's). */
unsigned bitern_isa_flags(bitern_isa isa);

/* Per-architecture feature detection (x86/cpu.c, arm/cpu.c, or none). */
unsigned bitern_detect_cpu(void);
void bitern_detect_cpu_name(char *buf, size_t len);
void bitern_detect_cpu_id(char *buf, size_t len);

/* Records a message for bitern_last_error() and returns status. */
int bitern_fail(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Helpers for variant tails: the scalar value of element i of a packed vector. */
static inline int bitern_b1_get(const uint64_t *p, size_t i) { return (p[i >> 6] >> (i & 63)) & 1 ? -1 : 1; }
static inline int bitern_t2_get(const uint64_t *p, size_t i)
{
    uint64_t bit = (uint64_t)1 << (i & 63);
    const uint64_t *blk = p + 2 * (i >> 6);
    return (blk[0] & bit) ? ((blk[1] & bit) ? -1 : 1) : 0;
}

/* xorshift64*: fast, reproducible random words for operands (the bench, bitern tune). */
static inline uint64_t bitern_xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* T3 (bitern.h): the digit d = w + 1 of element i, decoded from its byte by the documented rule, one step per
 * plane: the plain definition, for the reference and the tails. */
#define BITERN_T3_BLOCK 320
static inline int bitern_t3_digit(uint8_t q, unsigned plane)
{
    unsigned p = q;
    for (unsigned j = 0; j < plane; j++)
        p = (3 * p) & 255;
    return (int)((3 * p) >> 8);
}
static inline int bitern_t3_get(const uint64_t *p, size_t i)
{
    const uint8_t *bytes = (const uint8_t *)p;
    size_t b = i / BITERN_T3_BLOCK, r = i % BITERN_T3_BLOCK;
    return bitern_t3_digit(bytes[64 * b + r % 64], (unsigned)(r / 64)) - 1;
}
/* The byte for digits d[0..4] (each 0..2). */
static inline uint8_t bitern_t3_code(const int d[5])
{
    unsigned v = 81 * d[0] + 27 * d[1] + 9 * d[2] + 3 * d[3] + d[4];
    return (uint8_t)((256 * v + 242) / 243);
}

/* The T3 GEMV driver every SIMD variant shares (it needs no ISA flag). A variant supplies `rows(w, ws, x, xtail,
 * nb, rows, y, sumx, with_sum)`: y[r] = dot of the `rows` rows at w (ws bytes apart, nb blocks each; rows is 1 or
 * the variant's group) with x, whose last block is read from xtail instead (the last k % 320 bytes of x and zeros
 * after them, so that no kernel reads past x); with_sum: it also stores sum(x) in *sumx, else it uses *sumx. The
 * first group computes sum(x), which every kernel subtracts: they sum (w + 1) * x over the digits. */
typedef void bitern_t3_rows_fn(const uint8_t *w, size_t ws, const int8_t *x, const int8_t *xtail, size_t nb,
                               size_t rows, int32_t *y, uint32_t *sumx, int with_sum);
static inline void bitern_t3_gemv(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k, size_t group,
                                  bitern_t3_rows_fn *rows)
{
    size_t nb = (k + BITERN_T3_BLOCK - 1) / BITERN_T3_BLOCK, ws = 8 * bitern_t3_words(k);
    int8_t xtail[BITERN_T3_BLOCK] __attribute__((aligned(64)));
    size_t last = nb ? k - BITERN_T3_BLOCK * (nb - 1) : 0;
    if (last)
        __builtin_memcpy(xtail, x + BITERN_T3_BLOCK * (nb - 1), last);
    __builtin_memset(xtail + last, 0, BITERN_T3_BLOCK - last);
    const uint8_t *wb = (const uint8_t *)w;
    uint32_t sumx = 0;
    size_t r = 0;
    while (r < m) {
        size_t n = m - r >= group ? group : 1;
        rows(wb + r * ws, ws, x, xtail, nb, n, y + r, &sumx, r == 0);
        r += n;
    }
}

/* Prefetching for the T3 GEMVs: a group of R rows is one contiguous region of W and the next group the next
 * one, so at block b each row kernel prefetches lines R b .. R b + R - 1 of the region BITERN_T3_PF_BYTES past the
 * next group's start: one ascending stream of single lines, which the L2 streamer follows (as for T2, see
 * x86/i8_avx512icl.c), into L2 (locality 2: prefetcht1 on x86). Prefetches never fault past the end of W. */
#define BITERN_T3_PF_BYTES 4096
static inline void bitern_t3_prefetch(const uint8_t *w, size_t ws, size_t R, size_t b)
{
    const uint8_t *pf = w + R * ws + BITERN_T3_PF_BYTES + 64 * R * b;
    for (size_t r = 0; r < R; r++)
        __builtin_prefetch(pf + 64 * r, 0, 2);
}

/* Defines bitern_gemv_t3i8_<suffix> and bitern_dot_t3i8_<suffix> from a variant's always-inline
 * body(w, ws, x, xtail, nb, rows, y, sumx, with_sum), specialised (noinline) for each (rows, with_sum) so that its
 * loops unroll over constant rows and keep their accumulators in registers. */
#define BITERN_T3_DEFINE_OPS(suffix, body, group)                                                                   \
    static __attribute__((noinline)) void t3_rows_g0(const uint8_t *w, size_t ws, const int8_t *x,                 \
                                                     const int8_t *xt, size_t nb, int32_t *y, uint32_t *sx)         \
    {                                                                                                               \
        body(w, ws, x, xt, nb, group, y, sx, 0);                                                                    \
    }                                                                                                               \
    static __attribute__((noinline)) void t3_rows_g1(const uint8_t *w, size_t ws, const int8_t *x,                 \
                                                     const int8_t *xt, size_t nb, int32_t *y, uint32_t *sx)         \
    {                                                                                                               \
        body(w, ws, x, xt, nb, group, y, sx, 1);                                                                    \
    }                                                                                                               \
    static __attribute__((noinline)) void t3_rows_10(const uint8_t *w, size_t ws, const int8_t *x,                 \
                                                     const int8_t *xt, size_t nb, int32_t *y, uint32_t *sx)         \
    {                                                                                                               \
        body(w, ws, x, xt, nb, 1, y, sx, 0);                                                                        \
    }                                                                                                               \
    static __attribute__((noinline)) void t3_rows_11(const uint8_t *w, size_t ws, const int8_t *x,                 \
                                                     const int8_t *xt, size_t nb, int32_t *y, uint32_t *sx)         \
    {                                                                                                               \
        body(w, ws, x, xt, nb, 1, y, sx, 1);                                                                        \
    }                                                                                                               \
    static void t3_rows(const uint8_t *w, size_t ws, const int8_t *x, const int8_t *xt, size_t nb, size_t n,        \
                        int32_t *y, uint32_t *sx, int with_sum)                                                     \
    {                                                                                                               \
        (n == (group) ? (with_sum ? t3_rows_g1 : t3_rows_g0) : (with_sum ? t3_rows_11 : t3_rows_10))(w, ws, x, xt,  \
                                                                                                      nb, y, sx);   \
    }                                                                                                               \
    void bitern_gemv_t3i8_##suffix(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k)              \
    {                                                                                                               \
        bitern_t3_gemv(w, x, y, m, k, group, t3_rows);                                                              \
    }                                                                                                               \
    int32_t bitern_dot_t3i8_##suffix(const uint64_t *w, const int8_t *x, size_t k)                                  \
    {                                                                                                               \
        int32_t y;                                                                                                  \
        bitern_t3_gemv(w, x, &y, 1, k, group, t3_rows);                                                             \
        return y;                                                                                                   \
    }

#endif
