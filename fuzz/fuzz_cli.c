/* SPDX-License-Identifier: MIT */
/*
 * The option parsers of `bitern train` and `bitern eval`. Input: arguments separated by NUL or newline; the
 * first is the command ("eval" picks eval's parser, anything else train's). An accepted `train` command line
 * also has its --model spec parsed, as training would first do.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/cmd_eval.h"
#include "tools/cmd_train.h"
#include "fuzz_util.h"
#include "train/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = 0;
    /* Exact-size argv (ASan sees a read past argv[argc]); the NULL terminator is there as in main's. */
    int argc = 1;
    for (size_t i = 0; i < size; i++)
        argc += buf[i] == 0 || buf[i] == '\n';
    char **argv = malloc((size_t)(argc + 1) * sizeof *argv);
    int k = 0;
    argv[k++] = buf;
    for (size_t i = 0; i < size; i++) {
        if (buf[i] == 0 || buf[i] == '\n') {
            buf[i] = 0;
            argv[k++] = buf + i + 1;
        }
    }
    argv[k] = NULL;
    if (strcmp(argv[0], "eval") == 0) {
        bte_eval_opts o;
        bte_eval_parse_args(argc, argv, &o);
    } else {
        tr_config c;
        const char *eval;
        if (tr_train_parse_args(argc, argv, &c, &eval) == 0) {
            bm_layer_desc *d;
            int n;
            if (bm_spec_parse(c.model, &d, &n) == 0)
                free(d);
        }
    }
    free(argv);
    free(buf);
    return 0;
}
