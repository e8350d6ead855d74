/* SPDX-License-Identifier: MIT */
/* `bitern export model.btn model.onnx`: the model as a standard ONNX graph (tools/onnx_export.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <bitern.h>

#include "model/btn.h"
#include "model/files.h"
#include "model/serial.h"
#include "model/util.h"
#include "tools/commands.h"
#include "tools/onnx_export.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bitern export model.btn model.onnx\n"
            "Writes the model as an ONNX graph (IR 8, opset 13) that any ONNX runtime runs: input \"pixels\",\n"
            "float [N, C, H, W] with values 0..255 (the model's input normalisation is in the graph); output\n"
            "\"logits\", float [N, classes]. Binary and ternary layers carry their dequantized weights,\n"
            "scale x {-1, 0, +1}; each layer's depth is in the file's metadata (bitern.layer.<i>, bitern.depths).\n"
            "Where bitern's engine feeds a binary/ternary layer int8 activations, the graph quantizes them the\n"
            "same way (per example, absmax / 127), so an ONNX runtime computes what bitern eval does.\n"
            "The output is written atomically (a temporary file beside it, then renamed).\n"
            "  --float-activations   keep every activation float, as the trainer had them\n"
            "  -h, --help            this text\n");
}

int bitern_cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                              {"float-activations", no_argument, NULL, 'f'},
                                              {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    int int8_acts = 1;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c == 'V') {
            printf("bitern %s\n", bitern_version());
            return 0;
        }
        if (c == 'f') {
            int8_acts = 0;
            continue;
        }
        fprintf(stderr, "bitern export: unknown option '%s'\n", argv[optind - 1]);
        usage(stderr);
        return 2;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "bitern export: expected a model file and an output file, got %d argument%s\n",
                argc - optind, argc - optind == 1 ? "" : "s");
        usage(stderr);
        return 2;
    }
    const char *in = argv[optind], *out = argv[optind + 1];
    bm_path_set ps = {0};   /* `bitern export m.btn m.btn` would replace the model by its ONNX form */
    bm_paths_add(&ps, "the model", in, 0, 0);
    bm_paths_add(&ps, "the output", out, 1, 0);
    if (bm_paths_check(&ps) < 0 || bm_check_writable("the output", out, 1) < 0) {
        fprintf(stderr, "bitern export: %s\n", bm_error());
        return 1;
    }
    bm_model m;
    if (bm_model_load(in, &m) < 0) {
        fprintf(stderr, "bitern export: %s\n", bm_error());
        return 1;
    }
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = 1;
    if (bitern_onnx_export(&m, bitern_version(), int8_acts, &buf, &n) < 0) {
        fprintf(stderr, "bitern export: %s: %s\n", in, bm_error());
    } else {
        const void *parts[1] = {buf};
        if (bm_write_file_atomic(out, parts, &n, 1) < 0)
            fprintf(stderr, "bitern export: %s\n", bm_error());
        else {
            printf("%s: %zu bytes, %d layers\n", out, n, m.n);
            rc = 0;
        }
    }
    free(buf);
    bm_model_free(&m);
    return rc;
}
