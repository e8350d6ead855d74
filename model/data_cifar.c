/* SPDX-License-Identifier: MIT */
/* CIFAR-10 binary version: each record is <1 label byte><1024 R><1024 G><1024 B>, already CHW. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/data.h"
#include "model/files.h"
#include "model/util.h"

#define CIFAR_PIXELS 3072
#define CIFAR_RECORD (1 + CIFAR_PIXELS)

int bm_cifar_load(const char *const *paths, int npaths, bm_dataset *out)
{
    memset(out, 0, sizeof *out);
    size_t counts[16], total = 0;
    if (npaths < 1 || npaths > 16)
        return bm_fail("cifar: between 1 and 16 batch files expected, got %d", npaths);
    /* Sizes first, so that one allocation holds everything and a bad file is named before any reading. */
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) < 0)
            return bm_fail("%s: cannot stat: %s", paths[i], strerror(errno));
        if (!S_ISREG(st.st_mode))
            return bm_fail("%s: not a regular file", paths[i]);
        if (st.st_size == 0 || st.st_size % CIFAR_RECORD != 0)
            return bm_fail("%s: size %lld is not a positive multiple of the CIFAR-10 record size %d "
                           "(truncated or not a CIFAR-10 binary batch)", paths[i], (long long)st.st_size,
                           CIFAR_RECORD);
        counts[i] = (size_t)st.st_size / CIFAR_RECORD;
        total += counts[i];
    }
    size_t xbytes;
    if (bm_mul(total, CIFAR_PIXELS, &xbytes) < 0)
        return bm_fail("cifar: total size overflows");
    out->x = bm_alloc(xbytes, 1);
    out->y = bm_alloc(total, 1);
    uint8_t *rec = bm_alloc(CIFAR_RECORD, 1);
    size_t k = 0;
    for (int i = 0; i < npaths; i++) {
        FILE *f = bm_fopen_regular(paths[i]);   /* the stat above may have raced a rename */
        if (!f)
            goto fail;
        for (size_t j = 0; j < counts[i]; j++, k++) {
            if (fread(rec, 1, CIFAR_RECORD, f) != CIFAR_RECORD) {
                bm_fail("%s: read error or file shrank at record %zu", paths[i], j);
                fclose(f);
                goto fail;
            }
            if (rec[0] >= BM_NUM_CLASSES) {
                bm_fail("%s: label %u of record %zu is not below %d (not a CIFAR-10 batch, or corrupted)",
                        paths[i], rec[0], j, BM_NUM_CLASSES);
                fclose(f);
                goto fail;
            }
            out->y[k] = rec[0];
            memcpy(out->x + k * CIFAR_PIXELS, rec + 1, CIFAR_PIXELS);
        }
        fclose(f);
    }
    free(rec);
    out->n = total;
    out->c = 3;
    out->h = 32;
    out->w = 32;
    /* CIFAR-10 training-set channel statistics (of pixel / 255). */
    const float mean[3] = {0.4914f, 0.4822f, 0.4465f}, std[3] = {0.2470f, 0.2435f, 0.2616f};
    memcpy(out->mean, mean, sizeof mean);
    memcpy(out->std, std, sizeof std);
    return 0;
fail:
    free(rec);
    bm_dataset_free(out);
    return -1;
}
