/* SPDX-License-Identifier: MIT */
/* Datasets: MNIST-style IDX files (plain or gzip) and the CIFAR-10 binary batches, validated on load. */
#ifndef BITERN_MODEL_DATA_H
#define BITERN_MODEL_DATA_H

#include <stddef.h>
#include <stdint.h>

#define BM_NUM_CLASSES 10

/* Images stay uint8 in memory (CIFAR as floats would take 600 MB); batches are converted on the fly. */
typedef struct bm_dataset {
    size_t n;            /* number of examples */
    int c, h, w;         /* per-example shape, channel-major (CHW) */
    uint8_t *x;          /* n * c * h * w bytes */
    uint8_t *y;          /* n labels, each < BM_NUM_CLASSES */
    float mean[3], std[3];  /* per-channel normalisation applied when batches are built */
} bm_dataset;

void bm_dataset_free(bm_dataset *d);

/* One IDX file of unsigned bytes with `want_ndims` dimensions. Dims are returned in dims[0..ndims).
 * Rejects (naming the file): wrong magic, wrong type or rank, zero dims, products overflowing size_t,
 * truncated or oversized payloads, gzip errors. */
int bm_idx_read(const char *path, int want_ndims, uint32_t *dims, uint8_t **data, size_t *bytes);

/* An image file (rank 3) and a label file (rank 1) that must agree on the count; labels < 10. */
int bm_idx_load_pair(const char *images, const char *labels, bm_dataset *out);

/* CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes, concatenated over the files. */
int bm_cifar_load(const char *const *paths, int npaths, bm_dataset *out);

/* The search order, one for train, eval and `bitern data`: data_dir (if not NULL), $BITERN_DATA, the per-user
 * directory (bm_data_user_dir), then /usr/share/datasets (where Debian's dataset-fashion-mnist installs).
 * Returns how many bases were put in `bases`; the per-user string stays valid until the next call. */
#define BM_DATA_MAX_BASES 4
#define BM_DATA_PATH_MAX 1024
int bm_data_bases(const char *data_dir, const char *bases[BM_DATA_MAX_BASES]);

/* $XDG_DATA_HOME/bitern/datasets, else $HOME/.local/share/bitern/datasets (in buf); NULL if neither is set. */
const char *bm_data_user_dir(char *buf, size_t cap);

/* The first base, in search order, holding all `nfiles` files of dataset `name` in base/ or base/<name>/ (also
 * base/cifar-10-batches-bin/ for cifar10); with try_gz each name is tried with ".gz" first, then as given.
 * Fills paths[0..nfiles) and returns the base's index, or -1 if no base holds them all. */
int bm_data_locate(const char *name, const char *data_dir, const char *const *files, int nfiles, int try_gz,
                   char (*paths)[BM_DATA_PATH_MAX]);

/* The files bm_dataset_load would read (4 IDX or 6 CIFAR-10 paths in paths), 0 when they are not found. */
#define BM_DATASET_MAX_FILES 6
int bm_dataset_files(const char *name, const char *data_dir, char (*paths)[BM_DATA_PATH_MAX]);

/* Finds a dataset ("mnist", "fashion-mnist", "cifar10") with bm_data_locate and loads it. */
int bm_dataset_load(const char *name, const char *data_dir, bm_dataset *train, bm_dataset *test);

/* Keeps the first n examples (n >= d->n leaves it alone): quick runs and tests. */
void bm_dataset_truncate(bm_dataset *d, size_t n);

#endif
