/* SPDX-License-Identifier: MIT */
/*
 * SQ's price of a ternary layer, and a memory budget on the depths it picks (issue 15).
 *
 * The paper's regularizer charges every quantized layer the same gamma * cot(beta_l) (--sq-price layer): a
 * 500-weight conv and a 400,000-weight fc pay alike for staying ternary, though the second costs 800 times the
 * bits. --sq-price size charges layer l gamma * w_l * cot(beta_l) with w_l = L n_l / sum_k n_k (n_l its weights,
 * L the number of quantized layers): the price is proportional to the extra bit per weight that ternary costs,
 * and the weights average to 1, so gamma keeps its scale (sum_l w_l = L, as in the paper's form).
 *
 * A budget (--budget-bits B: mean bits per quantized weight, or --budget-bytes N: packed bytes of the quantized
 * layers' weights, the part of the model the depths decide) is met in two steps:
 *   - during the regularized phase gamma is a Lagrange multiplier: each step it is multiplied by
 *     exp(k * (cost_pred - budget) / (cost_T - cost_B)), cost_pred counting each layer by its soft depth (how
 *     far beta has gone from pi/4 toward the binary rule's edge), so gamma rises while the layers that would stay
 *     ternary cost too much and falls when the budget has room;
 *   - at the freeze the depths are chosen among the assignments that fit (sq_budget_choose): ternary where beta
 *     says a layer wants it most; the log says where that differs from SQ's own rule.
 * A budget below pure binary cannot be met and is refused before training.
 */
#ifndef BITERN_TRAIN_SQ_BUDGET_H
#define BITERN_TRAIN_SQ_BUDGET_H

#include <stddef.h>

enum { SQ_PRICE_LAYER = 0, SQ_PRICE_SIZE = 1 };

/* w[0..L) for n[0..L) weights per quantized layer (see above). */
void sq_layer_prices(const size_t *n, int L, int mode, float *w);
/* Soft depth in [0, 1]: 0 at beta = pi/4 (ternary), 1 once u0(beta) <= u0_bin (the binary rule's edge). */
double sq_soft_binary(float beta, int p, float u0_bin);
/* Total cost of depths d[l] (1 binary, else ternary) given each layer's binary and ternary costs. */
double sq_cost(const double *cost_b, const double *cost_t, const int *binary, int L);
/* One Lagrange step of gamma toward cost_pred = budget; stays in [1e-4, 1e3]. */
float sq_budget_gamma_step(float gamma, double cost_pred, double budget, double cost_all_b, double cost_all_t,
                           double k);
#define SQ_BUDGET_MAX_LAYERS 20
/* The depths at the freeze under a budget: among the assignments whose cost fits, the one whose ternary layers
 * have the largest total need[l] (how much SQ's beta says layer l wants ternary: 1 - sq_soft_binary), ties to the
 * one that uses more of the budget. binary[l] gets 1 or 0. -1 when even all binary does not fit, or L is out of
 * 1..SQ_BUDGET_MAX_LAYERS. */
int sq_budget_choose(const double *cost_b, const double *cost_t, const double *need, int L, double budget,
                     int *binary);

#endif
