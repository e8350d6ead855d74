/* SPDX-License-Identifier: MIT */
/*
 * The .btn model file (version 1). Little-endian, in order:
 *   magic "BTRNMDL\0" (8 bytes), u32 version, u32 in_c, in_h, in_w, n_classes, n_layers, u32 flags (0),
 *   u32 n_norm (in_c if in_c <= 4, else 0), f32 mean[n_norm], f32 std[n_norm]: inputs are (pixel/255 - mean)/std
 *   per layer: u32 type (tr_ltype), u32 in_c, in_h, in_w, out_c, out_h, out_w, u32 k, stride, pad, f32 drop_p
 *     conv / dense: u32 depth (0 float, 1 binary, 2 ternary), u32 per_channel, f32 beta, f32 s_l, f32 thr,
 *       depth 0: f32 weights[out_c * fan_in]
 *       depth 1: f32 scale[out_c], u64 B1 rows[out_c * b1_words(fan_in)]   (bitern's B1: bit set = -1)
 *       depth 2: f32 scale[out_c], u64 T2 rows[out_c * t2_words(fan_in)]   (bitern's T2: mask word, sign word)
 *       f32 bias[out_c]
 *     bn: f32 eps, f32 gamma[c], shift[c], running mean[c], running var[c]
 *   u64 XXH3-64 of everything before it.
 * Weights of row r are scale[r] * (unpacked row r). The loader checks the checksum, then every field: shapes
 * must chain, packed rows must be canonical, floats finite, nothing may be left over.
 */
#ifndef BITERN_TRAIN_MODEL_FILE_H
#define BITERN_TRAIN_MODEL_FILE_H

#include "data.h"
#include "nn.h"

#define TR_BTN_VERSION 1

/* The limits of the format, the loader's and the writer's: a spec beyond them would train and then not load. */
#define TR_BTN_MAX_LAYERS 4096
#define TR_BTN_MAX_DIM 65536   /* channels, classes, input sizes, kernel, stride, padding */

/* Whether a model can be stored and read back: layer count, every stored field within the limits above, and
 * (packed, i.e. if quantized) fan-ins within BITERN_MAX_K. 0, or -1 with tr_error() naming the layer. The
 * loader applies it to what it builds; `bitern train` to its model before training starts. */
int tr_btn_check_model(const tr_model *m, int quantized);

int tr_model_save(const tr_model *m, const char *path);
/* Makes d's batches normalised as m was trained (its stored per-channel mean and std): every reader of a model
 * that feeds it a dataset calls this, so `eval`, `compare` and `train --eval` all see the same inputs. */
void tr_model_apply_norm(const tr_model *m, tr_dataset *d);
/* Builds *m from the file (batch capacity batch_cap). Quantized layers get wq = scale * unpacked weights
 * (and w a copy of it); their depth is set, so nothing must requantize them. */
int tr_model_load(const char *path, tr_model *m, int batch_cap);
/* The same from a file image in memory (not kept); name is what messages call it. */
int tr_model_load_memory(const void *buf, size_t n, const char *name, tr_model *m, int batch_cap);

#endif
