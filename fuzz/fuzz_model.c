/* SPDX-License-Identifier: MIT */
/* The .btn loader, the engine's compilation of what it loaded (together `bitern eval`'s bte_load), and the
 * trainer's rebuild of it (`bitern train --init`). */
#include "engine/engine.h"
#include "fuzz_util.h"
#include "train/model_file.h"

static void load(const char *path)
{
    bm_model m;
    if (bm_model_load(path, &m) < 0)
        return;
    bte_free(bte_compile(&m));
    tr_model t;
    if (tr_model_from(&m, path, &t, 1) == 0)
        tr_model_free(&t);
    bm_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_load_checksummed(data, size, load);
    return 0;
}
