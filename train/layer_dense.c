/* SPDX-License-Identifier: MIT */
/* Dense layer: Y = X W^T + b with W stored out x in (row r = output r, the layout B1/T2 rows use). */
#include <cblas.h>
#include <string.h>

#include "train/nn.h"

void tr_dense_forward(tr_layer *l, const float *x, int n)
{
    int m = l->out_c, k = (int)l->fan_in;
    l->x = x;
    for (int i = 0; i < n; i++)
        memcpy(l->y + (size_t)i * m, l->b, (size_t)m * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, k, 1.0f, x, k, l->wq, k, 1.0f, l->y, m);
}

void tr_dense_backward(tr_layer *l, const float *dy, int n, int need_dx)
{
    int m = l->out_c, k = (int)l->fan_in;
    /* dW = dY^T X; with quantized weights this is the gradient wrt wq, applied to w straight through. */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, k, n, 1.0f, dy, m, l->x, k, 0.0f, l->gw, k);
    memset(l->gb, 0, (size_t)m * sizeof(float));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            l->gb[j] += dy[(size_t)i * m + j];
    if (need_dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, m, 1.0f, dy, m, l->wq, k, 0.0f, l->dx, k);
}
