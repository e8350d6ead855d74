/* SPDX-License-Identifier: MIT */
/* Model spec parser, presets, and shape errors. */
#include <stdlib.h>
#include <string.h>

#include "train/nn.h"
#include "test_util.h"

static int builds(const char *spec, int c, int h, int w)
{
    bm_layer_desc *d;
    int n;
    if (bm_spec_parse(spec, &d, &n) < 0)
        return -1;
    tr_model m;
    bm_rng rng;
    bm_rng_seed(&rng, 1);
    int rc = tr_model_build(&m, d, n, c, h, w, 10, 2, &rng);
    if (rc == 0)
        tr_model_free(&m);
    free(d);
    return rc;
}

int main(void)
{
    CHECK(builds("mlp", 1, 28, 28) == 0, "mlp: %s", bm_error());
    CHECK(builds("lenet", 1, 28, 28) == 0, "lenet: %s", bm_error());
    CHECK(builds("cifar-cnn", 3, 32, 32) == 0, "cifar-cnn: %s", bm_error());
    CHECK(builds("resnet20", 3, 32, 32) == 0, "resnet20: %s", bm_error());
    CHECK(builds("conv3x3:8:p1:s2, bn ,relu,pool2,drop:0.5,fc:10", 1, 28, 28) == 0, "spaces/options: %s", bm_error());

    bm_layer_desc *d;
    int n;
    CHECK(bm_spec_parse("conv5x5:20:p0,pool2,fc:10", &d, &n) == 0 && n == 3, "parse");
    CHECK(d[0].type == BM_CONV && d[0].k == 5 && d[0].out == 20 && d[0].pad == 0 && d[0].stride == 1, "conv fields");
    CHECK(d[1].type == BM_MAXPOOL && d[1].k == 2 && d[2].type == BM_DENSE && d[2].out == 10, "pool/fc fields");
    free(d);

    const char *bad[] = {"", "fc:0", "fc:-3", "fc:10x", "fc", "conv3x4:8", "conv3x3:0", "conv3x3:8:q1",
                         "conv3x3:8:s0", "pool0", "drop:1", "drop:abc", "relu,,fc:10", "fc:10,", "gelu",
                         "fc:99999999999999999999", "conv3x3:8:" /* fuzz/regressions/spec: read past the end */,
                         "drop:0.999999999999999" /* 1.0f as a float */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = bm_spec_parse(bad[i], &d, &n);
        CHECK(rc < 0 && bm_error()[0], "spec '%s' accepted", bad[i]);
        if (rc == 0)
            free(d);
    }
    /* Shapes: wrong class count, a pool larger than its input, a kernel larger than its input. */
    CHECK(builds("fc:12", 1, 28, 28) < 0 && strstr(bm_error(), "classes"), "class count: %s", bm_error());
    CHECK(builds("pool32,fc:10", 1, 28, 28) < 0 && strstr(bm_error(), "smaller"), "pool: %s", bm_error());
    /* residual blocks: an add needs a mark before it, a mark needs its add, and the shortcut must fit */
    CHECK(builds("add,fc:10", 1, 28, 28) < 0 && strstr(bm_error(), "no mark"), "add alone: %s", bm_error());
    CHECK(builds("mark,conv3x3:4,gap,fc:10", 1, 28, 28) < 0 && strstr(bm_error(), "without an add"),
          "mark alone: %s", bm_error());
    CHECK(builds("conv3x3:8,mark,conv3x3:4,add,gap,fc:10", 1, 28, 28) < 0 && strstr(bm_error(), "shortcut"),
          "fewer channels: %s", bm_error());
    CHECK(builds("mark,conv5x5:4:p0,add,gap,fc:10", 1, 28, 28) < 0 && strstr(bm_error(), "shortcut"),
          "24x24 from 28x28 is no stride: %s", bm_error());
    CHECK(builds("mark,conv3x3:4:s2,mark,conv3x3:4,add,add,gap,fc:10", 1, 9, 9) == 0, "nested, odd size: %s",
          bm_error());
    CHECK(builds("conv3x3:4,gap,fc:10", 1, 5, 7) == 0, "gap: %s", bm_error());
    CHECK(builds("conv30x30:4:p0,fc:10", 1, 28, 28) < 0 && strstr(bm_error(), "smaller"), "conv: %s", bm_error());
    /* every layer within its own bounds, their sum absurd (fuzz_model's find: ~40 GB from a 3.6 KB file) */
    char big[1024] = "";
    for (int i = 0; i < 80; i++)
        strcat(big, "relu,");
    strcat(big, "pool8192,fc:10");
    CHECK(builds(big, 1, 8192, 8192) < 0 && strstr(bm_error(), "GiB of buffers"), "budget: %s", bm_error());
    return t_finish("test_spec");
}
