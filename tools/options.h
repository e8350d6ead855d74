/* SPDX-License-Identifier: MIT */
/* Option values of the bitern commands, checked the same way by every command. */
#ifndef BITERN_TOOLS_OPTIONS_H
#define BITERN_TOOLS_OPTIONS_H

/* On error print "bitern CMD: OPT: 'V' is not an integer (a number) in [lo, hi]" and return -1; else 0. */
int bitern_opt_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out);
int bitern_opt_float(const char *cmd, const char *opt, const char *v, double lo, double hi, float *out);

#endif
