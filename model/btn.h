/* SPDX-License-Identifier: MIT */
/*
 * A trained model as plain parameters (no gradients, no scratch) and its file, .btn (version 1). Little-endian:
 *   magic "BTRNMDL\0" (8 bytes), u32 version, u32 in_c, in_h, in_w, n_classes, n_layers, u32 flags (0),
 *   u32 n_norm (in_c if in_c <= 4, else 0), f32 mean[n_norm], f32 std[n_norm]: inputs are (pixel/255 - mean)/std
 *   per layer: u32 type (bm_ltype), u32 in_c, in_h, in_w, out_c, out_h, out_w, u32 k, stride, pad, f32 drop_p
 *     conv / dense: u32 depth (0 float, 1 binary, 2 ternary), u32 per_channel, f32 beta, f32 s_l, f32 thr,
 *       depth 0: f32 weights[out_c * fan_in]
 *       depth 1: f32 scale[out_c], u64 B1 rows[out_c * b1_words(fan_in)]   (bitern's B1: bit set = -1)
 *       depth 2: f32 scale[out_c], u64 T2 rows[out_c * t2_words(fan_in)]   (bitern's T2: mask word, sign word)
 *       f32 bias[out_c]
 *     bn: f32 eps, f32 gamma[c], shift[c], running mean[c], running var[c]
 *   u64 XXH3-64 of everything before it.
 * Weights of row r are scale[r] * (unpacked row r).
 *
 * One validator, bm_model_check, is applied by the writer before it writes and by the loader to what it read, so
 * nothing can be written that cannot be read back. The loader also checks what only a file can get wrong: the
 * checksum, canonical packed rows, fields a layer type does not use (zero), bytes left over.
 */
#ifndef BITERN_MODEL_BTN_H
#define BITERN_MODEL_BTN_H

#include <stddef.h>

#include "model/data.h"
#include "model/layer.h"

#define BM_BTN_VERSION 1
/* The limits of the format: a spec beyond them would train and then not load. */
#define BM_BTN_MAX_LAYERS 4096
#define BM_BTN_MAX_DIM 65536   /* channels, classes, input sizes, kernel, stride, padding */
#define BM_MAX_NORM_C 4

typedef struct bm_layer {
    bm_shape s;
    /* conv / dense */
    int depth;                 /* BM_DEPTH_* */
    int per_channel;           /* scales per output channel (1) or one per layer (0): informative */
    float beta, sq_s, thr;     /* the quantizer's state when it was saved: informative */
    float *w;                  /* nw values: the float weights, or scale[r] * (-1, 0, +1) when quantized */
    float *scale;              /* out_c scales (quantized layers; NULL for float ones) */
    float *b;                  /* out_c biases */
    /* bn (inference form: gamma * (x - mean) / sqrt(var + eps) + shift) */
    float eps;
    float *gamma, *shift, *mean, *var;
} bm_layer;

typedef struct bm_model {
    int n;
    bm_layer *layers;
    int in_c, in_h, in_w, n_classes;
    /* Input normalisation the model was trained with (x = (pixel / 255 - mean[c]) / std[c]), for in_c <= 4. */
    float in_mean[BM_MAX_NORM_C], in_std[BM_MAX_NORM_C];
    int owned;                 /* the arrays are the model's (bm_model_free frees them) */
} bm_model;

/* The format's limits alone (layer count, every stored field, packed fan-ins within BITERN_MAX_K when quantized):
 * what the trainer checks of its model before it starts. 0, or -1 with bm_error() naming the layer. */
int bm_model_check_limits(const bm_model *m, int quantized);
/* Everything a file may hold: the limits, shapes that chain (recomputed from the types and hyper-parameters),
 * the class count, finite normalisation with std > 0, known depths, finite quantizer fields, finite weights and
 * biases, quantized rows that are exactly +-scale (binary) or 0/+-scale (ternary) with finite scales >= 0, sane
 * batch norms. name prefixes the messages. */
int bm_model_check(const bm_model *m, const char *name);

/* Writes m to path atomically (model/serial.h) after bm_model_check. */
int bm_model_save(const bm_model *m, const char *path);
/* Reads and validates a file; on success *m owns its parameters (bm_model_free). */
int bm_model_load(const char *path, bm_model *m);
/* The same from a file image in memory (not kept); name is what messages call it. */
int bm_model_load_memory(const void *buf, size_t n, const char *name, bm_model *m);
void bm_model_free(bm_model *m);

/* Makes d's batches normalised as m was trained (its stored per-channel mean and std): every reader of a model
 * that feeds it a dataset calls this, so `eval`, `compare` and `train --eval` all see the same inputs. */
void bm_model_apply_norm(const bm_model *m, bm_dataset *d);

#endif
