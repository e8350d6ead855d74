/* SPDX-License-Identifier: MIT */
/*
 * Writes the binary seed corpora (model, ckpt, idx, cifar) into DIR/<target>/: small valid files, each with a
 * few hand-made mutations that stop at a different check. The spec and cli corpora are plain text, written
 * by hand. Usage: mkseeds DIR (fuzz/corpus was made with it; the files are committed, this is how to redo them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "ckpt_model.h"
#include "train/model_file.h"

static const char *outdir;

static void put_file(const char *target, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, target);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *p = malloc(*n);
    if (fread(p, 1, *n, f) != *n)
        exit(1);
    fclose(f);
    return p;
}

/* A valid file, then copies with one 32-bit field (at byte offset `at`) changed, each under its own name. */
static void put_with_mutations(const char *target, const char *name, const uint8_t *p, size_t n,
                               const size_t *at, const uint32_t *val, int nmut)
{
    char nm[256];
    snprintf(nm, sizeof nm, "%s", name);
    put_file(target, nm, p, n);
    uint8_t *q = malloc(n);
    for (int i = 0; i < nmut; i++) {
        memcpy(q, p, n);
        if (at[i] + 4 <= n)
            memcpy(q + at[i], &val[i], 4);
        snprintf(nm, sizeof nm, "%s-mut%d", name, i);
        put_file(target, nm, q, n);
    }
    free(q);
    snprintf(nm, sizeof nm, "%s-trunc", name);
    put_file(target, nm, p, n / 2);
}

static void model(const char *name, const char *spec, int c, int h, int w, int ncls, const int *depths)
{
    bm_layer_desc *d;
    int n;
    tr_model m;
    bm_rng rng;
    bm_rng_seed(&rng, 7);
    if (bm_spec_parse(spec, &d, &n) < 0 || tr_model_build(&m, d, n, c, h, w, ncls, 1, &rng) < 0) {
        fprintf(stderr, "%s: %s\n", spec, bm_error());
        exit(1);
    }
    for (int k = 0; k < c && k < BM_MAX_NORM_C; k++) {
        m.in_mean[k] = 0.1f * (float)(k + 1);
        m.in_std[k] = 0.3f;
    }
    for (int i = 0, q = 0; i < m.n; i++) {
        tr_layer *l = &m.layers[i];
        if (l->type != BM_DENSE && l->type != BM_CONV)
            continue;
        for (int j = 0; j < l->out_c; j++)
            l->b[j] = 0.01f * (float)j;
        l->depth = depths[q++];
        l->thr_mode = TR_THR_TWN;
        tr_layer_quantize(l);
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.tmpbtn", outdir, name);
    if (tr_model_save(&m, tmp) < 0) {
        fprintf(stderr, "%s\n", bm_error());
        exit(1);
    }
    tr_model_free(&m);
    free(d);
    size_t sz;
    uint8_t *p = slurp(tmp, &sz);
    remove(tmp);
    /* in_c, the layer count, the first layer's type and out_c (a mutation keeps its checksum: fuzz_model fixes it) */
    const size_t nn = c <= BM_MAX_NORM_C ? (size_t)c : 0, at[] = {12, 28, 40 + 8 * nn, 56 + 8 * nn};
    const uint32_t val[] = {70000, 4096, 99, 0x40000000};
    put_with_mutations("model", name, p, sz, at, val, 4);
    free(p);
}

static void ckpt(const char *name, uint32_t epochs, int quantized)
{
    tr_model m;
    tr_optim o;
    tr_beta_optim bo;
    fz_ckpt_model(&m, &o, &bo);
    o.t = 17;
    bo.t = 5;
    if (quantized)
        for (int i = 0; i < m.n; i++)
            if (m.layers[i].type == BM_DENSE || m.layers[i].type == BM_CONV)
                m.layers[i].depth = i % 2 ? BM_DEPTH_TERNARY : BM_DEPTH_BINARY;
    tr_ckpt_meta meta = {.fingerprint = FZ_CKPT_FINGERPRINT, .epochs_done = epochs, .quantized = (uint32_t)quantized};
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.tmpckpt", outdir, name);
    if (tr_ckpt_save(tmp, &meta, &m, &o, &bo) < 0) {
        fprintf(stderr, "%s\n", bm_error());
        exit(1);
    }
    tr_optim_free(&o);
    tr_beta_optim_free(&bo);
    tr_model_free(&m);
    size_t sz;
    uint8_t *p = slurp(tmp, &sz);
    remove(tmp);
    /* version, fingerprint, layer count, first layer's depth */
    const size_t at[] = {8, 12, 28, 52};
    const uint32_t val[] = {2, 0, 99, 7};
    put_with_mutations("ckpt", name, p, sz, at, val, 4);
    free(p);
}

/* gzip (not zlib) framing, as the MNIST downloads have. */
static size_t gzip_mem(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        exit(1);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        exit(1);
    size_t got = z.total_out;
    deflateEnd(&z);
    return got;
}

static size_t idx_file(uint8_t *p, int rank, const uint32_t *dims, uint8_t fill_mod)
{
    size_t n = 4, total = 1;
    p[0] = p[1] = 0;
    p[2] = 8;
    p[3] = (uint8_t)rank;
    for (int i = 0; i < rank; i++, n += 4) {
        p[n] = (uint8_t)(dims[i] >> 24);
        p[n + 1] = (uint8_t)(dims[i] >> 16);
        p[n + 2] = (uint8_t)(dims[i] >> 8);
        p[n + 3] = (uint8_t)dims[i];
        total *= dims[i];
    }
    for (size_t i = 0; i < total; i++)
        p[n + i] = (uint8_t)((i * 37) % fill_mod);
    return n + total;
}

/* fuzz_idx's input: u32 length of the image file, the image file, the label file. */
static void idx_pair(const char *name, const uint8_t *img, size_t ni, const uint8_t *lbl, size_t nl)
{
    uint8_t buf[8192];
    uint32_t len = (uint32_t)ni;
    memcpy(buf, &len, 4);
    memcpy(buf + 4, img, ni);
    memcpy(buf + 4 + ni, lbl, nl);
    put_file("idx", name, buf, 4 + ni + nl);
}

static void idx(void)
{
    uint8_t img[1024], lbl[64], gimg[2048], glbl[256];
    const uint32_t id[3] = {3, 5, 4}, ld[1] = {3}, ld4[1] = {4};
    size_t ni = idx_file(img, 3, id, 251), nl = idx_file(lbl, 1, ld, 10);
    idx_pair("pair", img, ni, lbl, nl);
    idx_pair("pair-gz", gimg, gzip_mem(img, ni, gimg, sizeof gimg), glbl, gzip_mem(lbl, nl, glbl, sizeof glbl));
    idx_pair("pair-img-gz", gimg, gzip_mem(img, ni, gimg, sizeof gimg), lbl, nl);
    size_t nl4 = idx_file(lbl, 1, ld4, 10);
    idx_pair("count-mismatch", img, ni, lbl, nl4);
    nl = idx_file(lbl, 1, ld, 10);
    lbl[nl - 1] = 10;
    idx_pair("bad-label", img, ni, lbl, nl);
    lbl[nl - 1] = 1;
    idx_pair("img-trunc", img, ni - 7, lbl, nl);
    uint8_t *last = malloc(4 + ni + nl);
    uint32_t len = (uint32_t)ni + 1;
    memcpy(last, &len, 4);
    memcpy(last + 4, img, ni);
    memcpy(last + 4 + ni, lbl, nl);
    put_file("idx", "split-late", last, 4 + ni + nl);
    free(last);
    img[6] = 0x7f;   /* the rows dimension: 0x7f000005 */
    idx_pair("huge-dim", img, ni, lbl, nl);
}

/* fuzz_cifar's input: a flags byte, then the batch file. */
static void cifar(void)
{
    enum { REC = 3073 };
    uint8_t buf[1 + 2 * REC];
    for (int r = 0; r < 2; r++) {
        buf[1 + r * REC] = (uint8_t)(3 + r * 4);
        for (int i = 1; i < REC; i++)
            buf[1 + r * REC + i] = (uint8_t)(i * (r + 1));
    }
    buf[0] = 0;
    put_file("cifar", "one", buf, 1 + REC);
    buf[0] = 1;
    put_file("cifar", "two-twice", buf, 1 + 2 * REC);
    buf[0] = 0;
    put_file("cifar", "short", buf, REC);
    buf[1 + REC] = 10;
    put_file("cifar", "bad-label", buf, 1 + 2 * REC);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds DIR\n");
        return 2;
    }
    outdir = argv[1];
    const int fl[] = {0}, mixed[] = {1, 2, 0}, rgb[] = {2, 1, 0}, nonorm[] = {2};
    model("float", "fc:3", 1, 2, 2, 3, fl);
    model("mixed", "conv3x3:4,bn,relu,pool2,fc:5,sign,fc:3", 1, 6, 6, 3, mixed);
    model("rgb", "conv2x2:2:p0:s2,htanh,drop:0.25,fc:4,tern,fc:3", 3, 4, 4, 3, rgb);
    model("five-channels", "fc:3", 5, 1, 1, 3, nonorm);
    ckpt("ckpt", 2, 1);
    ckpt("ckpt-float", 1, 0);
    idx();
    cifar();
    return 0;
}
