/* SPDX-License-Identifier: MIT */
/* The results folder's tables: results.md (also printed), results.csv (one row per model and kernel level),
 * results.json (everything). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "engine/json_out.h"
#include "model/serial.h"
#include "train/train.h"
#include "model/util.h"

static char depth_letter(int d)
{
    return d == BM_DEPTH_BINARY ? 'B' : d == BM_DEPTH_TERNARY ? 'T' : 'F';
}

/* "F B T F": the depth of each weighted op, in order. */
static void depths(const cmp_model *m, char *out, size_t cap)
{
    size_t k = 0;
    for (int i = 0; i < m->n_ops && k + 2 < cap; i++)
        if (m->ops[i].depth >= 0) {
            if (k)
                out[k++] = ' ';
            out[k++] = depth_letter(m->ops[i].depth);
        }
    out[k] = 0;
}

static double qbits(const cmp_model *m)
{
    const bte_size *z = &m->size;
    return z->quant_weights ? 8.0 * (double)(z->packed_bytes + z->scale_bytes) / (double)z->quant_weights : 32.0;
}

static const char *level_name(const cmp_run *r, const cmp_model *m, const cmp_level *l)
{
    static char buf[96];
    if (m->kind == CMP_FLOAT || m->size.quant_weights == 0) {
        snprintf(buf, sizeof buf, "f32 %s", bitern_isa_level_name(l->isa));   /* the engine's float GEMM */
        return buf;
    }
    return bitern_isa_level_name(l->isa);
}

/* Thousands separators keep byte counts readable in the table. */
static const char *grouped(size_t v)
{
    static char bufs[4][32];
    static int slot;
    char *b = bufs[slot++ & 3], tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%zu", v), k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            b[k++] = ',';
        b[k++] = tmp[i];
    }
    b[k] = 0;
    return b;
}

static const cmp_level *top(const cmp_model *m) { return &m->levels[0]; }

/* Did the quantized models start from the float one: as asked (trained here), or as their logs say (loaded). */
static int from_float(const cmp_run *r)
{
    if (!r->models_dir)
        return r->init_float;
    for (int k = CMP_BINARY; k < CMP_N_MODELS; k++)
        if (r->m[k].has_trace && r->m[k].trace.init_from_float)
            return 1;
    return 0;
}

/* How long each model trained, e.g. "7 epochs" or "float 7 epochs, the quantized models 3 more each from it". */
static void epochs_text(const cmp_run *r, char *b, size_t n)
{
    int e[CMP_N_MODELS], same = 1;
    for (int k = 0; k < CMP_N_MODELS; k++) {
        e[k] = r->models_dir ? (r->m[k].has_trace ? r->m[k].trace.epochs : 0) : k == CMP_FLOAT || !r->init_float ? r->epochs : r->q_epochs;
        same &= e[k] == e[0];
    }
    int q_same = e[CMP_BINARY] == e[CMP_TERNARY] && e[CMP_TERNARY] == e[CMP_SQ];
    if (from_float(r) && q_same)
        snprintf(b, n, "float %d epochs, then binary, ternary and SQ %d epochs each, starting from the trained float "
                       "model (`bitern train --init`)", e[0], e[CMP_BINARY]);
    else if (from_float(r))
        snprintf(b, n, "float %d epochs, then binary %d, ternary %d, SQ %d, starting from the trained float model "
                       "(`bitern train --init`)", e[0], e[1], e[2], e[3]);
    else if (same)
        snprintf(b, n, "%d epochs", e[0]);
    else
        snprintf(b, n, "epochs: float %d, binary %d, ternary %d, SQ %d", e[0], e[1], e[2], e[3]);
}

void cmp_print_markdown(const cmp_run *r, FILE *f)
{
    const cmp_model *fl = &r->m[CMP_FLOAT];
    fprintf(f, "# bitern compare: %s, %s\n\n", r->dataset, r->model);
    fprintf(f, "%s; kernels up to %s; float model on the engine's float GEMM (f32), training on OpenBLAS (core %s); "
               "%s.  \n", r->cpu,
            bitern_isa_level_name(top(&r->m[CMP_SQ])->isa), r->openblas_core, r->date);
    fprintf(f, "Command: `%s`.  \n", r->command);
    char ep[256];
    epochs_text(r, ep, sizeof ep);
    if (r->models_dir)
        fprintf(f, "Model `%s`, loaded from `%s` (%s, per the training logs). ", r->spec, r->models_dir, ep);
    else
    {
        tr_config dc;
        tr_config_defaults(&dc);
        char gamma[32];
        if (r->gamma >= 0.0f)
            snprintf(gamma, sizeof gamma, "%g", r->gamma);
        else
            snprintf(gamma, sizeof gamma, "%g (default)", dc.gamma);
        fprintf(f, "Model `%s`, %s, seed %llu, %d training thread%s, SQ gamma %s. ", r->spec, ep, r->seed,
                r->threads, r->threads > 1 ? "s" : "", gamma);
        if (r->act)
            fprintf(f, "Every relu before a quantized layer is a %s (`--act %s`), in every model: those layers run "
                       "on %s activations. ", r->act == 1 ? "sign" : "tern", tr_act_names[r->act], tr_act_names[r->act]);
    }
    fprintf(f, "Accuracy on the %zu test images, by the engine at the top kernel level; latency of one image at "
               "batch 1 on one thread (median of %zu, the four models taking turns image by image).\n\n",
            top(fl)->images, top(fl)->lat_n);
    fprintf(f, "| model | depths | test accuracy | trainer's accuracy | model bytes | bits / quantized weight | "
               "latency, batch 1 | vs float | images/s, batch 64, %d thread%s |\n",
            r->threads, r->threads > 1 ? "s" : "");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < CMP_N_MODELS; k++) {
        const cmp_model *m = &r->m[k];
        const cmp_level *t = top(m);
        char d[CMP_MAX_OPS * 2 + 1], tacc[32] = "-";
        depths(m, d, sizeof d);
        if (m->train_acc >= 0)
            snprintf(tacc, sizeof tacc, "%.2f%%", 100.0 * m->train_acc);
        fprintf(f, "| %s | %s | %.2f%% | %s | %s | %.2f | %.1f us (%s) | %.2fx | %.0f |\n", cmp_kind_name(k), d,
                100.0 * t->acc, tacc, grouped(m->size.bytes), qbits(m), 1e6 * t->lat_med, level_name(r, m, t),
                t->lat_med > 0 ? top(fl)->lat_med / t->lat_med : 0.0, t->ips[t->n_thr - 1]);
    }
    fprintf(f, "\nDepths: F float, B binary (1 bit), T ternary (2 bits), per conv/dense layer in order. "
               "\"vs float\": the float model's latency over this one's (higher is faster).\n\n");

    fprintf(f, "## Every kernel level\n\n");
    fprintf(f, "| model | level | images | accuracy | same predictions as the top level | latency median | p99 |");
    for (int t = 0; t < r->threads; t++)
        fprintf(f, " images/s %d thr |", t + 1);
    fprintf(f, "\n|---|---|---|---|---|---|---|");
    for (int t = 0; t < r->threads; t++)
        fprintf(f, "---|");
    fprintf(f, "\n");
    for (int k = 0; k < CMP_N_MODELS; k++) {
        const cmp_model *m = &r->m[k];
        for (int j = 0; j < m->n_levels; j++) {
            const cmp_level *l = &m->levels[j];
            char same[48];
            if (j == 0)
                snprintf(same, sizeof same, "(top)");
            else if (l->mismatches == 0)
                snprintf(same, sizeof same, "yes");
            else
                snprintf(same, sizeof same, "NO: %zu differ", l->mismatches);
            fprintf(f, "| %s | %s | %zu | %.2f%% | %s | %.1f us | %.1f us |", cmp_kind_name(k), level_name(r, m, l),
                    l->images, 100.0 * l->acc, same, 1e6 * l->lat_med, 1e6 * l->lat_p99);
            for (int t = 0; t < r->threads; t++)
                fprintf(f, t < l->n_thr ? " %.0f |" : " - |", t < l->n_thr ? l->ips[t] : 0.0);
            fprintf(f, "\n");
        }
    }

    const cmp_model *sq = &r->m[CMP_SQ];
    fprintf(f, "\n## Layers: depth per model, and where SQ's beta ended\n\n");
    fprintf(f, "| layer | op | weights | float | binary | ternary | SQ | SQ beta at the freeze | SQ bytes |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < sq->n_ops; i++) {
        const bte_op_info *o = &sq->ops[i];
        if (o->depth < 0)
            continue;
        char beta[32] = "-";
        if (sq->has_trace && sq->trace.reg_epochs > 0 && sq->trace.reg_epochs <= sq->trace.n_epochs)
            for (int q = 0; q < sq->trace.n_layers; q++)
                if (sq->trace.layer[q] == o->first_layer)
                    snprintf(beta, sizeof beta, "%.4f", sq->trace.beta[sq->trace.reg_epochs - 1][q]);
        fprintf(f, "| %d | %s | %s |", o->first_layer, o->name, grouped(o->weights));
        for (int k = 0; k < CMP_N_MODELS; k++) {
            int d = -1;
            for (int j = 0; j < r->m[k].n_ops; j++)
                if (r->m[k].ops[j].first_layer == o->first_layer)
                    d = r->m[k].ops[j].depth;
            fprintf(f, " %c |", d < 0 ? '?' : depth_letter(d));
        }
        fprintf(f, " %s | %s |\n", beta, grouped(o->bytes));
    }
    fprintf(f, "\n(beta in [pi/4, pi/2): pi/4 = 0.7854 is the ternary regularizer, pi/2 = 1.5708 the binary one.)\n");

    /* The questions the comparison is for, answered from the numbers above. */
    const cmp_model *bi = &r->m[CMP_BINARY], *te = &r->m[CMP_TERNARY];
    double d_te = 100.0 * (top(sq)->acc - top(te)->acc), d_bi = 100.0 * (top(sq)->acc - top(bi)->acc);
    double lb = top(bi)->lat_med, lt = top(te)->lat_med, ls = top(sq)->lat_med;
    double lo = lb < lt ? lb : lt, hi = lb < lt ? lt : lb;
    fprintf(f, "\n## SQ against the pure models\n\n");
    fprintf(f, "- bytes: SQ %s, ternary %s, binary %s: SQ is %s the ternary model (%.1f%%).\n", grouped(sq->size.bytes),
            grouped(te->size.bytes), grouped(bi->size.bytes), sq->size.bytes < te->size.bytes ? "below" : "NOT below",
            100.0 * (double)sq->size.bytes / (double)(te->size.bytes ? te->size.bytes : 1));
    fprintf(f, "- accuracy: SQ %+.2f points against ternary (%s), %+.2f against binary (%s).\n", d_te,
            d_te >= -0.3 ? "within 0.3 or better" : "MORE than 0.3 below", d_bi, d_bi > 0 ? "above" : "NOT above");
    /* SQ that chose one depth everywhere has that pure model's layers and runs its kernels: "between" would only
     * ask on which side of it the noise fell. Say so, with the difference. */
    char dsq[CMP_MAX_OPS * 2 + 1], dbi[CMP_MAX_OPS * 2 + 1], dte[CMP_MAX_OPS * 2 + 1];
    depths(sq, dsq, sizeof dsq);
    depths(bi, dbi, sizeof dbi);
    depths(te, dte, sizeof dte);
    int same_b = !strcmp(dsq, dbi), same_t = !strcmp(dsq, dte);
    fprintf(f, "- latency at %s, batch 1: SQ %.1f us, binary %.1f us, ternary %.1f us: ", bitern_isa_level_name(top(sq)->isa),
            1e6 * ls, 1e6 * lb, 1e6 * lt);
    if (same_b || same_t)
        fprintf(f, "SQ has the %s model's depths, so its kernels: the same latency up to noise (%+.1f%%).\n",
                same_b ? "binary" : "ternary", 100.0 * (ls / (same_b ? lb : lt) - 1.0));
    else
        fprintf(f, "SQ %s.\n", ls >= lo && ls <= hi ? "lies between them" : "does NOT lie between them");
    fprintf(f, "- against the float model on the engine's f32 GEMM (%.1f us):", 1e6 * top(fl)->lat_med);
    for (int k = CMP_BINARY; k < CMP_N_MODELS; k++)
        fprintf(f, " %s %.2fx%s", cmp_kind_name(k), top(&r->m[k])->lat_med > 0 ? top(fl)->lat_med / top(&r->m[k])->lat_med : 0.0,
                k + 1 < CMP_N_MODELS ? "," : "");
    fprintf(f, " faster.\n");
    cmp_print_freeze(r->m, CMP_N_MODELS, f);
    fprintf(f, "\nLatencies are medians on a machine that may be shared: compare them within this run, not across runs.\n");
}

void cmp_print_freeze(const cmp_model *m, int n, FILE *f)
{
    /* test accuracy around the freeze, from the training logs: a fall of more than 2 points is flagged */
    int any = 0;
    for (int k = 0; k < n; k++) {
        const cmp_trace *t = &m[k].trace;
        if (!m[k].has_trace || t->freeze_before < 0)
            continue;
        double drop = 100.0 * (t->freeze_before - t->freeze_after), lost = 100.0 * (t->freeze_before - m[k].train_acc);
        fprintf(f, "%s %s: %.2f%% before the freeze, %.2f%% just after, %.2f%% after fine-tuning%s%s", any ? ";" : "- freeze:",
                m[k].name, 100.0 * t->freeze_before, 100.0 * t->freeze_after, 100.0 * m[k].train_acc,
                drop > 2.0 ? " (FELL more than 2 points at the freeze)" : "",
                lost > 2.0 ? " (FINAL more than 2 points below the regularized net)" : "");
        any = 1;
    }
    if (any)
        fprintf(f, ".\n");
}

static void write_csv(const cmp_run *r, FILE *f)
{
    fprintf(f, "model,level,images,accuracy,same_as_top,latency_median_us,latency_p99_us,latency_images");
    for (int t = 0; t < r->threads; t++)
        fprintf(f, ",images_per_s_%dthr", t + 1);
    fprintf(f, ",model_bytes,packed_bytes,scale_bytes,float_bytes,weights,quantized_weights,bits_per_quantized_weight,"
               "depths,trainer_accuracy,train_seconds\n");
    for (int k = 0; k < CMP_N_MODELS; k++) {
        const cmp_model *m = &r->m[k];
        char d[CMP_MAX_OPS * 2 + 1];
        depths(m, d, sizeof d);
        for (int j = 0; j < m->n_levels; j++) {
            const cmp_level *l = &m->levels[j];
            fprintf(f, "%s,%s,%zu,%.6f,%zu,%.3f,%.3f,%zu", cmp_kind_name(k), level_name(r, m, l), l->images, l->acc,
                    l->images - l->mismatches, 1e6 * l->lat_med, 1e6 * l->lat_p99, l->lat_n);
            for (int t = 0; t < r->threads; t++)
                fprintf(f, ",%.1f", t < l->n_thr ? l->ips[t] : 0.0);
            fprintf(f, ",%zu,%zu,%zu,%zu,%zu,%zu,%.4f,%s,%.6f,%.1f\n", m->size.bytes, m->size.packed_bytes,
                    m->size.scale_bytes, m->size.float_bytes, m->size.weights, m->size.quant_weights, qbits(m), d,
                    m->train_acc, m->train_seconds);
        }
    }
}

static void write_json(const cmp_run *r, FILE *f)
{
    fprintf(f, "{\"dataset\":");
    bte_json_str(f, r->dataset);
    fprintf(f, ",\"model\":");
    bte_json_str(f, r->model);
    fprintf(f, ",\"spec\":");
    bte_json_str(f, r->spec);
    /* act: --act of a run that trained; null for --models (each layer's kernel says what its input is) */
    fprintf(f, ",\"epochs\":%d,\"init_from_float\":%s,\"act\":", r->epochs, from_float(r) ? "true" : "false");
    if (r->models_dir)
        fprintf(f, "null");
    else
        bte_json_str(f, tr_act_names[r->act]);
    fprintf(f, ",\"seed\":%llu,\"threads\":%d,\"cpu\":", r->seed, r->threads);
    bte_json_str(f, r->cpu);
    fprintf(f, ",\"openblas_core\":");
    bte_json_str(f, r->openblas_core);
    fprintf(f, ",\"bitern_version\":\"%s\",\"date\":\"%s\",\"command\":", bitern_version(), r->date);
    bte_json_str(f, r->command);
    fprintf(f, ",\"models\":[");
    for (int k = 0; k < CMP_N_MODELS; k++) {
        const cmp_model *m = &r->m[k];
        const bte_size *z = &m->size;
        fprintf(f, "%s{\"quant\":\"%s\",\"file\":", k ? "," : "", cmp_kind_name(k));
        bte_json_str(f, m->path);
        fprintf(f, ",\"trained_here\":%s,\"train_seconds\":%.1f,\"trainer_accuracy\":%.6f", m->trained ? "true" : "false",
                m->train_seconds, m->train_acc);
        fprintf(f, ",\"model_bytes\":%zu,\"packed_bytes\":%zu,\"scale_bytes\":%zu,\"float_bytes\":%zu,\"weights\":%zu,"
                   "\"quantized_weights\":%zu,\"bits_per_quantized_weight\":%.4f",
                z->bytes, z->packed_bytes, z->scale_bytes, z->float_bytes, z->weights, z->quant_weights, qbits(m));
        fprintf(f, ",\"layers\":[");
        for (int i = 0, first = 1; i < m->n_ops; i++) {
            const bte_op_info *o = &m->ops[i];
            if (o->depth < 0)
                continue;
            fprintf(f, "%s{\"layer\":%d,\"op\":", first ? "" : ",", o->first_layer);
            bte_json_str(f, o->name);
            fprintf(f, ",\"depth\":\"%c\",\"kernel\":\"%s\",\"weights\":%zu,\"bytes\":%zu}", depth_letter(o->depth),
                    o->kernel, o->weights, o->bytes);
            first = 0;
        }
        fprintf(f, "],\"levels\":[");
        for (int j = 0; j < m->n_levels; j++) {
            const cmp_level *l = &m->levels[j];
            fprintf(f, "%s{\"level\":", j ? "," : "");
            bte_json_str(f, level_name(r, m, l));
            fprintf(f, ",\"images\":%zu,\"accuracy\":%.6f,\"mismatches_vs_top\":%zu,\"deterministic_across_threads\":%s,"
                       "\"latency_batch1\":{\"images\":%zu,\"median_us\":%.3f,\"p99_us\":%.3f},\"throughput_batch64\":[",
                    l->images, l->acc, l->mismatches, l->deterministic ? "true" : "false", l->lat_n, 1e6 * l->lat_med,
                    1e6 * l->lat_p99);
            for (int t = 0; t < l->n_thr; t++)
                fprintf(f, "%s{\"threads\":%d,\"images_per_s\":%.1f}", t ? "," : "", t + 1, l->ips[t]);
            /* the GEMM layers at batch 1: whole op, its GEMM call, the bare GEMM alone (engine/README.md) */
            fprintf(f, "],\"bare_kernels_us\":%.3f,\"layers\":[", l->bare_sum_us);
            for (int i = 0, first = 1; i < m->n_ops; i++) {
                if (m->ops[i].depth < 0)
                    continue;
                fprintf(f, "%s{\"layer\":%d,\"op_us\":%.3f,\"gemm_us\":%.3f,\"bare_kernel_us\":%.3f,"
                           "\"overhead_us\":%.3f}", first ? "" : ",", m->ops[i].first_layer, l->op_us[i], l->gemm_us[i],
                        l->bare_us[i], l->op_us[i] - l->bare_us[i]);
                first = 0;
            }
            fprintf(f, "]}");
        }
        fprintf(f, "]");
        if (m->has_trace) {
            const cmp_trace *t = &m->trace;
            fprintf(f, ",\"reg_epochs\":%d,\"beta_per_epoch\":[", t->reg_epochs);
            for (int q = 0; q < t->n_layers; q++) {
                fprintf(f, "%s{\"layer\":%d,\"beta\":[", q ? "," : "", t->layer[q]);
                for (int e = 0; e < t->n_epochs; e++)
                    fprintf(f, "%s%.5f", e ? "," : "", t->beta[e][q]);
                fprintf(f, "]}");
            }
            fprintf(f, "]");
        }
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
}

char *cmp_build_text(cmp_writer_fn *fn, const void *ctx, size_t *n)
{
    char *buf = NULL;
    *n = 0;
    FILE *f = open_memstream(&buf, n);
    if (!f) {
        fprintf(stderr, "bitern compare: out of memory\n");
        return NULL;
    }
    fn(ctx, f);
    if (fclose(f) != 0) {
        free(buf);
        fprintf(stderr, "bitern compare: out of memory\n");
        return NULL;
    }
    return buf;
}

int cmp_write_atomic(const char *dir, const char *name, cmp_writer_fn *fn, const void *arg)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n;
    char *buf = cmp_build_text(fn, arg, &n);
    if (!buf)
        return -1;
    int rc = cmp_write_buffer(path, buf, n);
    free(buf);
    return rc;
}

int cmp_write_buffer(const char *path, const char *buf, size_t n)
{
    const void *parts[1] = {buf};
    size_t lens[1] = {n};
    int rc = bm_write_file_atomic(path, parts, lens, 1);
    if (rc < 0)
        fprintf(stderr, "bitern compare: %s\n", bm_error());
    return rc;
}

static void md_writer(const void *r, FILE *f) { cmp_print_markdown(r, f); }
static void csv_writer(const void *r, FILE *f) { write_csv(r, f); }
static void json_writer(const void *r, FILE *f) { write_json(r, f); }

int cmp_write_reports(const cmp_run *r)
{
    if (cmp_write_atomic(r->out_dir, "results.md", md_writer, r) < 0 ||
        cmp_write_atomic(r->out_dir, "results.csv", csv_writer, r) < 0 ||
        cmp_write_atomic(r->out_dir, "results.json", json_writer, r) < 0)
        return -1;
    return 0;
}
