/* SPDX-License-Identifier: MIT */
/* The engine compiles plain models (model/btn.h); the tests build theirs with the trainer, whose forward pass is the
 * reference: this compiles a trainer model through its plain view. */
#ifndef BITERN_TESTS_COMPILE_TR_H
#define BITERN_TESTS_COMPILE_TR_H

#include "engine/engine.h"
#include "train/model_file.h"

static inline bte_engine *compile_tr(const tr_model *m)
{
    bm_model v;
    if (tr_model_view(m, &v) < 0)
        return NULL;
    bte_engine *e = bte_compile(&v);
    bm_model_free(&v);
    return e;
}

#endif
