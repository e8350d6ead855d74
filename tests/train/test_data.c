/* SPDX-License-Identifier: MIT */
/* Data loaders on the real MNIST / CIFAR-10 files and on truncated and corrupted copies of them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "model/data.h"
#include "model/util.h"
#include "test_util.h"

static char tmpdir[256];

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        perror(path);
        exit(2);
    }
    fclose(f);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n);
    if (fread(b, 1, *n, f) != *n)
        exit(2);
    fclose(f);
    return b;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v;
}

/* An IDX file: magic type 0x08, rank, dims, then `payload` bytes of value `fill`. */
static void write_idx(const char *path, int rank, const uint32_t *dims, size_t payload, uint8_t fill)
{
    size_t n = 4 + 4 * (size_t)rank + payload;
    uint8_t *b = calloc(n, 1);
    b[2] = 0x08;
    b[3] = (uint8_t)rank;
    for (int i = 0; i < rank; i++)
        put_be32(b + 4 + 4 * i, dims[i]);
    memset(b + 4 + 4 * rank, fill, payload);
    write_bytes(path, b, n);
    free(b);
}

static char *tpath(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* The call must fail with a message naming `file` and containing `what`. */
#define EXPECT_FAIL(call, file, what)                                                                \
    do {                                                                                             \
        int rc_ = (call);                                                                            \
        CHECK(rc_ < 0, "expected failure for %s", file);                                             \
        CHECK(strstr(bm_error(), file) != NULL, "message '%s' does not name %s", bm_error(), file);   \
        CHECK(strstr(bm_error(), what) != NULL, "message '%s' lacks '%s'", bm_error(), what);         \
    } while (0)

static void test_real(const char *root)
{
    bm_dataset tr, te;
    int rc = bm_dataset_load("mnist", root, &tr, &te);
    CHECK(rc == 0, "mnist: %s", bm_error());
    if (rc == 0) {
        CHECK(tr.n == 60000 && te.n == 10000, "mnist counts %zu %zu", tr.n, te.n);
        CHECK(tr.c == 1 && tr.h == 28 && tr.w == 28, "mnist shape");
        size_t hist[10] = {0};
        for (size_t i = 0; i < tr.n; i++)
            hist[tr.y[i]]++;
        for (int c = 0; c < 10; c++)
            CHECK(hist[c] > 5000 && hist[c] < 7000, "class %d count %zu", c, hist[c]);
        /* The first training label of MNIST is a 5, the first test label a 7. */
        CHECK(tr.y[0] == 5 && te.y[0] == 7, "first labels %d %d", tr.y[0], te.y[0]);
        bm_dataset_free(&tr);
        bm_dataset_free(&te);
    }
    rc = bm_dataset_load("cifar10", root, &tr, &te);
    CHECK(rc == 0, "cifar10: %s", bm_error());
    if (rc == 0) {
        CHECK(tr.n == 50000 && te.n == 10000, "cifar counts %zu %zu", tr.n, te.n);
        CHECK(tr.c == 3 && tr.h == 32 && tr.w == 32, "cifar shape");
        size_t hist[10] = {0};
        for (size_t i = 0; i < tr.n; i++)
            hist[tr.y[i]]++;
        for (int c = 0; c < 10; c++)
            CHECK(hist[c] == 5000, "cifar class %d count %zu", c, hist[c]);
        /* data_batch_1 starts with a frog (6), test_batch with a cat (3). */
        CHECK(tr.y[0] == 6 && te.y[0] == 3, "first labels %d %d", tr.y[0], te.y[0]);
        bm_dataset_free(&tr);
        bm_dataset_free(&te);
    }
}

static void test_corrupt(const char *root)
{
    uint32_t d3[3] = {5, 28, 28}, d1[1] = {5};
    uint8_t *x;
    size_t nb;
    uint32_t dims[3];

    /* A valid pair first: the corrupted variants differ from it in one thing each. */
    write_idx(tpath("ok-img"), 3, d3, 5 * 28 * 28, 7);
    write_idx(tpath("ok-lbl"), 1, d1, 5, 3);
    bm_dataset ds;
    CHECK(bm_idx_load_pair(tpath("ok-img"), tpath("ok-lbl"), &ds) == 0, "valid pair: %s", bm_error());
    CHECK(ds.n == 5 && ds.y[4] == 3 && ds.x[0] == 7, "valid pair contents");
    bm_dataset_free(&ds);

    write_idx(tpath("short-img"), 3, d3, 5 * 28 * 28 - 1, 7);
    EXPECT_FAIL(bm_idx_read(tpath("short-img"), 3, dims, &x, &nb), tpath("short-img"), "truncated");
    write_idx(tpath("long-img"), 3, d3, 5 * 28 * 28 + 3, 7);
    EXPECT_FAIL(bm_idx_read(tpath("long-img"), 3, dims, &x, &nb), tpath("long-img"), "trailing");
    write_idx(tpath("rank"), 2, d3, 5 * 28, 7);
    EXPECT_FAIL(bm_idx_read(tpath("rank"), 3, dims, &x, &nb), tpath("rank"), "rank");
    uint32_t zero[3] = {5, 0, 28};
    write_idx(tpath("zero"), 3, zero, 0, 0);
    EXPECT_FAIL(bm_idx_read(tpath("zero"), 3, dims, &x, &nb), tpath("zero"), "zero");
    uint32_t huge[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu};
    write_idx(tpath("overflow"), 3, huge, 16, 0);
    EXPECT_FAIL(bm_idx_read(tpath("overflow"), 3, dims, &x, &nb), tpath("overflow"), "overflow");
    /* A header claiming 4 GB over a 16-byte payload: must fail as truncated, without allocating 4 GB. */
    uint32_t big[3] = {0x10000u, 256, 256};
    write_idx(tpath("liar"), 3, big, 16, 0);
    EXPECT_FAIL(bm_idx_read(tpath("liar"), 3, dims, &x, &nb), tpath("liar"), "truncated");
    uint8_t junk[16] = "GIF89a-not-idx!";
    write_bytes(tpath("magic"), junk, sizeof junk);
    EXPECT_FAIL(bm_idx_read(tpath("magic"), 3, dims, &x, &nb), tpath("magic"), "magic");
    uint8_t i32[8] = {0, 0, 0x0c, 1, 0, 0, 0, 0};
    write_bytes(tpath("int32"), i32, sizeof i32);
    EXPECT_FAIL(bm_idx_read(tpath("int32"), 1, dims, &x, &nb), tpath("int32"), "type");
    write_bytes(tpath("empty"), "", 0);
    EXPECT_FAIL(bm_idx_read(tpath("empty"), 1, dims, &x, &nb), tpath("empty"), "truncated");
    EXPECT_FAIL(bm_idx_read(tpath("missing"), 1, dims, &x, &nb), tpath("missing"), "cannot open");

    write_idx(tpath("bad-lbl"), 1, d1, 5, 10);
    EXPECT_FAIL(bm_idx_load_pair(tpath("ok-img"), tpath("bad-lbl"), &ds), tpath("bad-lbl"), "label 10");
    uint32_t d4[1] = {4};
    write_idx(tpath("four-lbl"), 1, d4, 4, 1);
    EXPECT_FAIL(bm_idx_load_pair(tpath("ok-img"), tpath("four-lbl"), &ds), tpath("four-lbl"), "4 labels");

    /* gzip: the real label file cut in half, and with its deflate stream damaged. */
    char real[512];
    snprintf(real, sizeof real, "%s/mnist/t10k-labels-idx1-ubyte.gz", root);
    size_t n;
    uint8_t *gz = read_all(real, &n);
    write_bytes(tpath("half.gz"), gz, n / 2);
    EXPECT_FAIL(bm_idx_read(tpath("half.gz"), 1, dims, &x, &nb), tpath("half.gz"), "truncated");
    for (size_t i = n / 3; i < n / 3 + 64; i++)
        gz[i] ^= 0x5a;
    write_bytes(tpath("damaged.gz"), gz, n);
    int rc = bm_idx_read(tpath("damaged.gz"), 1, dims, &x, &nb);
    CHECK(rc < 0 && strstr(bm_error(), tpath("damaged.gz")), "damaged gzip accepted or unnamed: %s", bm_error());
    if (rc == 0)
        free(x);
    free(gz);

    /* CIFAR: sizes that are not whole records, bad labels, directories. */
    uint8_t *rec = calloc(3 * 3073, 1);
    write_bytes(tpath("c-ok.bin"), rec, 3 * 3073);
    const char *p1[1] = {tpath("c-ok.bin")};
    CHECK(bm_cifar_load(p1, 1, &ds) == 0 && ds.n == 3, "cifar valid: %s", bm_error());
    bm_dataset_free(&ds);
    write_bytes(tpath("c-short.bin"), rec, 3 * 3073 - 100);
    const char *p2[2] = {tpath("c-ok.bin"), tpath("c-short.bin")};
    EXPECT_FAIL(bm_cifar_load(p2, 2, &ds), tpath("c-short.bin"), "multiple");
    rec[3073] = 12;
    write_bytes(tpath("c-label.bin"), rec, 3 * 3073);
    const char *p3[1] = {tpath("c-label.bin")};
    EXPECT_FAIL(bm_cifar_load(p3, 1, &ds), tpath("c-label.bin"), "label 12");
    write_bytes(tpath("c-empty.bin"), rec, 0);
    const char *p4[1] = {tpath("c-empty.bin")};
    EXPECT_FAIL(bm_cifar_load(p4, 1, &ds), tpath("c-empty.bin"), "multiple");
    const char *p5[1] = {tmpdir};
    EXPECT_FAIL(bm_cifar_load(p5, 1, &ds), tmpdir, "regular");
    free(rec);

    /* Lookup: a data dir without the files is an error naming the dataset and the places searched. */
    bm_dataset te;
    unsetenv("BITERN_DATA");
    rc = bm_dataset_load("mnist", tmpdir, &ds, &te);
    CHECK(rc < 0 && strstr(bm_error(), "not found") && strstr(bm_error(), tmpdir), "lookup: %s", bm_error());
    rc = bm_dataset_load("imagenet", tmpdir, &ds, &te);
    CHECK(rc < 0 && strstr(bm_error(), "unknown dataset"), "unknown: %s", bm_error());
    /* $BITERN_DATA is used when no directory is given. */
    setenv("BITERN_DATA", root, 1);
    rc = bm_dataset_load("mnist", NULL, &ds, &te);
    CHECK(rc == 0, "BITERN_DATA: %s", bm_error());
    if (rc == 0) {
        bm_dataset_free(&ds);
        bm_dataset_free(&te);
    }
    /* A corrupted file found by lookup: the error names that file. */
    char dir[600], cmd[1400];
    snprintf(dir, sizeof dir, "%s/mnist", tmpdir);
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cp %s/mnist/*.gz %s/", dir, root, dir);
    if (system(cmd) == 0) {
        char lbl[700];
        snprintf(lbl, sizeof lbl, "%s/t10k-labels-idx1-ubyte.gz", dir);
        uint8_t *g = read_all(lbl, &n);
        write_bytes(lbl, g, n - 20);
        free(g);
        rc = bm_dataset_load("mnist", tmpdir, &ds, &te);
        CHECK(rc < 0 && strstr(bm_error(), lbl), "corrupted file in lookup: %s", bm_error());
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
    /* $BITERN_DATA, as users set it, over the directory meson passes (-Ddata_dir, default ../shared/data). */
    const char *root = getenv("BITERN_DATA") ? getenv("BITERN_DATA") : argc > 1 ? argv[1] : "../shared/data";
    snprintf(tmpdir, sizeof tmpdir, "/tmp/bitern-test-data-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_real(root);
    test_corrupt(root);
    return t_finish("test_data");
}
