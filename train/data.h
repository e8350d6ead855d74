/* SPDX-License-Identifier: MIT */
/* Datasets: MNIST-style IDX files (plain or gzip) and the CIFAR-10 binary batches, validated on load. */
#ifndef BITERN_TRAIN_DATA_H
#define BITERN_TRAIN_DATA_H

#include <stddef.h>
#include <stdint.h>

#define TR_NUM_CLASSES 10

/* Images stay uint8 in memory (CIFAR as floats would take 600 MB); batches are converted on the fly. */
typedef struct tr_dataset {
    size_t n;            /* number of examples */
    int c, h, w;         /* per-example shape, channel-major (CHW) */
    uint8_t *x;          /* n * c * h * w bytes */
    uint8_t *y;          /* n labels, each < TR_NUM_CLASSES */
    float mean[3], std[3];  /* per-channel normalisation applied when batches are built */
} tr_dataset;

void tr_dataset_free(tr_dataset *d);

/* One IDX file of unsigned bytes with `want_ndims` dimensions. Dims are returned in dims[0..ndims).
 * Rejects (naming the file): wrong magic, wrong type or rank, zero dims, products overflowing size_t,
 * truncated or oversized payloads, gzip errors. */
int tr_idx_read(const char *path, int want_ndims, uint32_t *dims, uint8_t **data, size_t *bytes);

/* An image file (rank 3) and a label file (rank 1) that must agree on the count; labels < 10. */
int tr_idx_load_pair(const char *images, const char *labels, tr_dataset *out);

/* CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes, concatenated over the files. */
int tr_cifar_load(const char *const *paths, int npaths, tr_dataset *out);

/* Finds a dataset ("mnist", "fashion-mnist", "cifar10") in: data_dir (if not NULL), then $BITERN_DATA, then
 * /usr/share/datasets/<name>/ (where Debian's dataset-fashion-mnist installs). In each base directory both
 * base/ and base/<name>/ are tried, and for IDX files both the .gz and the plain name. */
int tr_dataset_load(const char *name, const char *data_dir, tr_dataset *train, tr_dataset *test);

/* Keeps the first n examples (n >= d->n leaves it alone): quick runs and tests. */
void tr_dataset_truncate(tr_dataset *d, size_t n);

#endif
