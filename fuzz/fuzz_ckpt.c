/* SPDX-License-Identifier: MIT */
/* The checkpoint loader (`--resume`), into one fixed model (ckpt_model.h). The model is built once: a load
 * overwrites parameters but never the shapes it checks against. */
#include <stdlib.h>

#include "ckpt_model.h"
#include "fuzz_util.h"

static tr_model model;
static tr_optim opt;
static tr_beta_optim bopt;

static void load(const char *path)
{
    tr_ckpt_meta meta = {.fingerprint = FZ_CKPT_FINGERPRINT};
    /* After a successful load, resuming quantizes at the depths the file gave: so do we. */
    if (tr_ckpt_load(path, &meta, &model, &opt, &bopt) == 0)
        tr_model_quantize_weights(&model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model.n)
        fz_ckpt_model(&model, &opt, &bopt);
    fz_load_checksummed(data, size, load);
    return 0;
}
