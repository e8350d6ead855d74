/* SPDX-License-Identifier: MIT */
/*
 * bitern: bit-packed binary and ternary kernels.
 *
 * PACKED FORMATS
 * ==============
 * All packed vectors are arrays of uint64_t in host order (bitern supports little-endian hosts only, which is
 * every x86-64 and AArch64 Linux system). Element i of a vector lives in block i / 64, bit i % 64 (bit 0 is the
 * least significant bit of the word).
 *
 * B1 (binary, {-1,+1}, 1 bit per element)
 *   One word per block of 64 elements: bit set = -1, bit clear = +1 (the bit is the sign bit, as in IEEE).
 *   A vector of n elements takes bitern_b1_words(n) = ceil(n/64) words. Padding bits (positions >= n in the
 *   last word) MUST be zero; kernels read whole words and rely on that.
 *
 * T2 (ternary, {-1,0,+1}, 2 bits per element)
 *   Two words per block of 64 elements, stored one after the other: word 2b is the non-zero mask (bit set =
 *   the element is not 0), word 2b+1 is the sign (bit set = -1). A vector of n elements takes
 *   bitern_t2_words(n) = 2 * ceil(n/64) words. Canonical form, which kernels rely on: a sign bit may only be set
 *   where the mask bit is set, and padding bits of both words are zero. bitern_t2_check() tests this.
 *
 * I8 (int8 activations)
 *   int8_t values in [-127, 127] (never -128, so that negation stays in range), n contiguous bytes, no padding
 *   and no alignment requirement: kernels read exactly n bytes. One float scale per vector (or per row of a
 *   matrix) maps back to real values: x ~= q * scale; bitern_quantize_i8 picks scale = absmax / 127.
 *
 * Matrices are row-major and dense: row r of an M x K B1 matrix starts at word r * bitern_b1_words(K), of a T2
 * matrix at word r * bitern_t2_words(K), of an I8 matrix at byte r * K.
 *
 * OPERATIONS (every result is an exact integer)
 *   dot_XY(w, x, k)             = sum_i w[i] * x[i]                         over k elements
 *   gemv_XY(w, x, y, m, k)      : y[r] = dot_XY(row r of W, x, k)           for r < m
 *   gemm_XY(w, x, c, m, n, k)   : c[r*n + j] = dot_XY(row r of W, row j of X, k)   (C = W . X^T, M x N, int32)
 * with XY one of b1b1, t2t2, t2b1 (W ternary, X binary), b1i8 and t2i8 (W packed, X int8).
 * k is limited to BITERN_MAX_K = 2^24 elements, the largest length for which 127 * k fits in an int32: every
 * result and every partial sum in every variant is then exact.
 *
 * DISPATCH
 *   The first call (or bitern_init) detects the CPU's features and fills one table with the best variant of each
 *   op. The environment variable BITERN_ISA (scalar | avx2 | avx512 | neon | neon-dotprod) caps the level; an
 *   unknown or unsupported value makes bitern_init fail with a message: bitern never falls back silently.
 *   bitern_set_isa() does the same from code. Switching levels is thread-safe: tables are never modified once
 *   published.
 */
#ifndef BITERN_H
#define BITERN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shared library exports only what this header declares; the variants stay internal. */
#if defined(__GNUC__)
#define BITERN_API __attribute__((visibility("default")))
#else
#define BITERN_API
#endif

#define BITERN_VERSION_MAJOR 0
#define BITERN_VERSION_MINOR 1
#define BITERN_VERSION_PATCH 0
BITERN_API const char *bitern_version(void);

/* Longest vector any op accepts: 127 * 2^24 < 2^31, so int32 accumulators never overflow. */
#define BITERN_MAX_K ((size_t)1 << 24)

/* Status codes: 0 is success, the rest are negative. bitern_last_error() has the detail (per thread). */
enum {
    BITERN_OK = 0,
    BITERN_EINVAL = -1,    /* bad argument: NULL pointer, k > BITERN_MAX_K, sizes that overflow */
    BITERN_ENOTSUP = -2,   /* ISA level unknown, or not supported by this CPU or this build */
    BITERN_ENONFINITE = -3, /* NaN or infinity in the input */
    BITERN_ENOMEM = -4,
    BITERN_EFORMAT = -5,   /* packed data not in canonical form */
};
BITERN_API const char *bitern_strerror(int status);
/* A message naming what was wrong with the last failed call on this thread ("" if none). */
BITERN_API const char *bitern_last_error(void);

static inline size_t bitern_b1_words(size_t n) { return (n + 63) / 64; }
static inline size_t bitern_t2_words(size_t n) { return 2 * ((n + 63) / 64); }

/* ---- ISA levels and dispatch ---- */
typedef enum {
    BITERN_ISA_SCALAR = 0,
    BITERN_ISA_AVX2,
    BITERN_ISA_AVX512,
    BITERN_ISA_NEON,
    BITERN_ISA_NEON_DOTPROD,
    BITERN_ISA_COUNT
} bitern_isa;

/* Detects the CPU and applies BITERN_ISA. Idempotent; returns BITERN_OK or BITERN_ENOTSUP (with a message). */
BITERN_API int bitern_init(void);
/* Caps the level at `name` (one of the BITERN_ISA names, or "native" for the best the CPU has). */
BITERN_API int bitern_set_isa(const char *name);
/* The level in use, as a name ("scalar", "avx2", ...). */
BITERN_API const char *bitern_isa_name(void);
BITERN_API const char *bitern_isa_level_name(bitern_isa isa);
/* Whether this CPU and this build can run a level. */
BITERN_API int bitern_isa_supported(bitern_isa isa);

/* CPU feature flags, as detected (bitern_cpu_flags) and as used after capping (bitern_active_flags). */
enum {
    BITERN_CPU_X86_POPCNT = 1u << 0,
    BITERN_CPU_X86_AVX2 = 1u << 1,           /* AVX, AVX2, FMA, BMI1, BMI2, and the OS saves YMM */
    BITERN_CPU_X86_AVX512 = 1u << 2,         /* AVX-512 F, CD, BW, DQ, VL, and the OS saves ZMM + opmasks */
    BITERN_CPU_X86_AVX512_VPOPCNTDQ = 1u << 3,
    BITERN_CPU_X86_AVX512_VNNI = 1u << 4,
    BITERN_CPU_X86_AVX512_BITALG = 1u << 5,
    BITERN_CPU_X86_AVX512_VBMI = 1u << 6,
    BITERN_CPU_ARM_NEON = 1u << 8,
    BITERN_CPU_ARM_DOTPROD = 1u << 9,
};
BITERN_API unsigned bitern_cpu_flags(void);
BITERN_API unsigned bitern_active_flags(void);
/* Restricts the flags used to (detected & mask); for tests, e.g. AVX-512 without VPOPCNTDQ. */
BITERN_API int bitern_set_cpu_mask(unsigned mask);
/* A description of each flag bit, for printing: returns NULL past the last one. */
BITERN_API const char *bitern_cpu_flag_name(unsigned bit_index);
/* The CPU's brand string ("" if unknown). */
BITERN_API const char *bitern_cpu_name(void);

/* ---- Every compiled variant, for tools and tests ---- */
typedef struct bitern_variant_info {
    const char *op;       /* "dot_b1b1", ... */
    const char *name;     /* "avx512_vpopcntdq", ... */
    const char *isa;      /* the BITERN_ISA level it belongs to: "scalar", "avx2", "avx512", "neon", ... */
    unsigned flags;       /* CPU flags it needs */
    int runnable;         /* the CPU has those flags */
    int selected;         /* the dispatch table uses it now */
} bitern_variant_info;
/* Fills up to `cap` entries, returns the total number of variants. */
BITERN_API size_t bitern_variants(bitern_variant_info *out, size_t cap);

/* ---- Packing ---- */
/* Sign: x < 0 -> -1 (bit set); +0, -0 and positive -> +1. Writes b1_words(n) words. Every packing function
 * from float rejects NaN and infinity (BITERN_ENONFINITE) before writing anything. */
BITERN_API int bitern_pack_b1_f32(const float *x, size_t n, uint64_t *out);
/* |x| > thr -> sign(x), else 0. thr >= 0 and finite. Writes t2_words(n) words. */
BITERN_API int bitern_pack_t2_f32(const float *x, size_t n, float thr, uint64_t *out);
BITERN_API int bitern_pack_b1_i8(const int8_t *x, size_t n, uint64_t *out);   /* x < 0 -> -1 */
BITERN_API int bitern_pack_t2_i8(const int8_t *x, size_t n, uint64_t *out);   /* sign(x): -1, 0, +1 */
/* q[i] = round-to-nearest-even(x[i] * 127 / absmax), scale = absmax / 127; an all-zero x gives q = 0, scale = 0.
 * NaN or infinity: BITERN_ENONFINITE, and q is left untouched. */
BITERN_API int bitern_quantize_i8(const float *x, size_t n, int8_t *q, float *scale);
/* Unpacking back to values: out[i] in {-1, 0, +1}. */
BITERN_API int bitern_unpack_b1_i8(const uint64_t *p, size_t n, int8_t *out);
BITERN_API int bitern_unpack_t2_i8(const uint64_t *p, size_t n, int8_t *out);
BITERN_API int bitern_unpack_b1_f32(const uint64_t *p, size_t n, float *out);
BITERN_API int bitern_unpack_t2_f32(const uint64_t *p, size_t n, float *out);
/* BITERN_OK if p is a canonical T2 vector of n elements (sign only under mask, zero padding). */
BITERN_API int bitern_t2_check(const uint64_t *p, size_t n);
/* BITERN_OK if the padding bits of a B1 vector of n elements are zero. */
BITERN_API int bitern_b1_check(const uint64_t *p, size_t n);

/* ---- Operations (checked) ----
 * Every entry point below returns BITERN_EINVAL for NULL pointers with non-zero sizes, k > BITERN_MAX_K and sizes
 * that overflow, and BITERN_EFORMAT for a packed operand whose rows are visibly not canonical, checking O(1) per
 * row: the last word of each B1 row must have no bit at positions >= k, the last mask/sign pair of each T2 row
 * neither, nor a sign bit outside its mask. NOT checked (O(k) per row): sign bits outside the mask in the T2
 * words before the last; bitern_t2_check does the full check, as the .btn loader does once per file. */
BITERN_API int bitern_dot_b1b1(const uint64_t *w, const uint64_t *x, size_t k, int32_t *out);
BITERN_API int bitern_dot_t2t2(const uint64_t *w, const uint64_t *x, size_t k, int32_t *out);
BITERN_API int bitern_dot_t2b1(const uint64_t *w, const uint64_t *x, size_t k, int32_t *out);
BITERN_API int bitern_dot_b1i8(const uint64_t *w, const int8_t *x, size_t k, int32_t *out);
BITERN_API int bitern_dot_t2i8(const uint64_t *w, const int8_t *x, size_t k, int32_t *out);

BITERN_API int bitern_gemv_b1b1(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_t2t2(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_t2b1(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_b1i8(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_t2i8(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k);

BITERN_API int bitern_gemm_b1b1(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k);
BITERN_API int bitern_gemm_t2t2(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k);
BITERN_API int bitern_gemm_t2b1(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k);
BITERN_API int bitern_gemm_b1i8(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k);
BITERN_API int bitern_gemm_t2i8(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k);

/* ---- Unchecked hot-path access: the dispatch table itself ---- */
typedef int32_t bitern_dot_bits_fn(const uint64_t *w, const uint64_t *x, size_t k);
typedef int32_t bitern_dot_i8_fn(const uint64_t *w, const int8_t *x, size_t k);
typedef void bitern_gemv_bits_fn(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k);
typedef void bitern_gemv_i8_fn(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k);
typedef void bitern_gemm_bits_fn(const uint64_t *w, const uint64_t *x, int32_t *c, size_t m, size_t n, size_t k);
typedef void bitern_gemm_i8_fn(const uint64_t *w, const int8_t *x, int32_t *c, size_t m, size_t n, size_t k);
/* Packing kernels: inputs already validated (finite, thr >= 0); they write every output word, padding included. */
typedef void bitern_pack_b1_f32_fn(const float *x, size_t n, uint64_t *out);
typedef void bitern_pack_t2_f32_fn(const float *x, size_t n, float thr, uint64_t *out);
/* Returns the absolute maximum as raw float bits of |x| (>= 0x7f800000 means NaN or infinity was seen). */
typedef uint32_t bitern_absmax_f32_fn(const float *x, size_t n);
/* q[i] = clamp(round-to-nearest-even(x[i] * inv), -127, 127), computed in float without contraction; x and inv
 * finite (the conversion of NaN is not defined). */
typedef void bitern_quant_i8_f32_fn(const float *x, size_t n, float inv, int8_t *q);

typedef struct bitern_kernels {
    bitern_dot_bits_fn *dot_b1b1, *dot_t2t2, *dot_t2b1;
    bitern_dot_i8_fn *dot_b1i8, *dot_t2i8;
    bitern_gemv_bits_fn *gemv_b1b1, *gemv_t2t2, *gemv_t2b1;
    bitern_gemv_i8_fn *gemv_b1i8, *gemv_t2i8;
    bitern_gemm_bits_fn *gemm_b1b1, *gemm_t2t2, *gemm_t2b1;
    bitern_gemm_i8_fn *gemm_b1i8, *gemm_t2i8;
    bitern_pack_b1_f32_fn *pack_b1_f32;
    bitern_pack_t2_f32_fn *pack_t2_f32;
    bitern_absmax_f32_fn *absmax_f32;
    bitern_quant_i8_f32_fn *quant_i8_f32;
} bitern_kernels;

/* The table in use (initialising on first call), or NULL if bitern_init failed. Preconditions of its
 * functions: k <= BITERN_MAX_K, packed inputs canonical, buffers of the documented sizes. */
BITERN_API const bitern_kernels *bitern_get_kernels(void);

#ifdef __cplusplus
}
#endif
#endif
