/* SPDX-License-Identifier: MIT */
/* Shape of the SQ regularizer: equal wells at pi/4, the closed form of u0(beta), the binary limit, and the
 * behaviour of the scale s_l and of beta's gradient. */
#include <math.h>

#include "train/sq_reg.h"
#include "test_util.h"

/* u0 by bisection on tan(beta)|u|^p = (1 - |u|)^p over (0, 1): independent of the closed form. */
static double u0_bisect(double beta, int p)
{
    double lo = 0.0, hi = 1.0, t = tan(beta);
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (t * pow(mid, p) < pow(1.0 - mid, p))
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

int main(void)
{
    const double pi4 = M_PI / 4;
    for (int p = 1; p <= 2; p++) {
        /* pi/4: three equal wells: r(0) = r(1) = r(-1) = 0, u0 = 1/2, and r symmetric with equal curvature. */
        CHECK(fabs(sq_u0((float)pi4, p) - 0.5f) < 1e-6, "u0(pi/4) p=%d = %f", p, sq_u0((float)pi4, p));
        CHECK(sq_r(0, pi4, p, 0, 0) == 0 && sq_r(1, pi4, p, 0, 0) == 0 && sq_r(-1, pi4, p, 0, 0) == 0, "zeros p=%d",
              p);
        for (double d = 0.05; d < 0.5; d += 0.05) {
            double a = sq_r(d, pi4, p, 0, 0), b = sq_r(1 + d, pi4, p, 0, 0), c = sq_r(1 - d, pi4, p, 0, 0),
                   e = sq_r(-1 - d, pi4, p, 0, 0);
            CHECK(fabs(a - b) < 1e-12 && fabs(a - c) < 1e-12 && fabs(a - e) < 1e-12, "equal wells p=%d d=%.2f", p, d);
        }
        /* Closed form vs bisection, and continuity of r at the boundary. */
        for (double beta = pi4; beta < SQ_BETA_MAX; beta += 0.05) {
            double u0 = sq_u0((float)beta, p), ref = u0_bisect((float)beta, p);
            CHECK(fabs(u0 - ref) < 1e-5, "u0 closed form p=%d beta=%.3f: %f vs %f", p, beta, u0, ref);
            double t = tan((float)beta);
            CHECK(fabs(t * pow(u0, p) - pow(1 - u0, p)) < 1e-5, "u0 balances the wells p=%d beta=%.3f", p, beta);
            /* inside the well r is the zero branch, outside the +-1 branch */
            CHECK(fabs(sq_r(0.5 * u0, (float)beta, p, 0, 0) - t * pow(0.5 * u0, p)) < 1e-6, "zero branch");
            CHECK(fabs(sq_r(0.5 + 0.5 * u0, (float)beta, p, 0, 0) - pow(0.5 - 0.5 * u0, p)) < 1e-6, "one branch");
        }
        /* u0 decreases with beta and tends to 0 (binary limit). */
        double prev = 1.0;
        for (double beta = pi4; beta < 1.5707; beta += 0.01) {
            double u0 = sq_u0((float)beta, p);
            CHECK(u0 < prev + 1e-9, "u0 monotone p=%d", p);
            prev = u0;
        }
        CHECK(sq_u0(1.5707963f - 1e-6f, p) < (p == 2 ? 2e-3 : 1e-5), "u0 -> 0 at pi/2 p=%d: %g", p,
              sq_u0(1.5707963f - 1e-6f, p));
        /* Near pi/2 the regularizer is the binary one min(|u-1|^p, |u+1|^p) except on a vanishing interval. */
        double b = SQ_BETA_MAX, u0 = sq_u0((float)b, p);
        for (double u = -2; u <= 2; u += 0.01) {
            if (fabs(u) <= u0)
                continue;
            double bin = fmin(pow(fabs(u - 1), p), pow(fabs(u + 1), p));
            CHECK(fabs(sq_r(u, b, p, 0, 0) - bin) < 1e-9, "binary limit p=%d u=%.2f", p, u);
        }
    }
    /* gamma * cot(beta): with an empty zero well, beta's gradient is -gamma csc^2 < 0 (descent raises beta toward
     * binary); with a crowded zero well and small gamma it is positive (descent lowers beta toward ternary). */
    float w_bin[4] = {1, -1, 1, -1}, w_zero[4] = {0.2f, -0.2f, 0.15f, 1.0f};
    double db;
    sq_layer_reg(w_bin, 4, 1.0f, 1.0f, 2, 0.01f, 0, NULL, &db);
    CHECK(db < 0, "empty zero well: dR/dbeta = %f should be < 0", db);
    sq_layer_reg(w_zero, 4, 1.0f, 1.0f, 2, 0.001f, 0, NULL, &db);
    CHECK(db > 0, "crowded zero well: dR/dbeta = %f should be > 0", db);
    /* s_l: with weights at 0 and +-a the fixed point is a, whatever the zero fraction. */
    float w[10] = {0, 0, 0, 0, 0, 0, 0.3f, -0.3f, 0.3f, -0.3f};
    float s = sq_fit_scale(w, 10, (float)pi4, 2, 0);
    for (int i = 0; i < 5; i++)
        s = sq_fit_scale(w, 10, (float)pi4, 2, s);
    CHECK(fabsf(s - 0.3f) < 1e-6, "s_l fixed point %f", s);
    CHECK(fabs(sq_zero_fraction(w, 10, s, (float)pi4, 2) - 0.6) < 1e-9, "zero fraction");
    CHECK(sq_clamp_beta(0.1f) == SQ_BETA_MIN && sq_clamp_beta(2.0f) == SQ_BETA_MAX && sq_clamp_beta(NAN) == SQ_BETA_MIN,
          "clamp");
    /* dR/dbeta against a central difference of R itself (sign and magnitude), for weights away from the well
     * boundaries, and its split: sec^2(beta) * E (E = the zero-well energy, only weights in the well count) minus
     * gamma csc^2(beta). */
    {
        float wv[64];
        for (int i = 0; i < 64; i++)
            wv[i] = (float)(0.9 * sin(1.7 * i + 0.3));   /* spread over (-0.9, 0.9) */
        int tested = 0;
        for (int p = 1; p <= 2; p++) {
            for (double beta = pi4 + 0.05; beta < SQ_BETA_MAX - 0.05; beta += 0.1) {
                const float gam = 0.02f, s1 = 0.7f;
                double dbb, h = 1e-4;
                sq_layer_reg(wv, 64, s1, (float)beta, p, gam, 0, NULL, &dbb);
                /* skip betas where a weight sits within the step of the well boundary (r has a kink there) */
                double u0a = sq_u0((float)(beta - 2 * h), p), u0b = sq_u0((float)(beta + 2 * h), p);
                int kink = 0;
                for (int i = 0; i < 64; i++) {
                    double u = fabs(wv[i] / s1);
                    kink |= u <= u0a + 1e-6 && u >= u0b - 1e-6;
                }
                if (kink)
                    continue;
                double rp = sq_layer_reg(wv, 64, s1, (float)(beta + h), p, gam, 0, NULL, NULL);
                double rm = sq_layer_reg(wv, 64, s1, (float)(beta - h), p, gam, 0, NULL, NULL);
                double bp = (float)(beta + h), bm = (float)(beta - h), fd = (rp - rm) / (bp - bm);
                CHECK(fabs(fd - dbb) < 1e-3 * (1.0 + fabs(dbb)), "dR/dbeta p=%d beta=%.3f: analytic %g vs FD %g", p,
                      beta, dbb, fd);
                double coll, e = sq_well_energy(wv, 64, s1, (float)beta, p, &coll);
                double t = tan((float)beta), sn = sin((float)beta);
                CHECK(fabs(dbb - ((1 + t * t) * e - gam / (sn * sn))) < 1e-6 * (1.0 + fabs(dbb)),
                      "dR/dbeta = sec^2 E - gamma csc^2, p=%d beta=%.3f", p, beta);
                CHECK(e > 0 && coll >= 0 && coll <= 1, "well energy %g, collapsed %g", e, coll);
                tested++;
            }
        }
        CHECK(tested >= 8, "only %d betas away from kinks", tested);
        /* weights collapsed to 0 pay nothing: beta's gradient is exactly the gamma term */
        float wc[6] = {0, 0, 0, 1, -1, 1};
        sq_layer_reg(wc, 6, 1.0f, 1.2f, 2, 0.02f, 0, NULL, &db);
        CHECK(fabs(db + 0.02 / (sin(1.2f) * sin(1.2f))) < 1e-9, "collapsed zeros: dR/dbeta %g", db);
    }
    return t_finish("test_sq");
}
