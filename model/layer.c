/* SPDX-License-Identifier: MIT */
#include "model/layer.h"

#include <string.h>

#include "model/util.h"

const char *bm_ltype_name(bm_ltype t)
{
    static const char *names[] = {"?", "fc", "conv", "bn", "relu", "htanh", "sign", "tern", "pool", "drop", "mark", "add",
                                  "gap"};
    return (t > 0 && t < BM_LTYPE_END) ? names[t] : "?";
}

/* The mark an add at idx closes: the latest one before it not closed by an add in between; -1 if none. */
static int find_mark(const bm_shape *prev, int idx)
{
    int open = 0;
    for (int i = idx - 1; i >= 0; i--) {
        if (prev[i].type == BM_ADD)
            open++;
        else if (prev[i].type == BM_MARK && open-- == 0)
            return i;
    }
    return -1;
}

int bm_layer_shape(bm_shape *l, const bm_layer_desc *d, int idx, const bm_shape *prev)
{
    l->type = d->type;
    l->k = l->stride = l->pad = 0;
    l->drop_p = 0.0f;
    l->fan_in = l->nw = 0;
    l->link = -1;
    l->sub = 0;
    switch (d->type) {
    case BM_ADD: {
        int m = prev ? find_mark(prev, idx) : -1;
        if (m < 0)
            return bm_fail("layer %d (add): no mark before it to add back", idx);
        const bm_shape *mk = &prev[m];
        int s = (mk->out_h + l->in_h - 1) / l->in_h;
        if (s < 1 || (mk->out_h + s - 1) / s != l->in_h || (mk->out_w + s - 1) / s != l->in_w ||
            l->in_c < mk->out_c)
            return bm_fail("layer %d (add): the block's output %dx%dx%d cannot take the shortcut of layer %d's "
                           "%dx%dx%d (it needs as many channels or more, and the size subsampled by one stride)",
                           idx, l->in_c, l->in_h, l->in_w, m, mk->out_c, mk->out_h, mk->out_w);
        l->link = m;
        l->sub = s;
        l->out_c = l->in_c;
        l->out_h = l->in_h;
        l->out_w = l->in_w;
        break;
    }
    case BM_GAP:
        l->out_c = l->in_c;
        l->out_h = l->out_w = 1;
        break;
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

int bm_shapes(bm_shape *out, const bm_layer_desc *d, int n, int in_c, int in_h, int in_w)
{
    int c = in_c, h = in_h, w = in_w;
    for (int i = 0; i < n; i++) {
        out[i] = (bm_shape){.in_c = c, .in_h = h, .in_w = w};
        if (bm_layer_shape(&out[i], &d[i], i, out) < 0)
            return -1;
        c = out[i].out_c;
        h = out[i].out_h;
        w = out[i].out_w;
    }
    return bm_check_blocks(out, n);
}

int bm_check_blocks(const bm_shape *s, int n)
{
    int open = 0;
    for (int i = 0; i < n; i++)
        open += (s[i].type == BM_MARK) - (s[i].type == BM_ADD);
    if (open > 0)
        return bm_fail("%d mark%s without an add: a residual block is mark ... add", open, open > 1 ? "s" : "");
    return 0;
}
