/* SPDX-License-Identifier: MIT */
/*
 * Residual blocks (mark ... add) and global average pooling.
 *
 * The add's shortcut is ResNet's option A (He et al. 2016, the CIFAR networks): the mark's map, subsampled by the
 * stride `sub` (rows and columns 0, sub, 2 sub, ...) when the block halved the size, and followed by zero channels
 * when it widened them. No parameters: the shortcut costs nothing in a binary or ternary network's bytes.
 * Backward, the add passes its gradient on unchanged and sends the shortcut's part (the transpose: the same
 * positions, nothing for the zero channels) to its mark, which adds it to the gradient coming from above. The
 * model runs layers backward in reverse order, so the add (after the mark) always fills dskip first.
 */
#include <string.h>

#include "train/nn.h"

void tr_add_forward(tr_layer *l, const float *x, int n)
{
    const tr_layer *m = l->mark;
    size_t C = (size_t)l->out_c, H = (size_t)l->out_h, W = (size_t)l->out_w, S = (size_t)l->sub;
    size_t MC = (size_t)m->out_c, MH = (size_t)m->out_h, MW = (size_t)m->out_w;
    for (int j = 0; j < n; j++) {
        const float *xj = x + (size_t)j * C * H * W, *sj = m->y + (size_t)j * MC * MH * MW;
        float *yj = l->y + (size_t)j * C * H * W;
        for (size_t c = 0; c < C; c++)
            for (size_t h = 0; h < H; h++)
                for (size_t w = 0; w < W; w++) {
                    size_t o = (c * H + h) * W + w;
                    yj[o] = c < MC ? xj[o] + sj[(c * MH + h * S) * MW + w * S] : xj[o];
                }
    }
}

void tr_add_backward(tr_layer *l, const float *dy, int n)
{
    tr_layer *m = l->mark;
    size_t C = (size_t)l->out_c, H = (size_t)l->out_h, W = (size_t)l->out_w, S = (size_t)l->sub;
    size_t MC = (size_t)m->out_c, MH = (size_t)m->out_h, MW = (size_t)m->out_w;
    memcpy(l->dx, dy, (size_t)n * C * H * W * sizeof(float));
    memset(m->dskip, 0, (size_t)n * MC * MH * MW * sizeof(float));
    for (int j = 0; j < n; j++) {
        const float *dj = dy + (size_t)j * C * H * W;
        float *sj = m->dskip + (size_t)j * MC * MH * MW;
        for (size_t c = 0; c < MC; c++)
            for (size_t h = 0; h < H; h++)
                for (size_t w = 0; w < W; w++)
                    sj[(c * MH + h * S) * MW + w * S] = dj[(c * H + h) * W + w];
    }
}

void tr_mark_backward(tr_layer *l, const float *dy, int n)
{
    size_t total = (size_t)n * tr_layer_out_size(l);
    for (size_t i = 0; i < total; i++)
        l->dx[i] = dy[i] + l->dskip[i];
}

void tr_gap_forward(tr_layer *l, const float *x, int n)
{
    size_t C = (size_t)l->in_c, P = (size_t)l->in_h * l->in_w;
    for (int j = 0; j < n; j++)
        for (size_t c = 0; c < C; c++) {
            const float *p = x + ((size_t)j * C + c) * P;
            float s = 0.0f;   /* in order: the engine sums the same way */
            for (size_t i = 0; i < P; i++)
                s += p[i];
            l->y[(size_t)j * C + c] = s / (float)P;
        }
}

void tr_gap_backward(tr_layer *l, const float *dy, int n)
{
    size_t C = (size_t)l->in_c, P = (size_t)l->in_h * l->in_w;
    for (int j = 0; j < n; j++)
        for (size_t c = 0; c < C; c++) {
            float g = dy[(size_t)j * C + c] / (float)P;
            float *d = l->dx + ((size_t)j * C + c) * P;
            for (size_t i = 0; i < P; i++)
                d[i] = g;
        }
}
