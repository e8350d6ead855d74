/* SPDX-License-Identifier: MIT */
/* Shared by the kernels, the dispatch and the test harness; never installed. ISA-specific code stays in x86/
 * and arm/: nothing here needs an ISA flag. */
#ifndef BITERN_INTERNAL_H
#define BITERN_INTERNAL_H

#include <stddef.h>
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
    X(gemv_b1b1, gemv_bits)                                                                                         \
    X(gemv_t2t2, gemv_bits)                                                                                         \
    X(gemv_t2b1, gemv_bits)                                                                                         \
    X(gemv_b1i8, gemv_i8)                                                                                           \
    X(gemv_t2i8, gemv_i8)                                                                                           \
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
/* The variant the table for `flags` would use for `op`, and the one below it in the cascade (the one it replaced),
 * or NULL. The checker uses this to test exactly the variants that a level changes. */
const bitern_variant *bitern_pick_variant(bitern_op op, unsigned flags);
/* All variants of every list, in cascade order. */
size_t bitern_all_variants(const bitern_variant **out, size_t cap);
bitern_fn bitern_kernel_slot(const bitern_kernels *k, bitern_op op);

/* The flags each BITERN_ISA level allows (before intersecting with the CPU's). */
unsigned bitern_isa_flags(bitern_isa isa);

/* Per-architecture feature detection (x86/cpu.c, arm/cpu.c, or none). */
unsigned bitern_detect_cpu(void);
void bitern_detect_cpu_name(char *buf, size_t len);

/* Records a message for bitern_last_error() and returns status. */
int bitern_fail(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The scalar reference: the truth every other variant is compared with. */
bitern_dot_bits_fn bitern_dot_b1b1_scalar, bitern_dot_t2t2_scalar, bitern_dot_t2b1_scalar;
bitern_dot_i8_fn bitern_dot_b1i8_scalar, bitern_dot_t2i8_scalar;
bitern_gemv_bits_fn bitern_gemv_b1b1_scalar, bitern_gemv_t2t2_scalar, bitern_gemv_t2b1_scalar;
bitern_gemv_i8_fn bitern_gemv_b1i8_scalar, bitern_gemv_t2i8_scalar;
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

#endif
