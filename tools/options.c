/* SPDX-License-Identifier: MIT */
#include "tools/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int bitern_opt_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out)
{
    char *e;
    errno = 0;
    long x = strtol(v, &e, 10);
    if (errno || e == v || *e || x < lo || x > hi) {
        fprintf(stderr, "bitern %s: %s: '%s' is not an integer in [%ld, %ld]\n", cmd, opt, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

int bitern_opt_float(const char *cmd, const char *opt, const char *v, double lo, double hi, float *out)
{
    char *e;
    errno = 0;
    double x = strtod(v, &e);
    if (errno || e == v || *e || !(x >= lo && x <= hi)) {
        fprintf(stderr, "bitern %s: %s: '%s' is not a number in [%g, %g]\n", cmd, opt, v, lo, hi);
        return -1;
    }
    *out = (float)x;
    return 0;
}
