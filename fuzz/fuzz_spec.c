/* SPDX-License-Identifier: MIT */
/* The model-spec parser (`--model`). Input: the spec text; a NUL ends it, as on a command line. Whatever it
 * accepts must be a description tr_model_build can judge: checked here, since a parser that lets a negative
 * channel count through would otherwise pass. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "train/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    bm_layer_desc *d;
    int n;
    if (bm_spec_parse(s, &d, &n) == 0) {
        if (n < 1)
            abort();
        for (int i = 0; i < n; i++) {
            const bm_layer_desc *l = &d[i];
            if (l->type <= 0 || l->type >= BM_LTYPE_END)
                abort();
            if (l->type == BM_DENSE && l->out <= 0)
                abort();
            if (l->type == BM_CONV && (l->out <= 0 || l->k <= 0 || l->stride <= 0 || l->pad < 0))
                abort();
            if (l->type == BM_MAXPOOL && l->k <= 0)
                abort();
            if (l->type == BM_DROPOUT && !(l->drop_p >= 0.0f && l->drop_p < 1.0f))
                abort();
        }
        free(d);
    }
    free(s);
    return 0;
}
