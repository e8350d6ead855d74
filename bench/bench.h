// SPDX-License-Identifier: MIT
/*
 * bitern-bench: the C side of the benchmark suite. The kernels, the buffers, the thread split and the roofline
 * loops are all C; main.cc is only a shim that registers these cases with Google Benchmark and times them.
 */
#ifndef BITERN_BENCH_H
#define BITERN_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* internal.h has no C++ guard of its own: its declarations are C. */
#include "internal.h"
#include "model/pool.h"

/* ---- the machine (sysinfo.c) ---- */
/* Data cache size of level 1..3 in bytes: sysconf, then /sys, then a conservative guess (never 0). */
size_t bb_cache_size(int level);
int bb_ncpus(void);
/* bitern's CPU name, or /proc/cpuinfo's model name where bitern detects nothing (a build without SIMD). */
const char *bb_cpu_name(void);
/* The CPU's features as BITERN_CPU_* flags even in a build without SIMD variants (where bitern detects nothing):
 * the bandwidth loops, the float ceiling and the OpenBLAS core type depend on the machine, not on the build. */
unsigned bb_machine_flags(void);
/* Space-separated feature names bitern detected, and those the CPU has beyond them (for the record). */
void bb_feature_string(char *buf, size_t len);
/* If OPENBLAS_CORETYPE is unset, sets it to the best core type for this CPU and re-executes the program, because
 * OpenBLAS reads it only when the library loads. A value the user set is kept. Returns only if no re-exec. */
void bb_openblas_reexec(int argc, char **argv);

/* ---- threads: the project's one pool (model/pool.h), in its spinning mode ---- */
/* Workers spin on a generation counter while a benchmark runs (BM_POOL_SPIN), so a call costs no wake-up
 * latency; a pool exists only for the duration of one benchmark. Tasks are bm_pool_fn(arg, tid, nthreads). */
/* Rows [*r0, *r1) of m for thread tid of n, in blocks of 8 rows where m allows (kernels tile rows). */
void bb_split_rows(size_t m, int tid, int n, size_t *r0, size_t *r1);

/* ---- rooflines (roofline.c) ---- */
typedef enum { BB_MEM_L1, BB_MEM_L2, BB_MEM_L3, BB_MEM_DRAM, BB_MEM_COUNT } bb_mem;
extern const char *const bb_mem_names[BB_MEM_COUNT];

/* The inner-loop families whose instruction throughput bounds an op. */
typedef enum {
    BB_CEIL_B1B1, /* xor + popcount + add                         (dot/gemv/gemm_b1b1) */
    BB_CEIL_T2T2, /* and + xor-and + 2 popcounts + 2 adds          (t2t2) */
    BB_CEIL_T2B1, /* xor-and + 2 popcounts + 2 adds                (t2b1) */
    BB_CEIL_I8,   /* int8 multiply-accumulate: vpdpbusd, or its pre-VNNI sequence (b1i8, t2i8) */
    BB_CEIL_F32,  /* float FMA (the OpenBLAS baseline) */
    BB_CEIL_NONE, /* packing ops: bandwidth only */
    BB_CEIL_COUNT
} bb_ceil;

/* Best-of-15 read bandwidth (bytes/s) over `bytes` of `buf`, with `threads` threads each reading its own slice. */
double bb_read_bw(const void *buf, size_t bytes, bm_pool *pool);
/* Best-of-15 single-core throughput in elements (MACs) per second of the `c` loop, built from the instructions that
 * `flags` (a variant's CPU flags) allow; *loop_name says which loop that was. */
double bb_ceiling(bb_ceil c, unsigned flags, const char **loop_name);
/* The same loop on all the pool's threads at once: their aggregate rate (0 if there is no such loop). */
double bb_ceiling_threads(bb_ceil c, unsigned flags, bm_pool *pool);
/* The name of the loop bb_ceiling would time, without timing it. */
const char *bb_ceiling_name(bb_ceil c, unsigned flags);

/* ---- benchmark cases (cases.c) ---- */
typedef enum { BB_DOT, BB_GEMV, BB_GEMM, BB_PACK } bb_kind;

typedef struct bb_case {
    const bitern_variant *v; /* NULL: the OpenBLAS float baseline (sgemv / sgemm) */
    bitern_op op;            /* for the baseline, the op it stands beside (its kind) */
    size_t m, n, k;          /* dot: k; gemv: m x k; gemm: m x n x k; pack: n */
    int stream;              /* weights cycled through copies larger than the LLC */
    int threads;
    const char *layer;       /* the network layer this shape comes from, or NULL */
} bb_case;

bb_kind bb_op_kind(bitern_op op);
bb_ceil bb_op_ceil(bitern_op op);

/* Per-call work, for the counters. */
typedef struct bb_work {
    double elements; /* weight elements (dot: k, pack: n) */
    double macs;     /* multiply-accumulates (0 for packing) */
    double wbytes;   /* weight bytes read */
    double bytes;    /* bytes that must come from `mem` per call (weights, and for dot both operands) */
    bb_mem mem;      /* where they live; BB_MEM_COUNT: the op is compute-bound (gemm) */
} bb_work;
bb_work bb_case_work(const bb_case *c);

typedef struct bb_run bb_run;
/* Allocates and fills the operands; NULL with a message on failure. */
bb_run *bb_run_new(const bb_case *c, char *err, size_t errlen);
void bb_run_call(bb_run *r); /* one call of the op (all threads) */
void bb_run_free(bb_run *r);

/* The DRAM arena: one buffer of `bytes` (> the LLC) shared by every streamed case and the DRAM roofline. */
void bb_arena_init(size_t bytes);
size_t bb_arena_size(void);
const void *bb_arena_raw(void);

/* OpenBLAS, if the build has it. */
int bb_have_openblas(void);
const char *bb_openblas_corename(void);
const char *bb_openblas_config(void);

#ifdef __cplusplus
}
#endif
#endif
