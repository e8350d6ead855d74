/* SPDX-License-Identifier: MIT */
/*
 * libbitern-model: run trained bitern models (.btn files, as `bitern train` and `bitern compare` write them) on
 * the bitern kernels, from C (and from Python: python/bitern wraps this).
 *
 *     bitern_model *m;
 *     if (bitern_model_load("lenet.btn", &m) != BITERN_OK) { puts(bitern_model_last_error()); ... }
 *     float logits[10];
 *     bitern_model_run_u8(m, pixels, 1, logits, 1);   // one 28x28 image, raw pixels 0..255
 *     bitern_model_free(m);
 *
 * Results are deterministic: the logits of an image are bit-identical for every batch size and thread count,
 * and at every kernel level of bitern.h (the binary/ternary layers run exact integer kernels; float layers a
 * GEMM whose summation order is fixed). Functions return BITERN_OK or a negative bitern_status;
 * bitern_model_last_error() (per thread) says what was wrong. A model may be used by one call at a time;
 * separate models are independent. Link with `pkg-config --libs bitern-model`.
 */
#ifndef BITERN_MODEL_H
#define BITERN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <bitern.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bitern_model bitern_model;

/* One compiled op. A conv or dense layer absorbs the batch norm and the activation after it, so an op may cover
 * several layers of the model file, from first_layer on. The strings live as long as the model. */
typedef struct bitern_layer_info {
    const char *name;       /* e.g. "conv5x5:20+bn+relu", "fc:10", "pool2" */
    const char *kernel;     /* the kernel that runs it: "b1i8", "t2i8", "b1b1", "t2b1", "t2t2", "f32" (float: the
                             * engine's deterministic GEMM), or the op's own kind ("maxpool", ...) */
    int first_layer;        /* index of the first model-file layer the op covers */
    int depth;              /* weights: 0 float, 1 binary, 2 ternary; -1 for ops without weights */
    size_t weights;         /* weight count */
    size_t bytes;           /* parameter bytes as the .btn file stores them */
} bitern_layer_info;

/* Reads and validates a .btn file (checksum, every field), then compiles it for this CPU. BITERN_EFORMAT for a
 * file that is not a valid model, BITERN_EINVAL for NULL arguments or an unreadable path. *out is NULL on error. */
BITERN_API int bitern_model_load(const char *path, bitern_model **out);
/* The same from a .btn image in memory (copied; data may be freed afterwards). */
BITERN_API int bitern_model_load_memory(const void *data, size_t n, bitern_model **out);
BITERN_API void bitern_model_free(bitern_model *m);   /* NULL is fine */

/* The input one image must have: channels, height, width (NCHW). */
BITERN_API int bitern_model_input_shape(const bitern_model *m, int *channels, int *height, int *width);
/* Logits per image. */
BITERN_API int bitern_model_n_classes(const bitern_model *m);
/* The input normalisation stored in the model: run_u8 feeds (pixel / 255 - mean[c]) / std[c]. channels <= 4. */
BITERN_API int bitern_model_normalisation(const bitern_model *m, float mean[4], float std[4]);

BITERN_API int bitern_model_n_layers(const bitern_model *m);
BITERN_API int bitern_model_layer(const bitern_model *m, int i, bitern_layer_info *out);
/* Parameter bytes of the whole model (what the .btn file stores), and its conv/dense weight count. */
BITERN_API int bitern_model_size(const bitern_model *m, size_t *bytes, size_t *weights);

/* n images -> n x n_classes logits, on up to `threads` threads (>= 1).
 * run_f32 takes images normalised as the model was trained (the model's own normalisation already applied);
 * run_u8 takes raw pixels 0..255 and applies the model's normalisation. Non-finite inputs: BITERN_ENONFINITE
 * before anything is computed. */
BITERN_API int bitern_model_run_f32(bitern_model *m, const float *images, size_t n, float *logits, int threads);
BITERN_API int bitern_model_run_u8(bitern_model *m, const uint8_t *pixels, size_t n, float *logits, int threads);

BITERN_API const char *bitern_model_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
