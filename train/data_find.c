/* SPDX-License-Identifier: MIT */
/* Where datasets are looked for, in order: --data-dir, $BITERN_DATA, the system's dataset directories. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data.h"
#include "util.h"

/* A file exists under base/ or base/sub/, as given or with ".gz" (IDX only). */
static int find_file(const char *base, const char *sub, const char *name, int try_gz, char *out, size_t cap)
{
    const char *subs[2] = {"", sub};
    for (int s = 0; s < 2; s++) {
        for (int gz = try_gz ? 1 : 0; gz >= 0; gz--) {
            int len = snprintf(out, cap, "%s%s%s/%s%s", base, subs[s][0] ? "/" : "", subs[s], name,
                               gz ? ".gz" : "");
            if (len > 0 && (size_t)len < cap && access(out, R_OK) == 0)
                return 0;
        }
    }
    return -1;
}

/* The generic /usr/share/datasets/<name>/ layout is also Debian's: dataset-fashion-mnist installs
 * /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. */
static int candidate_bases(const char *name, const char *data_dir, const char **bases, int cap)
{
    int n = 0;
    if (data_dir && n < cap)
        bases[n++] = data_dir;
    const char *env = getenv("BITERN_DATA");
    if (env && *env && n < cap)
        bases[n++] = env;
    if (n < cap)
        bases[n++] = "/usr/share/datasets";
    return n;
}

int tr_dataset_load(const char *name, const char *data_dir, tr_dataset *train, tr_dataset *test)
{
    /* A mistyped --data-dir would otherwise surface as "not found" after the fallbacks: name it. */
    struct stat st;
    if (data_dir && stat(data_dir, &st) < 0)
        return tr_fail("data directory %s: %s", data_dir, strerror(errno));
    if (data_dir && !S_ISDIR(st.st_mode))
        return tr_fail("data directory %s: not a directory", data_dir);
    const char *bases[3];
    int nb = candidate_bases(name, data_dir, bases, 3);
    char where[512] = "";
    for (int i = 0; i < nb; i++) {
        size_t l = strlen(where);
        snprintf(where + l, sizeof where - l, "%s%s", i ? ", " : "", bases[i]);
    }
    if (strcmp(name, "mnist") == 0 || strcmp(name, "fashion-mnist") == 0) {
        const char *files[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                "t10k-labels-idx1-ubyte"};
        char paths[4][1024];
        for (int b = 0; b < nb; b++) {
            int ok = 1;
            for (int f = 0; f < 4 && ok; f++)
                ok = find_file(bases[b], name, files[f], 1, paths[f], sizeof paths[f]) == 0;
            if (!ok)
                continue;
            if (tr_idx_load_pair(paths[0], paths[1], train) < 0)
                return -1;
            if (tr_idx_load_pair(paths[2], paths[3], test) < 0) {
                tr_dataset_free(train);
                return -1;
            }
            if (train->h != test->h || train->w != test->w) {
                tr_fail("%s: training images are %dx%d but test images %dx%d", paths[2], train->h, train->w,
                        test->h, test->w);
                tr_dataset_free(train);
                tr_dataset_free(test);
                return -1;
            }
            return 0;
        }
        return tr_fail("dataset %s not found (looked for %s[.gz] and the 3 other IDX files in: %s, and in "
                       "their %s/ subdirectories)", name, files[0], where, name);
    }
    if (strcmp(name, "cifar10") == 0) {
        static const char *subs[2] = {"cifar10", "cifar-10-batches-bin"};
        char tr[5][1024], te[1024];
        for (int b = 0; b < nb; b++) {
            for (int s = 0; s < 2; s++) {
                int ok = 1;
                for (int f = 0; f < 5 && ok; f++) {
                    char nm[32];
                    snprintf(nm, sizeof nm, "data_batch_%d.bin", f + 1);
                    ok = find_file(bases[b], subs[s], nm, 0, tr[f], sizeof tr[f]) == 0;
                }
                if (!ok || find_file(bases[b], subs[s], "test_batch.bin", 0, te, sizeof te) < 0)
                    continue;
                const char *trp[5] = {tr[0], tr[1], tr[2], tr[3], tr[4]}, *tep[1] = {te};
                if (tr_cifar_load(trp, 5, train) < 0)
                    return -1;
                if (tr_cifar_load(tep, 1, test) < 0) {
                    tr_dataset_free(train);
                    return -1;
                }
                return 0;
            }
        }
        return tr_fail("dataset cifar10 not found (looked for data_batch_1..5.bin and test_batch.bin in: %s, "
                       "and in their cifar10/ and cifar-10-batches-bin/ subdirectories)", where);
    }
    return tr_fail("unknown dataset '%s' (expected mnist, fashion-mnist or cifar10)", name);
}
