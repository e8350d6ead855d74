/* SPDX-License-Identifier: MIT */
/* Text model specs ("conv3x3:64,bn,relu,pool2,fc:10") and the named presets. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/layer.h"
#include "model/util.h"

static const struct { const char *name, *spec; } presets[] = {
    /* MNIST MLP: BN lets Adam take large steps, which is what reaching 97% in one epoch needs. */
    {"mlp", "fc:512,bn,relu,fc:256,bn,relu,fc:10"},
    /* LeNet-5 shaped (the Caffe variant's widths), with BN. */
    {"lenet", "conv5x5:20:p0,bn,relu,pool2,conv5x5:50:p0,bn,relu,pool2,fc:500,bn,relu,fc:10"},
    /* VGG-style, sized for 2 cores: ~77 MFLOP per image forward. */
    {"cifar-cnn", "conv3x3:32,bn,relu,conv3x3:32,bn,relu,pool2,"
                  "conv3x3:64,bn,relu,conv3x3:64,bn,relu,pool2,"
                  "conv3x3:128,bn,relu,conv3x3:128,bn,relu,pool2,drop:0.2,fc:10"},
    /* ResNet-20 for CIFAR-10 (He et al. 2016, section 4.2): a 3x3 conv, then 3 stages of 3 basic blocks (16, 32
     * and 64 channels, 32x32, 16x16, 8x8), option-A shortcuts, global average pooling, fc:10. 0.27 M weights. */
    {"resnet20", "conv3x3:16,bn,relu,"
                 "mark,conv3x3:16,bn,relu,conv3x3:16,bn,add,relu,mark,conv3x3:16,bn,relu,conv3x3:16,bn,add,relu,"
                 "mark,conv3x3:16,bn,relu,conv3x3:16,bn,add,relu,"
                 "mark,conv3x3:32:s2,bn,relu,conv3x3:32,bn,add,relu,mark,conv3x3:32,bn,relu,conv3x3:32,bn,add,relu,"
                 "mark,conv3x3:32,bn,relu,conv3x3:32,bn,add,relu,"
                 "mark,conv3x3:64:s2,bn,relu,conv3x3:64,bn,add,relu,mark,conv3x3:64,bn,relu,conv3x3:64,bn,add,relu,"
                 "mark,conv3x3:64,bn,relu,conv3x3:64,bn,add,relu,"
                 "gap,fc:10"},
};

const char *bm_spec_preset(const char *name)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(presets[i].name, name) == 0)
            return presets[i].spec;
    return NULL;
}

/* A non-negative decimal integer at s (at most 10^6), *end set past it; -1 if malformed. */
static long parse_int(const char *s, const char **end)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *e;
    long v = strtol(s, &e, 10);
    if (errno || v > 1000000)
        return -1;
    *end = e;
    return v;
}

static int parse_token(const char *tok, bm_layer_desc *d)
{
    memset(d, 0, sizeof *d);
    const char *e;
    if (strcmp(tok, "bn") == 0) { d->type = BM_BN; return 0; }
    if (strcmp(tok, "relu") == 0) { d->type = BM_RELU; return 0; }
    if (strcmp(tok, "htanh") == 0) { d->type = BM_HTANH; return 0; }
    if (strcmp(tok, "sign") == 0) { d->type = BM_SIGN; return 0; }
    if (strcmp(tok, "tern") == 0) { d->type = BM_TERN; return 0; }
    if (strcmp(tok, "mark") == 0) { d->type = BM_MARK; return 0; }
    if (strcmp(tok, "add") == 0) { d->type = BM_ADD; return 0; }
    if (strcmp(tok, "gap") == 0) { d->type = BM_GAP; return 0; }
    if (strncmp(tok, "fc:", 3) == 0) {
        long v = parse_int(tok + 3, &e);
        if (v <= 0 || *e)
            return bm_fail("bad layer '%s': expected fc:N with N a positive integer", tok);
        d->type = BM_DENSE;
        d->out = (int)v;
        return 0;
    }
    if (strncmp(tok, "pool", 4) == 0) {
        long v = parse_int(tok + 4, &e);
        if (v <= 0 || *e)
            return bm_fail("bad layer '%s': expected poolK with K a positive integer", tok);
        d->type = BM_MAXPOOL;
        d->k = (int)v;
        return 0;
    }
    if (strncmp(tok, "drop:", 5) == 0) {
        char *ee;
        errno = 0;
        double p = strtod(tok + 5, &ee);
        /* The float is what is stored and what the model checks: 0.999999999999999 rounds up to 1. */
        if (errno || ee == tok + 5 || *ee || !(p >= 0.0 && (float)p < 1.0f))
            return bm_fail("bad layer '%s': expected drop:P with P in [0, 1)", tok);
        d->type = BM_DROPOUT;
        d->drop_p = (float)p;
        return 0;
    }
    if (strncmp(tok, "conv", 4) == 0) {
        long k1 = parse_int(tok + 4, &e);
        if (k1 <= 0 || *e != 'x')
            goto bad_conv;
        long k2 = parse_int(e + 1, &e);
        if (k2 != k1 || *e != ':')
            goto bad_conv;
        long c = parse_int(e + 1, &e);
        if (c <= 0)
            goto bad_conv;
        d->type = BM_CONV;
        d->k = (int)k1;
        d->out = (int)c;
        d->pad = (int)k1 / 2;
        d->stride = 1;
        while (*e == ':') {
            char opt = e[1];
            /* Checked first: at a trailing ':' the number would be looked for past the string's end. */
            if (opt != 'p' && opt != 's')
                goto bad_conv;
            long v = parse_int(e + 2, &e);
            if (v < 0 || (opt == 's' && v == 0))
                goto bad_conv;
            if (opt == 'p')
                d->pad = (int)v;
            else
                d->stride = (int)v;
        }
        if (*e)
            goto bad_conv;
        return 0;
    bad_conv:
        return bm_fail("bad layer '%s': expected convKxK:C[:pP][:sS] (square kernel, C > 0 channels)", tok);
    }
    return bm_fail("unknown layer '%s' (known: convKxK:C, fc:N, bn, relu, htanh, sign, tern, poolK, drop:P, gap, "
                   "mark, add)", tok);
}

int bm_spec_parse(const char *spec, bm_layer_desc **out, int *n)
{
    *out = NULL;
    *n = 0;
    const char *preset = bm_spec_preset(spec);
    if (preset)
        spec = preset;
    size_t len = strlen(spec);
    if (len == 0)
        return bm_fail("empty model spec");
    if (len > 65536)
        return bm_fail("model spec too long");
    char *copy = bm_alloc(len + 1, 1);
    memcpy(copy, spec, len + 1);
    int cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += copy[i] == ',';
    bm_layer_desc *d = bm_alloc((size_t)cap, sizeof *d);
    int cnt = 0;
    char *p = copy;
    /* strtok would merge ",," silently; walk by hand so that empty tokens are errors. */
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        /* trim spaces */
        while (isspace((unsigned char)*p))
            p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = 0;
        if (!*p) {
            bm_fail("empty layer at position %d of the model spec", cnt + 1);
            goto fail;
        }
        if (parse_token(p, &d[cnt]) < 0)
            goto fail;
        cnt++;
        if (!comma)
            break;
        p = comma + 1;
    }
    free(copy);
    *out = d;
    *n = cnt;
    return 0;
fail:
    free(copy);
    free(d);
    return -1;
}
