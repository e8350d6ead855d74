/* SPDX-License-Identifier: MIT */
/* JSON string output for the reports of `bitern eval` and `bitern compare`. */
#ifndef BITERN_JSON_OUT_H
#define BITERN_JSON_OUT_H

#include <stdio.h>

static inline void bte_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

#endif
