// SPDX-License-Identifier: MIT
// Between roofline.c (timing, bandwidth) and the per-architecture ceiling loops (ceil_x86.c, ceil_generic.c).
#ifndef BITERN_BENCH_ROOFLINE_H
#define BITERN_BENCH_ROOFLINE_H

#include <stdint.h>

#include "bench.h"

// Runs `iters` iterations of a register-only loop and returns how many elements (MACs) that was. The result
// of the work goes to bb_sink so that the compiler must compute it.
typedef double bb_ceil_loop(uint64_t iters);
extern volatile uint64_t bb_sink;

// The loop for ceiling `c` using only instructions that `flags` allow (NULL if none); *name describes it. Where
// two methods compete (LUT or Harley-Seal popcount), *alt is set to the second and the faster one counts.
bb_ceil_loop *bb_ceil_pick_arch(bb_ceil c, unsigned flags, const char **name, bb_ceil_loop **alt);
// Portable C loops: the fallback on every architecture, and the ceiling of the scalar reference.
bb_ceil_loop *bb_ceil_pick_generic(bb_ceil c, const char **name);

// A read of `bytes` (a multiple of 64, 64-byte aligned) `passes` times, with the widest loads the CPU has.
uint64_t bb_read_loop_arch(const uint8_t *p, size_t bytes, uint64_t passes);

#endif
