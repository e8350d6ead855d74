/* SPDX-License-Identifier: MIT */
/*
 * The OpenBLAS core type, chosen once for every command and for bitern-bench. Debian's OpenBLAS 0.3.21 does not know
 * recent CPU generations (Sapphire Rapids, Zen 4/5) and falls back to its SSE3 "Prescott" kernels; it reads
 * OPENBLAS_CORETYPE only while the library loads, before main. So a command that uses OpenBLAS sets it, when the
 * user has not, and re-executes itself.
 */
#ifndef BITERN_TOOLS_OPENBLAS_CORE_H
#define BITERN_TOOLS_OPENBLAS_CORE_H

/* The newest core type whose instructions this CPU has: "Cooperlake" (AVX-512 + AVX512_BF16, which OpenBLAS checks
 * the same way), "SkylakeX" (AVX-512 F/BW/VL), "Haswell" (AVX2), or NULL (leave OpenBLAS's choice). */
const char *bitern_openblas_core_for_cpu(void);

/* Unless OPENBLAS_CORETYPE or BITERN_NO_REEXEC is set, or the CPU gets NULL above: sets OPENBLAS_CORETYPE and
 * re-executes the process with its original command line (/proc/self/cmdline, whatever tool wraps the command;
 * the new process sees the variable set, so it never loops). Returns only when nothing was to be done or the exec
 * failed (a warning on stderr, prefixed by `who`, says so). */
void bitern_openblas_reexec(const char *who);

#endif
