/* SPDX-License-Identifier: MIT */
/* libbitern-model (bitern_model.h): the engine behind a stable C interface. Every entry point checks its
 * arguments, so a caller's mistake is a status and a message, never a crash. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bitern_model.h"
#include "engine/engine.h"
#include "model/btn.h"
#include "model/util.h"

struct bitern_model {
    bte_engine *e;
    int c, h, w, classes;
    size_t in_size;
    int has_norm;
    float mean[BM_MAX_NORM_C], std[BM_MAX_NORM_C];
    bte_op_info *ops;   /* the strings bitern_layer_info points to */
    float *scratch;     /* run_u8: normalised images */
    size_t scratch_n;
};

static _Thread_local char err_buf[512];

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_buf, sizeof err_buf, fmt, ap);
    va_end(ap);
    return status;
}

BITERN_API const char *bitern_model_last_error(void) { return err_buf; }

#define MAX_THREADS 256

/* Images per internal call: bounds the scratch of run_u8 and keeps n within bte_forward's int. */
#define CHUNK 1024

static int wrap(bm_model *tm, bitern_model **out)
{
    bitern_model *m = calloc(1, sizeof *m);
    if (!m) {
        bm_model_free(tm);
        return fail(BITERN_ENOMEM, "out of memory");
    }
    m->c = tm->in_c;
    m->h = tm->in_h;
    m->w = tm->in_w;
    m->has_norm = tm->in_c <= BM_MAX_NORM_C;
    for (int c = 0; m->has_norm && c < tm->in_c; c++) {
        m->mean[c] = tm->in_mean[c];
        m->std[c] = tm->in_std[c];
    }
    m->e = bte_compile(tm);
    bm_model_free(tm);
    if (!m->e) {
        free(m);
        return fail(BITERN_EFORMAT, "%s", bte_error());
    }
    bte_shape(m->e, &m->c, &m->h, &m->w, &m->classes);
    m->in_size = (size_t)m->c * m->h * m->w;
    int n = bte_n_ops(m->e);
    m->ops = calloc((size_t)n, sizeof *m->ops);
    if (!m->ops) {
        bitern_model_free(m);
        return fail(BITERN_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++)
        bte_op_get(m->e, i, &m->ops[i]);
    *out = m;
    return BITERN_OK;
}

BITERN_API int bitern_model_load(const char *path, bitern_model **out)
{
    if (!out)
        return fail(BITERN_EINVAL, "bitern_model_load: out is NULL");
    *out = NULL;
    if (!path)
        return fail(BITERN_EINVAL, "bitern_model_load: path is NULL");
    if (bitern_init() != BITERN_OK)
        return fail(BITERN_ENOTSUP, "%s", bitern_last_error());
    bm_model tm;
    if (bm_model_load(path, &tm) < 0)
        return fail(BITERN_EFORMAT, "%s", bm_error());
    return wrap(&tm, out);
}

BITERN_API int bitern_model_load_memory(const void *data, size_t n, bitern_model **out)
{
    if (!out)
        return fail(BITERN_EINVAL, "bitern_model_load_memory: out is NULL");
    *out = NULL;
    if (!data)
        return fail(BITERN_EINVAL, "bitern_model_load_memory: data is NULL");
    if (bitern_init() != BITERN_OK)
        return fail(BITERN_ENOTSUP, "%s", bitern_last_error());
    bm_model tm;
    if (bm_model_load_memory(data, n, "the model in memory", &tm) < 0)
        return fail(BITERN_EFORMAT, "%s", bm_error());
    return wrap(&tm, out);
}

BITERN_API void bitern_model_free(bitern_model *m)
{
    if (!m)
        return;
    bte_free(m->e);
    free(m->ops);
    free(m->scratch);
    free(m);
}

BITERN_API int bitern_model_input_shape(const bitern_model *m, int *channels, int *height, int *width)
{
    if (!m || !channels || !height || !width)
        return fail(BITERN_EINVAL, "bitern_model_input_shape: NULL argument");
    *channels = m->c;
    *height = m->h;
    *width = m->w;
    return BITERN_OK;
}

BITERN_API int bitern_model_n_classes(const bitern_model *m)
{
    return m ? m->classes : fail(BITERN_EINVAL, "bitern_model_n_classes: model is NULL");
}

BITERN_API int bitern_model_normalisation(const bitern_model *m, float mean[4], float std[4])
{
    if (!m || !mean || !std)
        return fail(BITERN_EINVAL, "bitern_model_normalisation: NULL argument");
    if (!m->has_norm)
        return fail(BITERN_ENOTSUP, "the model has %d input channels: it stores no normalisation (at most %d)",
                    m->c, BM_MAX_NORM_C);
    for (int c = 0; c < 4; c++) {
        mean[c] = c < m->c ? m->mean[c] : 0.0f;
        std[c] = c < m->c ? m->std[c] : 0.0f;
    }
    return BITERN_OK;
}

BITERN_API int bitern_model_n_layers(const bitern_model *m)
{
    return m ? bte_n_ops(m->e) : fail(BITERN_EINVAL, "bitern_model_n_layers: model is NULL");
}

BITERN_API int bitern_model_layer(const bitern_model *m, int i, bitern_layer_info *out)
{
    if (!m || !out)
        return fail(BITERN_EINVAL, "bitern_model_layer: NULL argument");
    if (i < 0 || i >= bte_n_ops(m->e))
        return fail(BITERN_EINVAL, "bitern_model_layer: index %d outside 0..%d", i, bte_n_ops(m->e) - 1);
    const bte_op_info *o = &m->ops[i];
    *out = (bitern_layer_info){.name = o->name, .kernel = o->kernel, .first_layer = o->first_layer,
                               .depth = o->depth, .weights = o->weights, .bytes = o->bytes};
    return BITERN_OK;
}

BITERN_API int bitern_model_size(const bitern_model *m, size_t *bytes, size_t *weights)
{
    if (!m || !bytes || !weights)
        return fail(BITERN_EINVAL, "bitern_model_size: NULL argument");
    bte_size z;
    bte_model_size(m->e, &z);
    *bytes = z.bytes;
    *weights = z.weights;
    return BITERN_OK;
}

static int check_run(const bitern_model *m, const void *x, size_t n, const float *logits, int threads,
                     const char *fn)
{
    if (!m || (!x && n) || (!logits && n))
        return fail(BITERN_EINVAL, "%s: NULL argument", fn);
    if (threads < 1 || threads > MAX_THREADS)
        return fail(BITERN_EINVAL, "%s: threads = %d: must be 1..%d", fn, threads, MAX_THREADS);
    size_t bytes;
    if (bm_mul(n, m->in_size, &bytes) < 0 || bm_mul(bytes, sizeof(float), &bytes) < 0)
        return fail(BITERN_EINVAL, "%s: %zu images of %zu values overflow the address space", fn, n, m->in_size);
    return BITERN_OK;
}

static int forward(bitern_model *m, const float *x, size_t n, float *logits)
{
    /* The inputs were checked finite: what the engine can still refuse is a layer whose values overflowed to
     * inf on the way, or its scratch not being allocatable. */
    if (bte_forward(m->e, x, (int)n, logits) < 0)
        return fail(strstr(bte_error(), "out of memory") ? BITERN_ENOMEM : BITERN_ENONFINITE, "%s", bte_error());
    return BITERN_OK;
}

BITERN_API int bitern_model_run_f32(bitern_model *m, const float *images, size_t n, float *logits, int threads)
{
    int rc = check_run(m, images, n, logits, threads, "bitern_model_run_f32");
    if (rc != BITERN_OK)
        return rc;
    size_t total = n * m->in_size;
    for (size_t i = 0; i < total; i++)
        if (!isfinite(images[i]))
            return fail(BITERN_ENONFINITE, "bitern_model_run_f32: image %zu, value %zu is %g", i / m->in_size,
                        i % m->in_size, (double)images[i]);
    bte_set_threads(m->e, threads);
    for (size_t s = 0; s < n; s += CHUNK) {
        size_t nb = n - s < CHUNK ? n - s : CHUNK;
        if ((rc = forward(m, images + s * m->in_size, nb, logits + s * (size_t)m->classes)) != BITERN_OK)
            return rc;
    }
    return BITERN_OK;
}

BITERN_API int bitern_model_run_u8(bitern_model *m, const uint8_t *pixels, size_t n, float *logits, int threads)
{
    int rc = check_run(m, pixels, n, logits, threads, "bitern_model_run_u8");
    if (rc != BITERN_OK)
        return rc;
    if (!m->has_norm)
        return fail(BITERN_ENOTSUP, "bitern_model_run_u8: the model stores no input normalisation (%d channels): "
                    "normalise the images and use bitern_model_run_f32", m->c);
    size_t hw = (size_t)m->h * m->w, chunk = n < CHUNK ? n : CHUNK;
    if (m->scratch_n < chunk) {
        float *p = realloc(m->scratch, chunk * m->in_size * sizeof *p);
        if (!p)
            return fail(BITERN_ENOMEM, "bitern_model_run_u8: out of memory for %zu images", chunk);
        m->scratch = p;
        m->scratch_n = chunk;
    }
    bte_set_threads(m->e, threads);
    for (size_t s = 0; s < n; s += CHUNK) {
        size_t nb = n - s < CHUNK ? n - s : CHUNK;
        for (size_t j = 0; j < nb; j++)
            for (int c = 0; c < m->c; c++) {
                /* the trainer's and bte_dataset_floats' expression, so the inputs are bit-identical to theirs */
                float inv = 1.0f / (255.0f * m->std[c]), off = m->mean[c] / m->std[c];
                const uint8_t *src = pixels + (s + j) * m->in_size + (size_t)c * hw;
                float *dst = m->scratch + j * m->in_size + (size_t)c * hw;
                for (size_t i = 0; i < hw; i++)
                    dst[i] = (float)src[i] * inv - off;
            }
        if ((rc = forward(m, m->scratch, nb, logits + s * (size_t)m->classes)) != BITERN_OK)
            return rc;
    }
    return BITERN_OK;
}
