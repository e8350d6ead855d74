/* SPDX-License-Identifier: MIT */
/* Training checkpoints: everything needed to continue bit-exactly (weights, BN statistics, quantization state,
 * optimizer moments) after the last finished epoch, or, when training was stopped by a signal, after the last
 * finished batch (then also the epoch's RNG streams and running sums). Written atomically with a checksum. */
#ifndef BITERN_TRAIN_CHECKPOINT_H
#define BITERN_TRAIN_CHECKPOINT_H

#include <stdint.h>

#include "train/nn.h"
#include "train/optim.h"

typedef struct tr_ckpt_meta {
    uint64_t fingerprint;   /* hash of the settings that shape training: resuming with others is refused */
    uint32_t epochs_done;
    uint32_t quantized;     /* depths are decided and frozen */
    /* Mid-epoch state (version 2): batches of epoch epochs_done already done, 0 at an epoch boundary. The
     * shuffle order is not stored: it is regenerated from (seed, epoch), then the streams are set to these. */
    uint32_t step;
    uint64_t rng[4], drop_rng[4];
    double loss_sum, reg_sum;
    uint64_t correct;
} tr_ckpt_meta;

int tr_ckpt_save(const char *path, const tr_ckpt_meta *meta, const tr_model *m, const tr_optim *o,
                 const tr_beta_optim *bo);
/* meta->fingerprint is the expected one on input; epochs_done and quantized are filled in. */
int tr_ckpt_load(const char *path, tr_ckpt_meta *meta, tr_model *m, tr_optim *o, tr_beta_optim *bo);

#endif
