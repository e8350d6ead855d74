/* SPDX-License-Identifier: MIT */
/* The trainer's entry points: the configuration of a run (tools/cmd_train.c fills it from the command line). */
#ifndef BITERN_TRAIN_H
#define BITERN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TR_Q_FLOAT = 0,   /* no quantization */
    TR_Q_BINARY,      /* SQ pipeline with beta frozen at pi/2 (binary wells only), then sign + STE fine-tune */
    TR_Q_TERNARY,     /* SQ pipeline with beta frozen at pi/4 (three equal wells), then ternary + STE */
    TR_Q_SQ,          /* Smart Quantization: trainable beta per layer, depth decided per layer */
    TR_Q_BC,          /* BinaryConnect-style: sign weights with STE from the first step */
    TR_Q_TWN,         /* Ternary Weight Networks: threshold 0.7 mean|w| with STE from the first step */
    TR_Q_MIXED,       /* the binary/ternary pipeline with each quantized layer's depth given (--depths) */
} tr_quant_mode;

typedef struct tr_config {
    const char *dataset, *model, *data_dir, *out, *log, *ckpt, *resume;
    const char *init;             /* --init: a float .btn of the same architecture to start from, or NULL */
    const char *depths;           /* --quant mixed: one letter per quantized layer in order, B or T */
    tr_quant_mode quant;
    int epochs, ft_epochs;        /* ft_epochs < 0: default (see trainer.c) */
    int batch, threads, quant_all, per_channel, p, act, opt, sched, lr_step, augment, quiet;
    float lr, wd, momentum, lambda, gamma, beta0, beta_lr, depth_thr, u0_bin;
    uint64_t seed;
    size_t limit_train, limit_test;
    int stop_after;               /* testing: end (as if interrupted) after this many epochs, 0 = never */
    int keep_ckpt;                /* keep the checkpoint of a run that finished and wrote --out (else removed) */
    int sq_price;                 /* SQ_PRICE_LAYER (the paper's gamma cot(beta) per layer) or SQ_PRICE_SIZE */
    double budget_bits;           /* --budget-bits: mean bits per quantized weight at most this, 0 = none */
    double budget_bytes;          /* --budget-bytes: packed bytes of the quantized weights at most this, 0 = none */
} tr_config;

void tr_config_defaults(tr_config *c);
/* Runs training as configured; returns 0, or -1 with bm_error() set, or 1 when a stop signal ended it early
 * (a checkpoint was written: --ckpt, else <--out>.ckpt, else TR_DEFAULT_STOP_CKPT). *final_acc gets the test
 * accuracy of the final (quantized) network if not NULL. */
int tr_train_run(const tr_config *c, double *final_acc);
/* Refuses (-1, bm_error() set) a run whose outputs (--out, --log, --ckpt or the checkpoint a stop writes) name
 * another of its files (--init, --resume, the dataset's, or another output): tr_train_run calls it first. */
int tr_train_check_paths(const tr_config *c);
#define TR_DEFAULT_STOP_CKPT "bitern-train.ckpt"
/* Makes SIGINT and SIGTERM stop tr_train_run after the current batch (a second one kills). */
void tr_train_catch_signals(void);
int tr_train_stop_signal(void);   /* the signal that stopped training, 0 if none */
const char *tr_quant_name(tr_quant_mode q);
/* --act's values, indexed by tr_config.act: relu kept, sign or tern before the quantized layers. */
extern const char *const tr_act_names[3];
/* The global step at which sq/binary/ternary/mixed freeze their depths: the start of epoch E - F for F =
 * --ft-epochs (ft_epochs >= 0; 0 gives steps_per_epoch * E, no fine-tuning), else F = max(1, E / 3) for E >= 2
 * and, for E = 1, the last third of the single epoch fine-tunes: every default schedule fine-tunes. */
size_t tr_freeze_step(int epochs, int ft_epochs, size_t steps_per_epoch);
/* A fall of test accuracy (points) at the freeze above this is flagged on stderr and in the log. */
#define TR_FREEZE_DROP_WARN 2.0
/* Loads a .btn model and measures it on a dataset's test split. */
int tr_evaluate_file(const char *model_path, const char *dataset, const char *data_dir, int batch, double *acc,
                     double *loss);

#endif
