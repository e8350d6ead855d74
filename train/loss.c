/* SPDX-License-Identifier: MIT */
/* Softmax cross-entropy, shifted by the row maximum so that exp never overflows. */
#include <math.h>

#include "train/nn.h"

double tr_softmax_xent(const float *logits, const uint8_t *labels, int n, int k, float *dlogits, int *correct)
{
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        int arg = 0;
        for (int j = 1; j < k; j++)
            if (z[j] > z[arg])
                arg = j;
        if (correct && arg == labels[i])
            (*correct)++;
        double sum = 0.0;
        for (int j = 0; j < k; j++)
            sum += exp((double)z[j] - z[arg]);
        double lse = z[arg] + log(sum);
        loss += lse - z[labels[i]];
        if (dlogits) {
            float *d = dlogits + (size_t)i * k;
            for (int j = 0; j < k; j++)
                d[j] = (float)((exp((double)z[j] - lse) - (j == labels[i])) / n);
        }
    }
    return loss / n;
}
