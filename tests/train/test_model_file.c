/* SPDX-License-Identifier: MIT */
/*
 * .btn model files: a model with float, binary and ternary layers (conv, dense, BN) round-trips exactly
 * (same outputs bit for bit); every truncation, every sampled byte flip, and crafted files with a valid
 * checksum but inconsistent contents are rejected with a message, never a crash.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "train/model_file.h"
#include "train/nn.h"
#include "train/sq_reg.h"
#include "test_util.h"

static char dir[64];

static char *path(const char *name)
{
    static char buf[4][256];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static uint8_t *slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n);
    if (fread(b, 1, *n, f) != *n)
        exit(2);
    fclose(f);
    return b;
}

static void spit(const char *p, const uint8_t *b, size_t n, int fix_checksum)
{
    FILE *f = fopen(p, "wb");
    if (fix_checksum && n >= 8) {
        uint64_t h = XXH3_64bits(b, n - 8);
        fwrite(b, 1, n - 8, f);
        fwrite(&h, 1, 8, f);
    } else {
        fwrite(b, 1, n, f);
    }
    fclose(f);
}

static int rejects(const char *p)
{
    tr_model m;
    if (tr_model_load(p, &m, 4) == 0) {
        tr_model_free(&m);
        return 0;
    }
    return strstr(bm_error(), p) != NULL;   /* the message names the file */
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/bitern-test-btn-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    bm_layer_desc *d;
    int nd;
    /* fan-ins 27, 400 and 100 exercise partial last words of B1 and T2 rows. */
    CHECK(bm_spec_parse("conv3x3:8,bn,relu,pool2,conv5x5:16:p2,bn,relu,pool2,fc:100,bn,htanh,fc:10", &d, &nd) == 0,
          "%s", bm_error());
    tr_model m;
    bm_rng rng;
    bm_rng_seed(&rng, 3);
    CHECK(tr_model_build(&m, d, nd, 3, 20, 20, 10, 4, &rng) == 0, "%s", bm_error());
    tr_model_mark_quantizable(&m, 0);
    for (int k = 0; k < 3; k++) {
        m.in_mean[k] = 0.1f * (float)(k + 1);
        m.in_std[k] = 0.2f * (float)(k + 1);
    }
    /* conv2 binary per channel, fc:100 ternary (SQ threshold, per layer); first and last stay float. */
    m.layers[4].depth = BM_DEPTH_BINARY;
    m.layers[8].depth = BM_DEPTH_TERNARY;
    m.layers[8].per_channel = 0;
    m.layers[8].beta = 1.0f;
    m.layers[8].sq_s = 0.0f;
    tr_model_quantize_weights(&m);
    float x[4 * 1200];
    for (int i = 0; i < 4 * 1200; i++)
        x[i] = bm_rng_normal(&rng);
    m.rng = &rng;
    tr_model_forward(&m, x, 4, 1);   /* give BN non-trivial running statistics */
    for (int i = 0; i < m.n; i++)
        if (m.layers[i].b)
            for (int j = 0; j < m.layers[i].out_c; j++)
                m.layers[i].b[j] = 0.01f * (float)j;
    float ref[40];
    memcpy(ref, tr_model_forward(&m, x, 4, 0), sizeof ref);
    CHECK(tr_model_save(&m, path("m.btn")) == 0, "save: %s", bm_error());

    tr_model l;
    CHECK(tr_model_load(path("m.btn"), &l, 4) == 0, "load: %s", bm_error());
    if (l.n == m.n) {
        const float *out = tr_model_forward(&l, x, 4, 0);
        CHECK(memcmp(out, ref, sizeof ref) == 0, "outputs differ after round trip (%g vs %g)", out[0], ref[0]);
        CHECK(l.layers[4].depth == 1 && l.layers[8].depth == 2 && l.layers[0].depth == 0, "depths");
        int zeros = 0;
        for (size_t j = 0; j < l.layers[8].nw; j++)
            zeros += l.layers[8].wq[j] == 0.0f;
        CHECK(zeros > 0 && zeros < (int)l.layers[8].nw, "ternary layer has zeros and non-zeros (%d)", zeros);
        CHECK(l.layers[8].beta == 1.0f, "beta stored");
        CHECK(l.in_mean[2] == m.in_mean[2] && l.in_std[1] == m.in_std[1], "normalisation stored");
        /* Saving the loaded model gives the same bytes. */
        CHECK(tr_model_save(&l, path("m2.btn")) == 0, "resave: %s", bm_error());
        size_t n1, n2;
        uint8_t *a = slurp(path("m.btn"), &n1), *b = slurp(path("m2.btn"), &n2);
        CHECK(n1 == n2 && memcmp(a, b, n1) == 0, "resaved file differs");
        free(a);
        free(b);
        tr_model_free(&l);
    }

    size_t n;
    uint8_t *good = slurp(path("m.btn"), &n);
    uint8_t *buf = malloc(n);
    /* Every truncation. */
    int bad = 0;
    for (size_t k = 0; k < n; k += (k < 200 ? 1 : 97)) {
        spit(path("t.btn"), good, k, 0);
        bad += !rejects(path("t.btn"));
    }
    CHECK(bad == 0, "%d truncations accepted or unnamed", bad);
    /* Byte flips: caught by the checksum. */
    bad = 0;
    for (size_t k = 0; k < n; k += 61) {
        memcpy(buf, good, n);
        buf[k] ^= 0x20;
        spit(path("f.btn"), buf, n, 0);
        bad += !rejects(path("f.btn"));
    }
    CHECK(bad == 0, "%d byte flips accepted", bad);
    /* Valid checksum, inconsistent content: structured edits, then random bytes over the first 600 bytes. */
    enum { L = 40 + 24 };   /* first layer record: after the header and 3 means + 3 stds */
    struct { size_t off; uint32_t v; const char *what; } edits[] = {
        {8, 2, "version"}, {12, 0, "in_c"}, {28, 0, "layers"}, {28, 1000, "layer count"}, {32, 1, "flags"},
        {36, 2, "normalisation count"}, {40 + 12, 0, "std 0"}, {40 + 12, 0x7fc00000u, "std NaN"},
        {L, 99, "type"}, {L + 16, 9, "out_c of conv1"}, {L + 28, 4, "kernel"}, {L + 36, 0, "padding"},
        {L + 40, 0x3f000000u, "drop_p of a conv"}, {L + 44, 7, "depth"}, {L + 44, 1, "depth float->binary"},
    };
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        memcpy(buf, good, n);
        memcpy(buf + edits[e].off, &edits[e].v, 4);
        spit(path("e.btn"), buf, n, 1);
        CHECK(rejects(path("e.btn")), "edit of %s accepted: %s", edits[e].what, bm_error());
    }
    bm_rng_seed(&rng, 77);
    int accepted = 0;
    for (int it = 0; it < 400; it++) {
        memcpy(buf, good, n);
        size_t off = bm_rng_below(&rng, n < 600 ? (uint32_t)n - 8 : 600);
        buf[off] = (uint8_t)bm_rng_next(&rng);
        spit(path("r.btn"), buf, n, 1);
        tr_model t;
        if (tr_model_load(path("r.btn"), &t, 4) == 0) {
            accepted++;   /* e.g. a changed weight or drop_p: legal; it must still run */
            tr_model_forward(&t, x, 4, 0);
            tr_model_free(&t);
        }
    }
    fprintf(stderr, "random edits with fixed checksum: %d of 400 loaded (legal values)\n", accepted);
    /* Trailing bytes. */
    uint8_t *longer = calloc(n + 4, 1);
    memcpy(longer, good, n - 8);
    spit(path("l.btn"), longer, n + 4, 1);
    CHECK(rejects(path("l.btn")), "trailing bytes accepted");
    /* Not a model / missing. */
    spit(path("j.btn"), (const uint8_t *)"{\"json\": true}\n", 15, 0);
    CHECK(rejects(path("j.btn")) && strstr(bm_error(), "bad magic"), "json file: %s", bm_error());
    CHECK(rejects(path("missing.btn")), "missing file");
    free(longer);
    free(buf);
    free(good);
    free(d);
    tr_model_free(&m);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 2;
    return t_finish("test_model_file");
}
