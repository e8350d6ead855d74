/* SPDX-License-Identifier: MIT */
#include "train/sq_budget.h"

#include <math.h>

#include "train/sq_reg.h"

void sq_layer_prices(const size_t *n, int L, int mode, float *w)
{
    double tot = 0.0;
    for (int l = 0; l < L; l++)
        tot += (double)n[l];
    for (int l = 0; l < L; l++)
        w[l] = mode == SQ_PRICE_SIZE && tot > 0.0 ? (float)((double)L * (double)n[l] / tot) : 1.0f;
}

double sq_soft_binary(float beta, int p, float u0_bin)
{
    /* u0 falls monotonically from 1/2 (pi/4) to 0 (pi/2): measure progress in u0, the quantity the rule reads */
    double u0 = sq_u0(beta, p);
    if (u0 <= u0_bin)
        return 1.0;
    double t = (0.5 - u0) / (0.5 - (double)u0_bin);
    return t < 0.0 ? 0.0 : t;
}

double sq_cost(const double *cost_b, const double *cost_t, const int *binary, int L)
{
    double c = 0.0;
    for (int l = 0; l < L; l++)
        c += binary[l] ? cost_b[l] : cost_t[l];
    return c;
}

float sq_budget_gamma_step(float gamma, double cost_pred, double budget, double cost_all_b, double cost_all_t,
                           double k)
{
    double span = cost_all_t - cost_all_b;
    if (!(span > 0.0))
        return gamma;
    double g = gamma * exp(k * (cost_pred - budget) / span);
    return (float)(g < 1e-4 ? 1e-4 : g > 1e3 ? 1e3 : g);
}

int sq_budget_choose(const double *cost_b, const double *cost_t, const double *need, int L, double budget,
                     int *binary)
{
    if (L < 1 || L > SQ_BUDGET_MAX_LAYERS)
        return -1;
    double best = -1.0;
    unsigned long best_set = 0;
    int found = 0;
    /* bit l of set: layer l ternary. L <= 20: at most ~1M subsets of cheap sums, once per run */
    for (unsigned long set = 0; set < (1ul << L); set++) {
        double cost = 0.0, score = 0.0;
        for (int l = 0; l < L; l++) {
            int t = (int)(set >> l & 1);
            cost += t ? cost_t[l] : cost_b[l];
            score += t ? need[l] : 0.0;
        }
        if (cost > budget)
            continue;
        /* the layers that want ternary most first; among equals, the one that uses the budget most */
        score += 1e-6 * cost / budget;
        if (!found || score > best) {
            best = score;
            best_set = set;
            found = 1;
        }
    }
    if (!found)
        return -1;
    for (int l = 0; l < L; l++)
        binary[l] = !(best_set >> l & 1);
    return 0;
}
