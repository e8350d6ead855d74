/* SPDX-License-Identifier: MIT */
/* The trainer's JSON-lines log as `bitern compare` reads it back (compare/trainlog.c, json-c). Input: the log's
 * text. An accepted log must describe a trace the report and the plots can index: epochs and layers within the
 * arrays, layer numbers of real layers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cmp_trace t;   /* large */
    double acc;
    if (cmp_read_trace(fz_file(0, data, size), &t, &acc) < 0)
        return 0;
    if (t.n_epochs < 1 || t.n_epochs > CMP_MAX_EPOCHS || t.n_layers < 0 || t.n_layers > CMP_MAX_OPS)
        abort();
    for (int k = 0; k < t.n_layers; k++)
        if (t.layer[k] < 0)
            abort();
    if (!memchr(t.dataset, 0, sizeof t.dataset) || !memchr(t.spec, 0, sizeof t.spec) ||
        !memchr(t.quant, 0, sizeof t.quant) || !memchr(t.depths, 0, sizeof t.depths))
        abort();
    return 0;
}
