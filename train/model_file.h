/* SPDX-License-Identifier: MIT */
/*
 * The trainer's side of the .btn file (model/btn.h holds the format): a trained tr_model seen as the plain
 * bm_model the format and the engine take, and a bm_model (a file) turned back into a tr_model to train on or
 * evaluate.
 */
#ifndef BITERN_TRAIN_MODEL_FILE_H
#define BITERN_TRAIN_MODEL_FILE_H

#include "model/btn.h"
#include "model/data.h"
#include "train/nn.h"

/* A view of m as plain parameters: the layer array is allocated (bm_model_free frees it), every parameter
 * pointer is m's (quantized layers show wq, the values the network is evaluated with). 0, or -1 out of memory. */
int tr_model_view(const tr_model *m, bm_model *view);
/* The format's limits (bm_model_check_limits) applied to m: `bitern train` checks its model before it starts. */
int tr_btn_check_model(const tr_model *m, int quantized);
/* bm_model_save of the view: the writer validates what it writes with the loader's own checks. */
int tr_model_save(const tr_model *m, const char *path);
void tr_model_apply_norm(const tr_model *m, bm_dataset *d);
/* Builds *m (batch capacity batch_cap) from a plain model. Quantized layers get wq = scale * unpacked weights
 * (and w a copy of it); their depth is set, so nothing must requantize them. */
int tr_model_from(const bm_model *src, const char *name, tr_model *m, int batch_cap);
/* bm_model_load + tr_model_from. */
int tr_model_load(const char *path, tr_model *m, int batch_cap);
/* The same from a file image in memory (not kept); name is what messages call it. */
int tr_model_load_memory(const void *buf, size_t n, const char *name, tr_model *m, int batch_cap);

#endif
