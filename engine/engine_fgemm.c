/* SPDX-License-Identifier: MIT */
/*
 * The engine's float GEMM, for the float layers (a model's first conv and last fc in SQ, every layer of a float
 * model): C = A B, row-major, each output summed in the fixed order k = 0 .. K-1 (engine_fgemm_impl.h). An
 * output's value depends only on its own row of A and column of B: never on M, N, the batch split, the thread
 * count or the vector width, so logits are bit-identical at every ISA level and batch shape. OpenBLAS
 * (cblas_sgemm) picks its blocking and kernel from the matrix shape and the CPU: on the AMD EPYC machines the
 * float layer's rounding changed with the batch chunk, flipped a sign activation after it, and engine_agree
 * failed.
 *
 * The price is FMA: -ffp-contract=off keeps multiply and add separate (a fused multiply-add rounds once, and
 * the baseline x86-64 build has no FMA to match it with), so the peak is half of what OpenBLAS reaches on
 * large matrices. The engine's float layers are small; engine/README.md has the measurement.
 */
#include <string.h>

#include "engine/engine_internal.h"

#define FG_MR 4                 /* rows of A per tile */
#define FG_NV 2                 /* vectors of columns per tile of FG_MR rows */
#define FG_NV1 8                /* vectors of columns per tile of one row */
#define FG_BLOCK_FLOATS 6144    /* floats of B (K x block columns) kept in L1 across the rows of A */

#define FG_SUFFIX generic
#define FG_ATTR
#define FG_LANES 4
#include "engine/engine_fgemm_impl.h"
#undef FG_SUFFIX
#undef FG_ATTR
#undef FG_LANES

/* Variants for the wider x86 units, picked by bitern's ISA level like the kernels (so BITERN_ISA and
 * bitern_set_isa reach them and the tests compare them). gcc and clang both take target attributes. */
#if defined(__x86_64__) && defined(__GNUC__)
#define BE_FGEMM_X86 1
#define FG_SUFFIX avx2
#define FG_ATTR __attribute__((target("avx2")))
#define FG_LANES 8
#include "engine/engine_fgemm_impl.h"
#undef FG_SUFFIX
#undef FG_ATTR
#undef FG_LANES

#define FG_SUFFIX avx512
#define FG_ATTR __attribute__((target("avx512f")))
#define FG_LANES 16
#include "engine/engine_fgemm_impl.h"
#undef FG_SUFFIX
#undef FG_ATTR
#undef FG_LANES
#endif

be_fgemm_fn *be_fgemm_pick(void)
{
#ifdef BE_FGEMM_X86
    const char *isa = bitern_isa_name();
    if (!strcmp(isa, "avx512"))
        return be_fgemm_avx512;
    if (!strcmp(isa, "avx2"))
        return be_fgemm_avx2;
#endif
    return be_fgemm_generic;
}

size_t be_fgemm_pad(size_t n) { return (n + BE_FGEMM_PAD - 1) / BE_FGEMM_PAD * BE_FGEMM_PAD; }
