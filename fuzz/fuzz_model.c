/* SPDX-License-Identifier: MIT */
/* The .btn loader, and the engine's compilation of what it loaded: together they are `bitern eval`'s bte_load. */
#include "engine.h"
#include "fuzz_util.h"
#include "model_file.h"

static void load(const char *path)
{
    tr_model m;
    if (tr_model_load(path, &m, 1) < 0)
        return;
    bte_free(bte_compile(&m));
    tr_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_load_checksummed(data, size, load);
    return 0;
}
