/* SPDX-License-Identifier: MIT */
/* Training checkpoints: everything needed to continue bit-exactly after the last finished epoch (weights,
 * BN statistics, quantization state, optimizer moments). Written atomically with a checksum. */
#ifndef BITERN_TRAIN_CHECKPOINT_H
#define BITERN_TRAIN_CHECKPOINT_H

#include <stdint.h>

#include "nn.h"
#include "optim.h"

typedef struct tr_ckpt_meta {
    uint64_t fingerprint;   /* hash of the settings that shape training: resuming with others is refused */
    uint32_t epochs_done;
    uint32_t quantized;     /* depths are decided and frozen */
} tr_ckpt_meta;

int tr_ckpt_save(const char *path, const tr_ckpt_meta *meta, const tr_model *m, const tr_optim *o,
                 const tr_beta_optim *bo);
/* meta->fingerprint is the expected one on input; epochs_done and quantized are filled in. */
int tr_ckpt_load(const char *path, tr_ckpt_meta *meta, tr_model *m, tr_optim *o, tr_beta_optim *bo);

#endif
