/* SPDX-License-Identifier: MIT */
/*
 * The IDX reader, through bm_idx_load_pair as `bitern train` uses it. Input: a 4-byte little-endian length L,
 * then the image file (L bytes, clamped to what is there), then the label file. Plain or gzip, as on disk.
 */
#include <stdlib.h>
#include <string.h>

#include "model/data.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t len;
    memcpy(&len, data, 4);
    data += 4;
    size -= 4;
    size_t ilen = len < size ? len : size;
    const char *images = fz_file(0, data, ilen);
    const char *labels = fz_file(1, data + ilen, size - ilen);
    bm_dataset d;
    if (bm_idx_load_pair(images, labels, &d) == 0) {
        /* What the trainer relies on once a pair is accepted. */
        if (d.n == 0 || d.c != 1 || d.h < 1 || d.w < 1 || d.h > 4096 || d.w > 4096)
            abort();
        for (size_t i = 0; i < d.n; i++)
            if (d.y[i] >= BM_NUM_CLASSES)
                abort();
        bm_dataset_free(&d);
    }
    /* The label file alone at rank 1 and the image file at rank 3 are done inside; rank 2 is nobody's, but a
     * wrong rank must be rejected cleanly too. */
    uint32_t dims[3];
    uint8_t *x;
    size_t bytes;
    if (bm_idx_read(images, 2, dims, &x, &bytes) == 0)
        free(x);
    return 0;
}
