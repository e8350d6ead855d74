/* SPDX-License-Identifier: MIT */
/* Reading beta back from the trainer's JSON-lines log (train/trainer.c writes it with json-c; json-c reads it). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "model/files.h"

/* The number at key in o, or fallback when it is absent or not a number. */
static double num_at(json_object *o, const char *key, double fallback)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return fallback;
    json_type t = json_object_get_type(v);
    return t == json_type_double || t == json_type_int ? json_object_get_double(v) : fallback;
}

/* The integer at key, or fallback when it is absent, not a number or outside [lo, hi] (a cast of 1e19 to int is
 * undefined: fuzz_trainlog found it). */
static int int_at(json_object *o, const char *key, int fallback, int lo, int hi)
{
    double v = num_at(o, key, fallback);
    return v >= lo && v <= hi ? (int)v : fallback;
}

static int true_at(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

/* The string at key, cut to cap - 1 bytes; "" when absent. */
static void str_at(json_object *o, const char *key, char *out, size_t cap)
{
    json_object *v;
    out[0] = 0;
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        snprintf(out, cap, "%s", json_object_get_string(v));
}

/* One epoch line: records beta of each quantizable layer. The set of quantizable layers is fixed by the first
 * epoch line; a later line that does not match it (a different model appended to the same log) is an error. */
static int read_epoch(json_object *line, cmp_trace *t)
{
    double ep = num_at(line, "epoch", 0);
    if (!(ep >= 1 && ep <= CMP_MAX_EPOCHS))   /* the log counts epochs from 1 */
        return -1;
    int e = (int)ep - 1;
    json_object *layers;
    if (!json_object_object_get_ex(line, "layers", &layers) || !json_object_is_type(layers, json_type_array))
        return -1;
    int k = 0;
    for (size_t i = 0; i < json_object_array_length(layers); i++) {
        json_object *item = json_object_array_get_idx(layers, i);
        if (!json_object_is_type(item, json_type_object) || num_at(item, "quantizable", 0) != 1)
            continue;
        double layer = num_at(item, "layer", -1);
        if (k >= CMP_MAX_OPS || !(layer >= 0 && layer < 1e6))
            return -1;
        if (t->n_epochs == 0 && e == 0)
            t->layer[k] = (int)layer;
        else if (k >= t->n_layers || t->layer[k] != (int)layer)
            return -1;
        t->beta[e][k++] = num_at(item, "beta", 0.0);
    }
    if (t->n_epochs == 0 && e == 0)
        t->n_layers = k;
    else if (k != t->n_layers)
        return -1;
    if (e + 1 > t->n_epochs)
        t->n_epochs = e + 1;
    return 0;
}

/* One line of the log; -1 when it is not a JSON object or an epoch line does not fit the trace. */
static int read_line(const char *text, cmp_trace *t, double *final_acc)
{
    enum json_tokener_error err;
    json_object *o = json_tokener_parse_verbose(text, &err);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return -1;
    }
    int rc = 0;
    if (true_at(o, "start")) {
        /* a resumed run appends to the log: the epochs that follow overwrite the same slots */
        t->reg_epochs = int_at(o, "reg_epochs", -1, 0, 1000000);
        t->epochs = int_at(o, "epochs", 0, 0, 1000000);
        t->init_from_float = true_at(o, "init_from_float");
        str_at(o, "dataset", t->dataset, sizeof t->dataset);
        str_at(o, "model", t->spec, sizeof t->spec);
        str_at(o, "quant", t->quant, sizeof t->quant);
        str_at(o, "depths", t->depths, sizeof t->depths);
    } else if (true_at(o, "freeze")) {
        t->freeze_before = num_at(o, "acc_before", -1.0);
        t->freeze_after = num_at(o, "acc_after", -1.0);
    } else if (true_at(o, "final")) {
        *final_acc = num_at(o, "test_acc", -1.0);
    } else if (json_object_object_get_ex(o, "epoch", NULL)) {
        rc = read_epoch(o, t);
    }
    json_object_put(o);
    return rc;
}

int cmp_read_trace(const char *path, cmp_trace *t, double *final_acc)
{
    FILE *f = bm_fopen_regular(path);   /* a FIFO in place of a log must not block */
    if (!f)
        return -1;
    memset(t, 0, sizeof *t);
    t->reg_epochs = -1;
    t->freeze_before = t->freeze_after = -1.0;
    *final_acc = -1.0;
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    ssize_t n;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0)
        if (strspn(line, " \t\r\n") != (size_t)n)   /* blank lines are no lines */
            rc = read_line(line, t, final_acc);
    free(line);
    fclose(f);
    return rc == 0 && t->n_epochs > 0 ? 0 : -1;
}
