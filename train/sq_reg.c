/* SPDX-License-Identifier: MIT */
#include "train/sq_reg.h"

#include <math.h>

float sq_clamp_beta(float beta)
{
    if (!(beta >= SQ_BETA_MIN))   /* also catches NaN */
        return SQ_BETA_MIN;
    return beta > SQ_BETA_MAX ? SQ_BETA_MAX : beta;
}

float sq_u0(float beta, int p)
{
    if (beta >= SQ_BETA_BINARY)
        return 0.0f;
    double t = tan((double)beta);
    return (float)(1.0 / (1.0 + (p == 1 ? t : pow(t, 1.0 / p))));
}

/* |v|^p and its derivative for p = 1 or 2 (p = 1 uses the subgradient 0 at v = 0). */
static inline double powp(double v, int p, double *d)
{
    if (p == 1) {
        *d = v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
        return fabs(v);
    }
    *d = 2.0 * v;
    return v * v;
}

double sq_r(double u, double beta, int p, double *dr_du, double *dr_dbeta)
{
    int binary = beta >= SQ_BETA_BINARY;   /* the pi/2 limit itself: no zero well at all */
    double t = binary ? 0.0 : tan(beta), sec2 = 1.0 + t * t;
    double dm, dp, dz;
    double rm = powp(u - 1.0, p, &dm), rp = powp(u + 1.0, p, &dp), az = powp(u, p, &dz);
    double rz = binary ? INFINITY : t * az;
    double r, du, db;
    if (rz <= rm && rz <= rp) {
        r = rz;
        du = t * dz;
        db = sec2 * az;
    } else if (rm <= rp) {
        r = rm;
        du = dm;
        db = 0.0;
    } else {
        r = rp;
        du = dp;
        db = 0.0;
    }
    if (dr_du)
        *dr_du = du;
    if (dr_dbeta)
        *dr_dbeta = db;
    return r;
}

double sq_layer_reg(const float *w, size_t n, float s, float beta, int p, float gamma, float coef, float *gw,
                    double *dbeta)
{
    if (n == 0)
        return 0.0;
    double inv_s = 1.0 / s, sum = 0.0, sumdb = 0.0;
    double gscale = coef * inv_s / (double)n;   /* d(mean r)/dw = r'(u) / (s n) */
    for (size_t i = 0; i < n; i++) {
        double du, db;
        sum += sq_r(w[i] * inv_s, beta, p, &du, &db);
        sumdb += db;
        if (gw)
            gw[i] += (float)(gscale * du);
    }
    double sb = sin(beta), cb = cos(beta);
    if (dbeta)
        *dbeta = sumdb / (double)n - gamma / (sb * sb);   /* d(cot)/dbeta = -csc^2 */
    return sum / (double)n + (beta >= SQ_BETA_BINARY ? 0.0 : gamma * cb / sb);
}

float sq_fit_scale(const float *w, size_t n, float beta, int p, float s_prev)
{
    double all = 0.0;
    for (size_t i = 0; i < n; i++)
        all += fabsf(w[i]);
    if (n == 0 || all == 0.0)
        return 1.0f;
    if (!(s_prev > 0.0f))
        s_prev = (float)(all / n);
    float thr = sq_u0(beta, p) * s_prev;
    double s = 0.0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabsf(w[i]) >= thr) {
            s += fabsf(w[i]);
            cnt++;
        }
    }
    return cnt ? (float)(s / cnt) : (float)(all / n);
}

double sq_zero_fraction(const float *w, size_t n, float s, float beta, int p)
{
    if (n == 0)
        return 0.0;
    float thr = sq_u0(beta, p) * s;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        cnt += fabsf(w[i]) < thr;
    return (double)cnt / (double)n;
}

double sq_well_energy(const float *w, size_t n, float s, float beta, int p, double *collapsed)
{
    if (collapsed)
        *collapsed = 0.0;
    if (n == 0 || !(s > 0.0f))
        return 0.0;
    double u0 = sq_u0(beta, p), inv_s = 1.0 / s, e = 0.0;
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        double u = fabs(w[i] * inv_s);
        if (u < u0)
            e += p == 1 ? u : u * u;
        c += u < 0.05;
    }
    if (collapsed)
        *collapsed = (double)c / (double)n;
    return e / (double)n;
}

int sq_depth_binary(double zero_frac, float u0, float depth_thr, float u0_bin, int ft_follows)
{
    return zero_frac <= depth_thr || (u0 <= u0_bin && ft_follows);
}
