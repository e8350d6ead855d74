/* SPDX-License-Identifier: MIT */
/* Where datasets are looked for, in order: --data-dir, $BITERN_DATA, the per-user directory, the system's
 * dataset directories. `bitern data` uses the same functions, so what it lists is what train/eval load. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/data.h"
#include "model/util.h"

const char *bm_data_user_dir(char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int len;
    /* The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored. */
    if (xdg && xdg[0] == '/')
        len = snprintf(buf, cap, "%s/bitern/datasets", xdg);
    else if (home && *home)
        len = snprintf(buf, cap, "%s/.local/share/bitern/datasets", home);
    else
        return NULL;
    return len > 0 && (size_t)len < cap ? buf : NULL;
}

int bm_data_bases(const char *data_dir, const char *bases[BM_DATA_MAX_BASES])
{
    static char user[1024];
    int n = 0;
    if (data_dir)
        bases[n++] = data_dir;
    const char *env = getenv("BITERN_DATA");
    if (env && *env)
        bases[n++] = env;
    if (bm_data_user_dir(user, sizeof user))
        bases[n++] = user;
    /* The generic /usr/share/datasets/<name>/ layout is also Debian's: dataset-fashion-mnist installs
     * /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. */
    bases[n++] = "/usr/share/datasets";
    return n;
}

/* CIFAR-10's own tarball unpacks into cifar-10-batches-bin/, so that name is accepted beside ours. */
static int dataset_subdirs(const char *name, const char *subs[3])
{
    subs[0] = "";
    subs[1] = name;
    if (strcmp(name, "cifar10") == 0) {
        subs[2] = "cifar-10-batches-bin";
        return 3;
    }
    return 2;
}

static int readable(const char *dir, const char *sub, const char *file, const char *ext, char *out, size_t cap)
{
    int len = snprintf(out, cap, "%s%s%s/%s%s", dir, sub[0] ? "/" : "", sub, file, ext);
    return len > 0 && (size_t)len < cap && access(out, R_OK) == 0;
}

int bm_data_locate(const char *name, const char *data_dir, const char *const *files, int nfiles, int try_gz,
                   char (*paths)[BM_DATA_PATH_MAX])
{
    const char *bases[BM_DATA_MAX_BASES], *subs[3];
    int nb = bm_data_bases(data_dir, bases), ns = dataset_subdirs(name, subs);
    for (int b = 0; b < nb; b++) {
        for (int s = 0; s < ns; s++) {
            int ok = 1;
            for (int f = 0; f < nfiles && ok; f++)
                ok = (try_gz && readable(bases[b], subs[s], files[f], ".gz", paths[f], BM_DATA_PATH_MAX)) ||
                     readable(bases[b], subs[s], files[f], "", paths[f], BM_DATA_PATH_MAX);
            if (ok)
                return b;
        }
    }
    return -1;
}

int bm_dataset_files(const char *name, const char *data_dir, char (*paths)[BM_DATA_PATH_MAX])
{
    static const char *const idx[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                       "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    static const char *const cifar[6] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                         "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
    if (strcmp(name, "cifar10") == 0)
        return bm_data_locate(name, data_dir, cifar, 6, 0, paths) < 0 ? 0 : 6;
    if (strcmp(name, "mnist") == 0 || strcmp(name, "fashion-mnist") == 0)
        return bm_data_locate(name, data_dir, idx, 4, 1, paths) < 0 ? 0 : 4;
    return 0;
}

static void searched(const char *data_dir, char *where, size_t cap)
{
    const char *bases[BM_DATA_MAX_BASES];
    int nb = bm_data_bases(data_dir, bases);
    where[0] = '\0';
    for (int i = 0; i < nb; i++) {
        size_t l = strlen(where);
        snprintf(where + l, cap - l, "%s%s", i ? ", " : "", bases[i]);
    }
}

int bm_dataset_load(const char *name, const char *data_dir, bm_dataset *train, bm_dataset *test)
{
    /* A mistyped --data-dir would otherwise surface as "not found" after the fallbacks: name it. */
    struct stat st;
    if (data_dir && stat(data_dir, &st) < 0)
        return bm_fail("data directory %s: %s", data_dir, strerror(errno));
    if (data_dir && !S_ISDIR(st.st_mode))
        return bm_fail("data directory %s: not a directory", data_dir);
    char where[2048];
    searched(data_dir, where, sizeof where);
    if (strcmp(name, "mnist") == 0 || strcmp(name, "fashion-mnist") == 0) {
        const char *files[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                "t10k-labels-idx1-ubyte"};
        char paths[4][BM_DATA_PATH_MAX];
        if (bm_data_locate(name, data_dir, files, 4, 1, paths) < 0)
            return bm_fail("dataset %s not found (looked for %s[.gz] and the 3 other IDX files in: %s, and in "
                           "their %s/ subdirectories)", name, files[0], where, name);
        if (bm_idx_load_pair(paths[0], paths[1], train) < 0)
            return -1;
        if (bm_idx_load_pair(paths[2], paths[3], test) < 0) {
            bm_dataset_free(train);
            return -1;
        }
        if (train->h != test->h || train->w != test->w) {
            bm_fail("%s: training images are %dx%d but test images %dx%d", paths[2], train->h, train->w, test->h,
                    test->w);   /* before the free: the sizes live in the datasets */
            bm_dataset_free(train);
            bm_dataset_free(test);
            return -1;
        }
        return 0;
    }
    if (strcmp(name, "cifar10") == 0) {
        const char *files[6] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                                "data_batch_5.bin", "test_batch.bin"};
        char paths[6][BM_DATA_PATH_MAX];
        if (bm_data_locate(name, data_dir, files, 6, 0, paths) < 0)
            return bm_fail("dataset cifar10 not found (looked for data_batch_1..5.bin and test_batch.bin in: %s, "
                           "and in their cifar10/ and cifar-10-batches-bin/ subdirectories)", where);
        const char *trp[5] = {paths[0], paths[1], paths[2], paths[3], paths[4]}, *tep[1] = {paths[5]};
        if (bm_cifar_load(trp, 5, train) < 0)
            return -1;
        if (bm_cifar_load(tep, 1, test) < 0) {
            bm_dataset_free(train);
            return -1;
        }
        return 0;
    }
    return bm_fail("unknown dataset '%s' (expected mnist, fashion-mnist or cifar10)", name);
}
