/* SPDX-License-Identifier: MIT */
/*
 * Smart Quantization regularizer (Razani et al., arXiv 1909.12205).
 *
 *   r(u; beta) = min(|u - 1|^p, |u + 1|^p, tan(beta) |u|^p),   beta in [pi/4, pi/2)
 *   R_l        = mean over the layer of r(w / s_l; beta_l) + gamma * cot(beta_l)
 *
 * The zero well is |u| < u0(beta) = 1 / (1 + tan(beta)^(1/p)): at pi/4 the three wells are equal (u0 = 1/2,
 * ternary); as beta -> pi/2 the zero well shrinks to nothing (binary). gamma * cot(beta) rewards binary
 * layers; the data term, which grows with tan(beta) for every weight in the zero well, pulls populated zero
 * wells back toward ternary.
 *
 * Choice of s_l: the scale of the ternary quantizer that r describes, i.e. the mean |w| over the weights that
 * are OUTSIDE the zero well (|w| >= u0 * s_l). It is a fixed point (the well depends on s_l); we take one
 * iteration per training step from the previous value (starting at mean |w|), and treat s_l as a constant in
 * the gradient (stop-gradient). Unlike mean|w| or std over all weights, this is consistent with the wells: if
 * the non-zero weights sit at +-1 in u units, s_l is exactly their magnitude, whatever the fraction of zeros,
 * and it is the same scale the final quantization fits, so the regularized net and the quantized net agree.
 */
#ifndef BITERN_TRAIN_SQ_REG_H
#define BITERN_TRAIN_SQ_REG_H

#include <stddef.h>

#define SQ_BETA_MIN 0.78539816339744831f   /* pi/4 */
#define SQ_BETA_MAX 1.56079632679489662f   /* pi/2 - 0.01: tan stays finite (about 100) */

/* beta at or above this (float(pi/2) rounds above pi/2) means the exact binary limit: r = min(|u-1|^p, |u+1|^p),
 * u0 = 0. Used by the `binary` baseline, whose beta is frozen at pi/2; trained betas stay <= SQ_BETA_MAX. */
#define SQ_BETA_BINARY 1.5707963f

/* Boundary of the zero well in u units. */
float sq_u0(float beta, int p);
/* r(u; beta) and its partial derivatives (either pointer may be NULL). */
double sq_r(double u, double beta, int p, double *dr_du, double *dr_dbeta);
/* R_l for n weights w with scale s. Adds coef * dR_l/dw to gw (if gw is not NULL) and returns dR_l/dbeta in
 * *dbeta (if not NULL). Returns R_l. */
double sq_layer_reg(const float *w, size_t n, float s, float beta, int p, float gamma, float coef, float *gw,
                    double *dbeta);
/* One fixed-point step of s_l (see above). s_prev <= 0 starts from mean |w|. */
float sq_fit_scale(const float *w, size_t n, float beta, int p, float s_prev);
/* Fraction of the weights in the zero well. */
double sq_zero_fraction(const float *w, size_t n, float s, float beta, int p);
float sq_clamp_beta(float beta);
/* Diagnostics: E = (1/n) sum over the zero well of |u|^p (beta's data gradient is sec^2(beta) * E, so beta rises
 * exactly when gamma * csc^2(beta) > sec^2(beta) * E), and the fraction of weights with |u| < 0.05 (collapsed). */
double sq_well_energy(const float *w, size_t n, float s, float beta, int p, double *collapsed);
/* SQ's depth rule at the freeze: 1 (binary) when the zero well is empty of weights (zero_frac <= depth_thr), or
 * when the well has closed (u0 <= u0_bin) and fine-tuning follows (ft_follows): the weights still inside are
 * then collapsed near 0 and become +-alpha, which only fine-tuning can retrain. Else 0 (ternary). */
int sq_depth_binary(double zero_frac, float u0, float depth_thr, float u0_bin, int ft_follows);

#endif
