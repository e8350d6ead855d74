/* SPDX-License-Identifier: MIT */
/*
 * The CIFAR-10 reader. Input: one flags byte, then the batch file. Bit 0 of the flags passes the file twice
 * (the several-batch path: counts summed, records concatenated).
 */
#include <stdlib.h>

#include "model/data.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int twice = data[0] & 1;
    const char *path = fz_file(0, data + 1, size - 1);
    const char *paths[2] = {path, path};
    bm_dataset d;
    if (bm_cifar_load(paths, twice ? 2 : 1, &d) == 0) {
        if (d.n == 0 || d.n * 3073 != (size - 1) * (twice ? 2 : 1))
            abort();
        for (size_t i = 0; i < d.n; i++)
            if (d.y[i] >= BM_NUM_CLASSES)
                abort();
        bm_dataset_free(&d);
    }
    return 0;
}
