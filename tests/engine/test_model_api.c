/* SPDX-License-Identifier: MIT */
/*
 * libbitern-model's public API (bitern_model.h), linked as a user links it (the shared library): small random
 * models are saved with the trainer's writer and loaded back from a path and from memory, then
 *   - the shape, class count, normalisation and ops are reported as the model has them;
 *   - run_u8 equals run_f32 of the same pixels normalised by hand, bit for bit;
 *   - logits are bit-identical at 1, 2 and 3 threads, in one call of 7 images and in 7 calls of one;
 *   - a model loaded from memory gives the same logits as from its path;
 *   - every bad argument (NULL, threads 0, a truncated or corrupted image, NaN, a 5-channel model's u8 input)
 *     is a status and a message, never a crash.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bitern_model.h>

#include "train/model_file.h"
#include "train/nn.h"
#include "../train/test_util.h"

enum { H = 12, W = 12, N = 7, K = 10 };

/* A trained-looking model: random weights, quantized to depth, a stored normalisation. */
static int make_model(const char *path, const char *spec, int in_c, int depth, uint64_t seed)
{
    bm_layer_desc *desc;
    int nd;
    if (bm_spec_parse(spec, &desc, &nd) < 0)
        return -1;
    bm_rng rng;
    bm_rng_seed(&rng, seed);
    tr_model m;
    int rc = tr_model_build(&m, desc, nd, in_c, H, W, K, 1, &rng);
    free(desc);
    if (rc < 0)
        return -1;
    for (int c = 0; c < in_c && c < BM_MAX_NORM_C; c++) {
        m.in_mean[c] = 0.1f + 0.05f * (float)c;
        m.in_std[c] = 0.3f + 0.02f * (float)c;
    }
    for (int i = 0; i < m.n; i++) {
        tr_layer *l = &m.layers[i];
        if ((l->type == BM_DENSE || l->type == BM_CONV) && depth && i > 0 && i < m.n - 1) {
            l->depth = depth;
            l->thr_mode = TR_THR_TWN;
            l->per_channel = 1;
            tr_layer_quantize(l);
        }
        if (l->type == BM_BN)
            for (int c = 0; c < l->in_c; c++) {
                l->rmean[c] = 0.1f * bm_rng_normal(&rng);
                l->rvar[c] = 0.5f + bm_rng_uniform(&rng);
            }
    }
    rc = tr_model_save(&m, path);
    tr_model_free(&m);
    return rc;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*n);
    if (b && fread(b, 1, *n, f) != *n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void check_model(const char *path, const char *spec, int depth)
{
    bitern_model *m = NULL;
    CHECK(bitern_model_load(path, &m) == BITERN_OK && m, "%s: load: %s", spec, bitern_model_last_error());
    if (!m)
        return;
    int c, h, w;
    CHECK(bitern_model_input_shape(m, &c, &h, &w) == BITERN_OK && c == 1 && h == H && w == W, "%s: shape", spec);
    CHECK(bitern_model_n_classes(m) == K, "%s: classes %d", spec, bitern_model_n_classes(m));
    float mean[4], sd[4];
    CHECK(bitern_model_normalisation(m, mean, sd) == BITERN_OK && mean[0] == 0.1f && sd[0] == 0.3f,
          "%s: normalisation", spec);
    int nl = bitern_model_n_layers(m), quantized = 0;
    CHECK(nl > 1, "%s: %d layers", spec, nl);
    for (int i = 0; i < nl; i++) {
        bitern_layer_info l;
        CHECK(bitern_model_layer(m, i, &l) == BITERN_OK && l.name && l.kernel, "%s: layer %d", spec, i);
        quantized += l.depth > 0;
        if (l.depth > 0)
            CHECK(!strcmp(l.kernel, depth == 1 ? "b1i8" : "t2i8"), "%s: op %s runs %s", spec, l.name, l.kernel);
    }
    CHECK(quantized == (depth ? 1 : 0), "%s: %d quantized ops", spec, quantized);
    size_t bytes, weights;
    CHECK(bitern_model_size(m, &bytes, &weights) == BITERN_OK && bytes > 0 && weights > 0, "%s: size", spec);

    size_t in = (size_t)H * W;
    uint8_t px[N * H * W];
    float x[N * H * W], z1[N * K], z2[N * K], z3[N * K], zs[N * K], zf[N * K];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)((i * 37 + i / 5) % 256);
    float inv = 1.0f / (255.0f * 0.3f), off = 0.1f / 0.3f;
    for (size_t i = 0; i < sizeof px; i++)
        x[i] = (float)px[i] * inv - off;
    CHECK(bitern_model_run_u8(m, px, N, z1, 1) == BITERN_OK, "%s: run_u8: %s", spec, bitern_model_last_error());
    CHECK(bitern_model_run_f32(m, x, N, zf, 1) == BITERN_OK, "%s: run_f32", spec);
    CHECK(!memcmp(z1, zf, sizeof z1), "%s: run_u8 differs from run_f32 of the same images", spec);
    CHECK(bitern_model_run_u8(m, px, N, z2, 2) == BITERN_OK && !memcmp(z1, z2, sizeof z1), "%s: 2 threads", spec);
    CHECK(bitern_model_run_u8(m, px, N, z3, 3) == BITERN_OK && !memcmp(z1, z3, sizeof z1), "%s: 3 threads", spec);
    for (int j = 0; j < N; j++)
        CHECK(bitern_model_run_u8(m, px + j * in, 1, zs + j * K, 2) == BITERN_OK, "%s: batch 1", spec);
    CHECK(!memcmp(z1, zs, sizeof z1), "%s: batch 1 differs from batch %d", spec, N);
    int finite = 1;
    for (int i = 0; i < N * K; i++)
        finite &= isfinite(z1[i]) != 0;
    CHECK(finite, "%s: non-finite logits", spec);

    size_t n;
    uint8_t *img = read_all(path, &n);
    bitern_model *mm = NULL;
    CHECK(img && bitern_model_load_memory(img, n, &mm) == BITERN_OK, "%s: load_memory: %s", spec,
          bitern_model_last_error());
    if (mm) {
        CHECK(bitern_model_run_u8(mm, px, N, z2, 1) == BITERN_OK && !memcmp(z1, z2, sizeof z1),
              "%s: the model from memory gives other logits", spec);
        bitern_model_free(mm);
    }
    /* bad images: truncated, a flipped byte (checksum), not a model at all */
    if (img) {
        mm = (bitern_model *)1;
        CHECK(bitern_model_load_memory(img, n - 1, &mm) == BITERN_EFORMAT && !mm, "truncated image accepted");
        img[n / 2] ^= 0x10;
        CHECK(bitern_model_load_memory(img, n, &mm) == BITERN_EFORMAT && strstr(bitern_model_last_error(), "checksum"),
              "corrupted image: '%s'", bitern_model_last_error());
        CHECK(bitern_model_load_memory("hello", 5, &mm) == BITERN_EFORMAT, "5 bytes accepted");
        CHECK(bitern_model_load_memory(img, 0, &mm) == BITERN_EFORMAT, "0 bytes accepted");
    }
    free(img);

    /* bad arguments */
    CHECK(bitern_model_run_u8(m, px, N, z2, 0) == BITERN_EINVAL && strstr(bitern_model_last_error(), "threads"),
          "threads 0: '%s'", bitern_model_last_error());
    CHECK(bitern_model_run_u8(m, NULL, N, z2, 1) == BITERN_EINVAL, "NULL pixels");
    CHECK(bitern_model_run_f32(m, x, N, NULL, 1) == BITERN_EINVAL, "NULL logits");
    CHECK(bitern_model_run_f32(m, x, 0, NULL, 1) == BITERN_OK, "0 images");
    CHECK(bitern_model_run_u8(NULL, px, 1, z2, 1) == BITERN_EINVAL, "NULL model");
    CHECK(bitern_model_run_f32(m, x, (size_t)1 << 62, z2, 1) == BITERN_EINVAL, "2^62 images");
    x[3 * in + 5] = NAN;
    memcpy(z2, z1, sizeof z2);
    CHECK(bitern_model_run_f32(m, x, N, z2, 1) == BITERN_ENONFINITE && strstr(bitern_model_last_error(), "image 3"),
          "NaN: '%s'", bitern_model_last_error());
    CHECK(!memcmp(z1, z2, sizeof z1), "a refused call wrote logits");
    x[3 * in + 5] = INFINITY;
    CHECK(bitern_model_run_f32(m, x, N, z2, 1) == BITERN_ENONFINITE, "infinity accepted");
    bitern_layer_info l;
    CHECK(bitern_model_layer(m, nl, &l) == BITERN_EINVAL && bitern_model_layer(m, -1, &l) == BITERN_EINVAL,
          "layer index out of range");
    CHECK(bitern_model_layer(m, 0, NULL) == BITERN_EINVAL, "NULL info");
    bitern_model_free(m);
}

int main(void)
{
    char dir[] = "/tmp/bitern-model-api-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/m.btn", dir);
    static const char *const spec = "conv3x3:8,bn,relu,pool2,conv3x3:16,bn,relu,pool2,fc:10";
    for (int depth = 0; depth <= 2; depth++) {
        if (make_model(path, spec, 1, depth, 11 + (uint64_t)depth) < 0) {
            CHECK(0, "make_model: %s", bm_error());
            continue;
        }
        check_model(path, spec, depth);
    }

    /* NULLs and missing files at load */
    bitern_model *m = (bitern_model *)1;
    CHECK(bitern_model_load(NULL, &m) == BITERN_EINVAL && !m, "NULL path");
    CHECK(bitern_model_load(path, NULL) == BITERN_EINVAL, "NULL out");
    CHECK(bitern_model_load_memory(NULL, 10, &m) == BITERN_EINVAL, "NULL data");
    CHECK(bitern_model_load("/nonexistent/m.btn", &m) == BITERN_EFORMAT && strstr(bitern_model_last_error(), "/nonexistent"),
          "missing file: '%s'", bitern_model_last_error());
    bitern_model_free(NULL);

    /* 5 channels: no stored normalisation, so run_u8 has nothing to apply */
    snprintf(path, sizeof path, "%s/c5.btn", dir);
    if (make_model(path, "conv3x3:4,relu,fc:10", 5, 0, 3) == 0 && bitern_model_load(path, &m) == BITERN_OK) {
        uint8_t px[5 * H * W] = {0};
        float z[K], mean[4], sd[4];
        CHECK(bitern_model_run_u8(m, px, 1, z, 1) == BITERN_ENOTSUP, "u8 into a 5-channel model");
        CHECK(bitern_model_normalisation(m, mean, sd) == BITERN_ENOTSUP, "5-channel normalisation");
        bitern_model_free(m);
    } else {
        CHECK(0, "5-channel model: %s / %s", bm_error(), bitern_model_last_error());
    }
    unlink(path);
    snprintf(path, sizeof path, "%s/m.btn", dir);
    unlink(path);
    rmdir(dir);
    return t_finish("test_model_api");
}
