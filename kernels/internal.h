/* SPDX-License-Identifier: MIT */
/* Shared by the kernels, the dispatch and the test harness; never installed. ISA-specific code stays in x86/
 * and arm/: nothing here needs an ISA flag. */
#ifndef BITERN_INTERNAL_H
#define BITERN_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "bitern.h"

/* The one list of ops: X(op, kind). It generates the op enum, the table offsets, the names, and the loops of the
 * checker and the benchmarks, so that an op added here is dispatched, tested and benchmarked everywhere. */
#define BITERN_OP_LIST(X)                                                                                           \
    X(dot_b1b1, dot_bits)                                                                                           \
    X(dot_t2t2, dot_bits)                                                                                           \
    X(dot_t2b1, dot_bits)                                                                                           \
    X(dot_b1i8, dot_i8)                                                                                             \
    X(dot_t2i8, dot_i8)                                                                                             \
    X(dot_t3i8, dot_i8)                                                                                             \
    X(gemv_b1b1, gemv_bits)                                                                                         \
    X(gemv_t2t2, gemv_bits)                                                                                         \
    X(gemv_t2b1, gemv_bits)                                                                                         \
    X(gemv_b1i8, gemv_i8)                                                                                           \
    X(gemv_t2i8, gemv_i8)                                                                                           \
    X(gemv_t3i8, gemv_i8)                                                                                           \
    X(gemm_b1b1, gemm_bits)                                                                                         \
    X(gemm_t2t2, gemm_bits)                                                                                         \
    X(gemm_t2b1, gemm_bits)                                                                                         \
    X(gemm_b1i8, gemm_i8)                                                                                           \
    X(gemm_t2i8, gemm_i8)                                                                                           \
    X(pack_b1_f32, pack_b1_f32)                                                                                     \
    X(pack_t2_f32, pack_t2_f32)                                                                                     \
    X(absmax_f32, absmax_f32)                                                                                       \
    X(quant_i8_f32, quant_i8_f32)

typedef enum {
#define BITERN_X_ENUM(op, kind) BITERN_OP_##op,
    BITERN_OP_LIST(BITERN_X_ENUM)
#undef BITERN_X_ENUM
        BITERN_OP_COUNT
} bitern_op;

/* A generic function pointer; each entry is cast back to its op's type (bitern_<kind>_fn) before a call. */
typedef void (*bitern_fn)(void);

typedef struct bitern_variant {
    bitern_op op;
    const char *name; /* "scalar", "avx2", "avx512", "avx512_vpopcntdq", "neon", "neon_dotprod", ... */
    bitern_isa isa;   /* the BITERN_ISA level that enables it */
    unsigned flags;   /* every CPU flag it executes instructions of */
    bitern_fn fn;
} bitern_variant;

#define BITERN_VARIANT(op_, name_, isa_, flags_, fn_) { BITERN_OP_##op_, name_, isa_, flags_, (bitern_fn)(fn_) }

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

/* The scalar reference: the truth every other variant is compared with. */
bitern_dot_bits_fn bitern_dot_b1b1_scalar, bitern_dot_t2t2_scalar, bitern_dot_t2b1_scalar;
bitern_dot_i8_fn bitern_dot_b1i8_scalar, bitern_dot_t2i8_scalar, bitern_dot_t3i8_scalar;
bitern_gemv_bits_fn bitern_gemv_b1b1_scalar, bitern_gemv_t2t2_scalar, bitern_gemv_t2b1_scalar;
bitern_gemv_i8_fn bitern_gemv_b1i8_scalar, bitern_gemv_t2i8_scalar, bitern_gemv_t3i8_scalar;
bitern_gemm_bits_fn bitern_gemm_b1b1_scalar, bitern_gemm_t2t2_scalar, bitern_gemm_t2b1_scalar;
bitern_gemm_i8_fn bitern_gemm_b1i8_scalar, bitern_gemm_t2i8_scalar;
bitern_pack_b1_f32_fn bitern_pack_b1_f32_scalar;
bitern_pack_t2_f32_fn bitern_pack_t2_f32_scalar;
bitern_absmax_f32_fn bitern_absmax_f32_scalar;
bitern_quant_i8_f32_fn bitern_quant_i8_f32_scalar;

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
