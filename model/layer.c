/* SPDX-License-Identifier: MIT */
#include "model/layer.h"

#include <string.h>

#include "model/util.h"

const char *bm_ltype_name(bm_ltype t)
{
    static const char *names[] = {"?", "fc", "conv", "bn", "relu", "htanh", "sign", "tern", "pool", "drop"};
    return (t > 0 && t < BM_LTYPE_END) ? names[t] : "?";
}

int bm_layer_shape(bm_shape *l, const bm_layer_desc *d, int idx)
{
    l->type = d->type;
    l->k = l->stride = l->pad = 0;
    l->drop_p = 0.0f;
    l->fan_in = l->nw = 0;
    switch (d->type) {
    case BM_DENSE:
        if (d->out <= 0)
            return bm_fail("layer %d (fc): output size must be positive", idx);
        l->fan_in = bm_in_size(l);
        l->out_c = d->out;
        l->out_h = l->out_w = 1;
        break;
    case BM_CONV:
        if (d->out <= 0 || d->k <= 0 || d->stride <= 0 || d->pad < 0)
            return bm_fail("layer %d (conv): channels, kernel and stride must be positive, padding >= 0", idx);
        l->k = d->k;
        l->stride = d->stride;
        l->pad = d->pad;
        if (l->in_h + 2 * l->pad < l->k || l->in_w + 2 * l->pad < l->k)
            return bm_fail("layer %d (conv%dx%d): input %dx%d (padding %d) is smaller than the kernel", idx, l->k,
                           l->k, l->in_h, l->in_w, l->pad);
        l->out_c = d->out;
        l->out_h = (l->in_h + 2 * l->pad - l->k) / l->stride + 1;
        l->out_w = (l->in_w + 2 * l->pad - l->k) / l->stride + 1;
        l->fan_in = (size_t)l->in_c * l->k * l->k;
        break;
    case BM_MAXPOOL:
        if (d->k <= 0)
            return bm_fail("layer %d (pool): window must be positive", idx);
        l->k = l->stride = d->k;
        if (l->in_h < l->k || l->in_w < l->k)
            return bm_fail("layer %d (pool%d): input %dx%d is smaller than the window", idx, l->k, l->in_h, l->in_w);
        l->out_c = l->in_c;
        l->out_h = l->in_h / l->k;
        l->out_w = l->in_w / l->k;
        break;
    case BM_DROPOUT:
        if (!(d->drop_p >= 0.0f && d->drop_p < 1.0f))
            return bm_fail("layer %d (drop): probability must be in [0, 1)", idx);
        l->drop_p = d->drop_p;
        /* fall through */
    default:
        if (d->type <= 0 || d->type >= BM_LTYPE_END)
            return bm_fail("layer %d: unknown type %d", idx, (int)d->type);
        l->out_c = l->in_c;
        l->out_h = l->in_h;
        l->out_w = l->in_w;
        break;
    }
    size_t nw;
    if (bm_out_size(l) > BM_MAX_ACT || bm_in_size(l) > BM_MAX_ACT)
        return bm_fail("layer %d (%s): activation too large", idx, bm_ltype_name(l->type));
    if (l->type == BM_DENSE || l->type == BM_CONV) {
        if (bm_mul(l->fan_in, (size_t)l->out_c, &nw) < 0 || nw > BM_MAX_WEIGHTS)
            return bm_fail("layer %d (%s): weight matrix too large", idx, bm_ltype_name(l->type));
        l->nw = nw;
    }
    return 0;
}

void bm_act_apply(bm_ltype type, const float *x, float *y, size_t total)
{
    switch (type) {
    case BM_RELU:
        for (size_t i = 0; i < total; i++)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case BM_HTANH:
        for (size_t i = 0; i < total; i++)
            y[i] = x[i] > 1.0f ? 1.0f : (x[i] < -1.0f ? -1.0f : x[i]);
        break;
    case BM_SIGN:
        for (size_t i = 0; i < total; i++)
            y[i] = x[i] < 0.0f ? -1.0f : 1.0f;
        break;
    case BM_TERN:
        for (size_t i = 0; i < total; i++)
            y[i] = x[i] > 0.5f ? 1.0f : (x[i] < -0.5f ? -1.0f : 0.0f);
        break;
    default:
        if (y != x)
            memcpy(y, x, total * sizeof *y);
        break;
    }
}
