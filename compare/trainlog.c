/* SPDX-License-Identifier: MIT */
/* Reading beta back from the trainer's JSON-lines log (train/trainer.c writes it; its layout is fixed there). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "files.h"

/* The number after "key": in s, or fallback when the key is absent. */
static double num_after(const char *s, const char *key, double fallback)
{
    const char *p = strstr(s, key);
    if (!p)
        return fallback;
    p += strlen(key);
    char *end;
    double v = strtod(p, &end);
    return end == p ? fallback : v;
}

/* One epoch line: records beta of each quantizable layer. The set of quantizable layers is fixed by the first
 * epoch line; a later line that does not match it (a different model appended to the same log) is an error. */
static int read_epoch(const char *line, cmp_trace *t)
{
    int e = (int)num_after(line, "\"epoch\":", 0) - 1;   /* the log counts epochs from 1 */
    if (e < 0 || e >= CMP_MAX_EPOCHS)
        return -1;
    int k = 0;
    for (const char *p = strstr(line, "{\"layer\":"); p; p = strstr(p + 1, "{\"layer\":")) {
        const char *end = strchr(p, '}');
        if (!end)
            return -1;
        char item[512];
        size_t len = (size_t)(end - p) < sizeof item - 1 ? (size_t)(end - p) : sizeof item - 1;
        memcpy(item, p, len);
        item[len] = 0;
        if (num_after(item, "\"quantizable\":", 0) != 1)
            continue;
        int layer = (int)num_after(item, "{\"layer\":", -1);
        if (k >= CMP_MAX_OPS)
            return -1;
        if (t->n_epochs == 0 && e == 0)
            t->layer[k] = layer;
        else if (k >= t->n_layers || t->layer[k] != layer)
            return -1;
        t->beta[e][k++] = num_after(item, "\"beta\":", 0.0);
    }
    if (t->n_epochs == 0 && e == 0)
        t->n_layers = k;
    else if (k != t->n_layers)
        return -1;
    if (e + 1 > t->n_epochs)
        t->n_epochs = e + 1;
    return 0;
}

/* The string value of "key":"..." in s (values written by the trainer hold no quotes or escapes). */
static void str_after(const char *s, const char *key, char *out, size_t cap)
{
    const char *p = strstr(s, key);
    out[0] = 0;
    if (!p)
        return;
    p += strlen(key);
    size_t n = strcspn(p, "\"");
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

int cmp_read_trace(const char *path, cmp_trace *t, double *final_acc)
{
    FILE *f = tr_fopen_regular(path);   /* a FIFO in place of a log must not block */
    if (!f)
        return -1;
    memset(t, 0, sizeof *t);
    t->reg_epochs = -1;
    t->freeze_before = t->freeze_after = -1.0;
    *final_acc = -1.0;
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (getline(&line, &cap, f) > 0) {
        if (strstr(line, "{\"start\":true")) {
            /* a resumed run appends to the log: the epochs that follow overwrite the same slots */
            t->reg_epochs = (int)num_after(line, "\"reg_epochs\":", -1);
            t->epochs = (int)num_after(line, "\"epochs\":", 0);
            t->init_from_float = strstr(line, "\"init_from_float\":true") != NULL;
            str_after(line, "\"dataset\":\"", t->dataset, sizeof t->dataset);
            str_after(line, "\"model\":\"", t->spec, sizeof t->spec);
            str_after(line, "\"quant\":\"", t->quant, sizeof t->quant);
            str_after(line, "\"depths\":\"", t->depths, sizeof t->depths);
        } else if (strstr(line, "{\"freeze\":true")) {
            t->freeze_before = num_after(line, "\"acc_before\":", -1.0);
            t->freeze_after = num_after(line, "\"acc_after\":", -1.0);
        } else if (strstr(line, "{\"final\":true")) {
            *final_acc = num_after(line, "\"test_acc\":", -1.0);
        } else if (strstr(line, "{\"epoch\":")) {
            if (read_epoch(line, t) < 0) {
                rc = -1;
                break;
            }
        }
    }
    free(line);
    fclose(f);
    return rc == 0 && t->n_epochs > 0 ? 0 : -1;
}
