/* SPDX-License-Identifier: MIT */
/* Classify one image with a trained bitern model: classify model.btn image.raw, where image.raw holds the
 * image's raw pixels (C x H x W bytes, 0..255, planes in order) as the model takes them. */
#include <bitern_model.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s model.btn image.raw\n", argv[0]);
        return 2;
    }
    bitern_model *m;
    if (bitern_model_load(argv[1], &m) != BITERN_OK) {
        fprintf(stderr, "%s\n", bitern_model_last_error());
        return 1;
    }
    int c, h, w, k = bitern_model_n_classes(m);
    bitern_model_input_shape(m, &c, &h, &w);
    printf("%s: %dx%dx%d -> %d classes, kernels %s\n", argv[1], c, h, w, k, bitern_isa_name());
    for (int i = 0; i < bitern_model_n_layers(m); i++) {
        bitern_layer_info l;
        bitern_model_layer(m, i, &l);
        static const char *const depth[] = {"", "float", "binary", "ternary"};
        printf("  %-22s %-8s %s\n", l.name, l.kernel, depth[l.depth + 1]);
    }

    size_t n = (size_t)c * h * w;
    unsigned char *px = malloc(n + 1);
    float *z1 = malloc(2 * (size_t)k * sizeof *z1);
    FILE *f = fopen(argv[2], "rb");
    if (!px || !z1 || !f || fread(px, 1, n + 1, f) != n) {
        fprintf(stderr, "%s: expected exactly %zu bytes of pixels\n", argv[2], n);
        return 1;
    }
    fclose(f);
    /* one thread, then two: the logits are the same to the bit */
    if (bitern_model_run_u8(m, px, 1, z1, 1) != BITERN_OK || bitern_model_run_u8(m, px, 1, z1 + k, 2) != BITERN_OK) {
        fprintf(stderr, "%s\n", bitern_model_last_error());
        return 1;
    }
    int best = 0;
    for (int j = 1; j < k; j++)
        if (z1[j] > z1[best])
            best = j;
    printf("class %d (logit %.3f); 2 threads give the same logits: %s\n", best, z1[best],
           memcmp(z1, z1 + k, (size_t)k * sizeof *z1) ? "NO" : "yes");
    int differ = memcmp(z1, z1 + k, (size_t)k * sizeof *z1) != 0;
    free(px);
    free(z1);
    bitern_model_free(m);
    return differ;
}
