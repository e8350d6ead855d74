/* SPDX-License-Identifier: MIT */
/*
 * `bitern compare`: float, pure binary, pure ternary and SQ models of one architecture on one dataset,
 * trained here (or loaded), measured by the engine at every ISA level the CPU has, and reported side by side.
 */
#ifndef BITERN_COMPARE_H
#define BITERN_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include <bitern.h>

#include "engine/engine.h"

enum { CMP_FLOAT, CMP_BINARY, CMP_TERNARY, CMP_SQ, CMP_N_MODELS };
#define CMP_MAX_OPS 64
#define CMP_MAX_EPOCHS 1024

/* One model at one kernel level. */
typedef struct cmp_level {
    bitern_isa isa;
    size_t images;           /* test images run at this level */
    double acc;              /* on those images */
    double lat_med, lat_p99; /* seconds, batch 1, one thread */
    size_t lat_n;
    int n_thr;
    double ips[16];          /* batch-64 images/s for 1..n_thr threads */
    size_t mismatches;       /* predictions that differ from the top level's on the same images */
    int deterministic;       /* same predictions at every thread count */
    /* per op, us per image at batch 1 (bte_results op1 / kern1 / bare1): the op, its GEMM call, the bare GEMM */
    double op_us[CMP_MAX_OPS], gemm_us[CMP_MAX_OPS], bare_us[CMP_MAX_OPS];
    double bare_sum_us;
} cmp_level;

/* beta of each quantized layer at the end of each epoch, from the trainer's JSON-lines log. */
typedef struct cmp_trace {
    char dataset[32], spec[1024];        /* as the log's start line says */
    char quant[16];                      /* the log's "quant": float, binary, ternary, sq, ... */
    int epochs;                          /* planned, from the start line */
    int init_from_float;                 /* started from a trained float model (bitern train --init) */
    int n_epochs, n_layers, reg_epochs;
    int layer[CMP_MAX_OPS];              /* model layer index */
    double beta[CMP_MAX_EPOCHS][CMP_MAX_OPS];
    double freeze_before, freeze_after;  /* test accuracy around the freeze ("freeze" line), < 0: not logged */
    char depths[CMP_MAX_OPS + 1];        /* --quant mixed's --depths, "" otherwise */
} cmp_trace;

typedef struct cmp_model {
    int kind;                /* CMP_* */
    char name[40];           /* "float", ..., or a search's "BTTB", "sq-g0.05" */
    char path[4096], log[4096];
    int trained;             /* trained by this run (else loaded) */
    double train_seconds;    /* wall time of the training, when trained here */
    double train_acc;        /* the trainer's own test accuracy of the final network (log), -1 if unknown */
    bte_size size;
    int n_ops;
    bte_op_info ops[CMP_MAX_OPS];
    int n_levels;
    cmp_level levels[BITERN_ISA_COUNT];   /* levels[0] is the top level, where the whole test set runs */
    int has_trace;
    cmp_trace trace;
} cmp_model;

typedef struct cmp_run {
    const char *dataset, *model, *data_dir, *models_dir, *out_dir;
    char spec[1024];
    int epochs, threads, check_n, lat_n;
    int init_float, q_epochs;    /* --init-float: quantized models start from the float one, for q_epochs */
    float gamma;                 /* SQ's gamma, < 0: the trainer's default */
    unsigned long long seed;
    size_t limit_train, limit_test;   /* limit_test: the trainer's own evaluations only */
    int search;                  /* --search: the depth search against SQ (compare/search.c) */
    int act;                     /* --act: 0 relu, 1 sign, 2 tern before the quantized layers (bitern train --act) */
    float gammas[16];            /* --gammas: SQ's runs in the search */
    int n_gammas, sq_price;      /* sq_price: --sq-price of those runs (SQ_PRICE_*) */
    char cpu[128], openblas_core[64], date[32], command[2048];
    cmp_model m[CMP_N_MODELS];
} cmp_run;

/* Quantized layers up to which --search tries every assignment (2^L runs); beyond, a greedy walk. */
#define CMP_SEARCH_EXHAUSTIVE 4
/* `bitern compare --search`: trains (or loads from --models) the search and SQ's runs, measures, reports in
 * out_dir (search.md, .csv, .json, search.gp and its PNGs). Returns the exit status. */
int cmp_search(cmp_run *r);
/* The test split of r's dataset (the training split is loaded with it and freed); -1 with the message printed. */
int cmp_load_test_set(const cmp_run *r, bm_dataset *test);
/* --gammas G1,G2,... into r->gammas; -1 (message printed) when malformed. */
int cmp_parse_gammas(const char *s, cmp_run *r);
/* Checks --search's options against the others and fills its defaults; -1 (message printed). */
int cmp_search_options(cmp_run *r);
const char *cmp_kind_name(int kind);    /* "float", "binary", "ternary", "sq" */
/* The time left of a run of many trainings, at the pace of those done: seconds per epoch so far times the
 * epochs left. cmp_eta_text gives "" before any training finished, else ", ETA h:mm:ss of training". */
typedef struct cmp_eta {
    double seconds, epochs;
} cmp_eta;
void cmp_eta_add(cmp_eta *e, double seconds, int epochs);
const char *cmp_eta_text(const cmp_eta *e, int epochs_left, char *buf, size_t cap);
/* Parses a trainer log (train/trainer.c's JSON lines). Returns 0, or -1 if it cannot be read or has no epochs. */
int cmp_read_trace(const char *path, cmp_trace *t, double *final_acc);

/* Builds dir/name in memory with fn(arg, stream), then replaces it atomically; 0 or -1 (message printed). */
typedef void cmp_writer_fn(const void *arg, FILE *f);
int cmp_write_atomic(const char *dir, const char *name, cmp_writer_fn *fn, const void *arg);
/* results.md / results.csv / results.json in out_dir, each written atomically; 0 or -1 (message printed). */
int cmp_write_reports(const cmp_run *r);
/* What fn(ctx, stream) prints, in a malloc'd buffer of *n bytes; NULL (message printed) when out of memory. */
char *cmp_build_text(cmp_writer_fn *fn, const void *ctx, size_t *n);
/* Writes n bytes of buf to path atomically; 0, or -1 with the message printed. */
int cmp_write_buffer(const char *path, const char *buf, size_t n);
/* The Markdown table on a stream (the same text as results.md). */
void cmp_print_markdown(const cmp_run *r, FILE *f);
/* "- freeze: ..." (a line of Markdown): the logged test accuracy before / after each model's freeze and at the end,
 * with a fall of more than 2 points flagged. Nothing when no log has a freeze line. */
void cmp_print_freeze(const cmp_model *m, int n, FILE *f);
/* Writes out_dir/gp_name (atomically) and runs gnuplot on it there, with suffix='.tmp' set: the script draws
 * each out_dir/NAME.png.tmp for NAME in pngs, renamed when gnuplot succeeds. 0, 1 without gnuplot, -1. */
int cmp_gnuplot(const char *out_dir, const char *gp_name, const char *script_text, size_t len,
                const char *const *pngs, size_t n_png);
/* A script's "reset, terminal, output NAME.png + suffix, grid" for one plot. */
void cmp_gnuplot_output(FILE *f, const char *name, int w, int h);
/* PNG plots through gnuplot; returns 0, 1 if gnuplot is missing (a note is printed), -1 on failure. */
int cmp_write_plots(const cmp_run *r);

#endif
