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
 * T3 (ternary, {-1,0,+1}, 5 elements per byte: 1.6 bits per element, for weights that stream from memory)
 *   Blocks of 320 elements in 64 bytes (8 words). Byte i (0..63) of block b holds the five elements
 *   e_j = 320 b + 64 j + i, j = 0..4, as digits d_j = w[e_j] + 1 in {0, 1, 2} of the base-3 number
 *   v = 81 d_0 + 27 d_1 + 9 d_2 + 3 d_3 + d_4 (0 <= v < 243), stored as the byte q = ceil(256 v / 243): q / 256 is
 *   then the base-3 fraction 0.d_0 d_1 d_2 d_3 d_4 rounded up, and d_j = (3 * (q * 3^j mod 256)) >> 8 decodes each
 *   digit with byte arithmetic (p_0 = q, d_j = 3 p_j >> 8, p_{j+1} = 3 p_j mod 256). Byte i of a block is byte i % 8
 *   of its word i / 8 (little-endian), so a block is also 64 contiguous bytes. Plane j of a block (its elements
 *   320 b + 64 j .. + 63) lines up with 64 contiguous bytes of an int8 vector: one 512-bit, two 256-bit or four
 *   128-bit loads. A vector of n elements takes bitern_t3_words(n) = 8 * ceil(n/320) words (1.625 bits per element
 *   at n = 4096). Canonical form, which bitern_t3_check() tests: every byte is the code of some v < 243 (243 of the
 *   256 byte values), and padding elements (positions >= n in the last block) are 0 (digit 1). Kernels do not read
 *   the padding's values, but tools compare packed rows bytewise. Only the int8 ops take T3 (dot_t3i8, gemv_t3i8).
 *
 * I8 (int8 activations)
 *   int8_t values in [-127, 127] (never -128, so that negation stays in range), n contiguous bytes, no padding
 *   and no alignment requirement: kernels read exactly n bytes. One float scale per vector (or per row of a
 *   matrix) maps back to real values: x ~= q * scale; bitern_quantize_i8 picks scale = absmax / 127.
 *
 * Matrices are row-major and dense: row r of an M x K B1 matrix starts at word r * bitern_b1_words(K), of a T2
 * matrix at word r * bitern_t2_words(K), of a T3 matrix at word r * bitern_t3_words(K), of an I8 matrix at byte r * K.
 *
 * OPERATIONS (every result is an exact integer)
 *   dot_XY(w, x, k)             = sum_i w[i] * x[i]                         over k elements
 *   gemv_XY(w, x, y, m, k)      : y[r] = dot_XY(row r of W, x, k)           for r < m
 *   gemm_XY(w, x, c, m, n, k)   : c[r*n + j] = dot_XY(row r of W, row j of X, k)   (C = W . X^T, M x N, int32)
 * with XY one of b1b1, t2t2, t2b1 (W ternary, X binary), b1i8 and t2i8 (W packed, X int8); dot and gemv also t3i8.
 * k is limited to BITERN_MAX_K = 2^24 elements, the largest length for which 127 * k fits in an int32: every
 * result and every partial sum in every variant is then exact.
 *
 * DISPATCH
 *   The first call (or bitern_init) detects the CPU's features and fills one table with the best variant of each
 *   op. The environment variable BITERN_ISA (scalar | avx2 | avx512 | neon | neon-dotprod) caps the level; an
 *   unknown or unsupported value makes bitern_init fail with a message: bitern never falls back silently.
 *   bitern_set_isa() does the same from code. Switching levels is thread-safe: tables are never modified once
 *   published.
 *   Tuned: `bitern tune` measures every runnable variant on this CPU and writes a profile,
 *   $XDG_CACHE_HOME/bitern/tune-<cpu id>.txt (~/.cache/bitern without XDG_CACHE_HOME). The first call follows it
 *   where it names a variant the level allows; a profile for another CPU (id or features) or a malformed one is
 *   ignored whole, with a note on stderr; BITERN_TUNE=off ignores it. Every variant is exact: results are the same
 *   bits whichever runs. kernels/tune.c describes the file.
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

/* BITERN_VERSION_MAJOR, _MINOR, _PATCH and BITERN_VERSION_STRING: the version this header belongs to. */
#include "bitern_version.h"
/* The version of the library actually loaded (BITERN_VERSION_STRING of the build that made it). */
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
static inline size_t bitern_t3_words(size_t n) { return 8 * ((n + 319) / 320); }

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
/* What a tune profile is keyed by: vendor-family-model-stepping on x86 ("GenuineIntel-6-143-8"), arm-implementer-part
 * on AArch64. */
BITERN_API const char *bitern_cpu_id(void);

/* ---- Tuned dispatch ---- */
/* Where this CPU's profile lives (BITERN_EINVAL if neither XDG_CACHE_HOME nor HOME is set). */
BITERN_API int bitern_tune_path(char *buf, size_t len);
/* One line on what the profile did: "profile <path> (N ops)", "none at <path>...", "ignored <path>: <why>...". */
BITERN_API const char *bitern_tune_status(void);
/* Times every runnable variant of each dot, gemv and gemm op at a few shapes (quick: small ones) and returns the
 * profile text in *text (malloc'd: free it), the fastest of each op named; progress on stderr if verbose. */
BITERN_API int bitern_tune_measure(int quick, int verbose, char **text);

/* ---- Every compiled variant, for tools and tests ---- */
typedef struct bitern_variant_info {
    const char *op;       /* "dot_b1b1", ... */
    const char *name;     /* "avx512_vpopcntdq", ... */
    const char *isa;      /* the BITERN_ISA level it belongs to: "scalar", "avx2", "avx512", "neon", ... */
    unsigned flags;       /* CPU flags it needs */
    int runnable;         /* the CPU has those flags */
    int selected;         /* the dispatch table uses it now */
    const char *why;      /* if selected: "profile" (the tune profile named it) or "rank" (the cascade); else "" */
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
/* T3: sign(x) as in pack_t2_i8, and |x| > thr -> sign(x) as in pack_t2_f32; each writes bitern_t3_words(n) words,
 * padding included. bitern_t3_check: every byte a valid code, padding elements 0 (BITERN_EFORMAT otherwise). */
BITERN_API int bitern_pack_t3_i8(const int8_t *x, size_t n, uint64_t *out);
BITERN_API int bitern_pack_t3_f32(const float *x, size_t n, float thr, uint64_t *out);
BITERN_API int bitern_unpack_t3_i8(const uint64_t *p, size_t n, int8_t *out);
BITERN_API int bitern_unpack_t3_f32(const uint64_t *p, size_t n, float *out);
BITERN_API int bitern_t3_check(const uint64_t *p, size_t n);

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
BITERN_API int bitern_dot_t3i8(const uint64_t *w, const int8_t *x, size_t k, int32_t *out);

BITERN_API int bitern_gemv_b1b1(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_t2t2(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_t2b1(const uint64_t *w, const uint64_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_b1i8(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_t2i8(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k);
BITERN_API int bitern_gemv_t3i8(const uint64_t *w, const int8_t *x, int32_t *y, size_t m, size_t k);

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
    bitern_dot_i8_fn *dot_t3i8;   /* last, so that the table's earlier members keep their offsets */
    bitern_gemv_i8_fn *gemv_t3i8;
} bitern_kernels;

/* The table in use (initialising on first call), or NULL if bitern_init failed. Preconditions of its
 * functions: k <= BITERN_MAX_K, packed inputs canonical, buffers of the documented sizes. */
BITERN_API const bitern_kernels *bitern_get_kernels(void);

#ifdef __cplusplus
}
#endif
#endif
