/* SPDX-License-Identifier: MIT */
/*
 * `bitern compare --search`: the depth search that SQ claims to replace. Every per-layer {binary,
 * ternary} assignment of the quantized layers (all conv/dense layers: --quant-all) is trained with one recipe
 * (`bitern train --quant mixed --depths ...`: the pure models' pipeline with the depths given), up to
 * CMP_SEARCH_EXHAUSTIVE layers (16 runs for 4); beyond that a greedy walk from all ternary that binarizes, one
 * layer at a time, the layer whose binarization keeps the most accuracy (1 + L(L+1)/2 runs). SQ trains once per
 * gamma of --gammas with the same recipe. Every model is measured on the engine at the top kernel level (whole
 * test set, batch-1 latency on one thread), and the Pareto fronts of accuracy against model bytes and against
 * latency are reported with SQ's models on them, with the training epochs each approach spent.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare/compare.h"
#include "engine/measure.h"
#include "train/nn.h"
#include "train/train.h"
#include "model/util.h"

enum { SR_FLOAT, SR_SEARCH, SR_SQ };

typedef struct sr_model {
    int role;                 /* SR_* */
    char depths[CMP_MAX_OPS + 1];   /* SR_SEARCH: the assignment */
    float gamma;              /* SR_SQ */
    cmp_model m;              /* name, paths, size, top level, trace */
    int epochs;               /* training epochs, from the log (or the recipe when it has none) */
    int front_bytes, front_lat;   /* on the search's Pareto front (search models) */
} sr_model;

typedef struct sr_state {
    cmp_run *r;
    int L;                    /* quantized layers */
    int n, cap;
    sr_model *v;
    int greedy;
    int planned, trained;     /* trainings this run makes, and has made */
    cmp_eta eta;
    const bm_dataset *test;
    const float *x;
} sr_state;

static sr_model *add(sr_state *s, int role, const char *name)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 32;
        sr_model *v = realloc(s->v, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        s->v = v;
        s->cap = cap;
    }
    sr_model *m = &s->v[s->n++];
    memset(m, 0, sizeof *m);
    m->role = role;
    snprintf(m->m.name, sizeof m->m.name, "%.39s", name);
    return m;
}

static int set_paths(const sr_state *s, sr_model *m)
{
    const char *dir = s->r->models_dir ? s->r->models_dir : s->r->out_dir;
    if (snprintf(m->m.path, sizeof m->m.path, "%s/%s.btn", dir, m->m.name) >= (int)sizeof m->m.path ||
        snprintf(m->m.log, sizeof m->m.log, "%s/%s.jsonl", dir, m->m.name) >= (int)sizeof m->m.log) {
        fprintf(stderr, "bitern compare: %s: path too long\n", dir);
        return -1;
    }
    return 0;
}

/* The quantized layers of the spec with every conv/dense quantized. */
static int count_layers(const char *spec)
{
    bm_layer_desc *d = NULL;
    int n = 0, L = 0;
    if (bm_spec_parse(spec, &d, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        L += d[i].type == BM_DENSE || d[i].type == BM_CONV;
    free(d);
    return L;
}

static int train(sr_state *s, sr_model *m)
{
    const cmp_run *r = s->r;
    tr_config c;
    tr_config_defaults(&c);
    c.dataset = r->dataset;
    c.model = r->model;
    c.data_dir = r->data_dir;
    c.epochs = r->epochs;
    c.threads = r->threads;
    c.seed = r->seed;
    c.limit_train = r->limit_train;
    c.limit_test = r->limit_test;
    c.quant_all = 1;
    c.act = r->act;
    c.quiet = 1;
    c.out = m->m.path;
    c.log = m->m.log;
    if (m->role == SR_SEARCH) {
        c.quant = TR_Q_MIXED;
        c.depths = m->depths;
    } else if (m->role == SR_SQ) {
        c.quant = TR_Q_SQ;
        c.gamma = m->gamma;
        c.sq_price = r->sq_price;
    }
    char eta_buf[64];
    s->trained++;
    fprintf(stderr, "bitern compare --search: training %s, %d of %d (%d epochs%s)\n", m->m.name, s->trained,
            s->planned, c.epochs, cmp_eta_text(&s->eta, (s->planned - s->trained + 1) * c.epochs, eta_buf,
                                               sizeof eta_buf));
    double t0 = bm_now(), acc;
    if (tr_train_run(&c, &acc) < 0) {
        fprintf(stderr, "bitern compare: training %s failed: %s\n", m->m.name, bm_error());
        return -1;
    }
    m->m.train_seconds = bm_now() - t0;
    m->m.trained = 1;
    cmp_eta_add(&s->eta, m->m.train_seconds, c.epochs);
    char ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", m->m.path);
    unlink(ckpt);
    return 0;
}

/* Loads (training first when there is no --models folder) and measures one model at the top kernel level. */
static int measure(sr_state *s, sr_model *m)
{
    const cmp_run *r = s->r;
    if (set_paths(s, m) < 0)
        return -1;
    if (!r->models_dir && train(s, m) < 0)
        return -1;
    double acc;
    m->m.has_trace = cmp_read_trace(m->m.log, &m->m.trace, &acc) == 0;
    m->m.train_acc = m->m.has_trace ? acc : -1.0;
    m->epochs = m->m.has_trace && m->m.trace.epochs > 0 ? m->m.trace.epochs : r->epochs;
    if (m->m.has_trace && strcmp(m->m.trace.dataset, r->dataset)) {
        fprintf(stderr, "bitern compare: %s was trained on '%s', not on --dataset %s\n", m->m.log, m->m.trace.dataset,
                r->dataset);
        return -1;
    }
    bte_engine *e = bte_load(m->m.path);
    if (!e) {
        fprintf(stderr, "bitern compare: %s\n", bte_error());
        return -1;
    }
    int ic, ih, iw, nc, rc = -1;
    bte_shape(e, &ic, &ih, &iw, &nc);
    if (ic != s->test->c || ih != s->test->h || iw != s->test->w || nc != BM_NUM_CLASSES) {
        fprintf(stderr, "bitern compare: %s takes %dx%dx%d images into %d classes, %s has %dx%dx%d into %d\n",
                m->m.path, ic, ih, iw, nc, r->dataset, s->test->c, s->test->h, s->test->w, BM_NUM_CLASSES);
        goto out;
    }
    bte_model_size(e, &m->m.size);
    m->m.n_ops = bte_n_ops(e) < CMP_MAX_OPS ? bte_n_ops(e) : CMP_MAX_OPS;
    for (int i = 0; i < m->m.n_ops; i++)
        bte_op_get(e, i, &m->m.ops[i]);
    bitern_isa top = BITERN_ISA_SCALAR;
    for (int i = BITERN_ISA_COUNT - 1; i >= 0; i--)
        if (bitern_isa_supported((bitern_isa)i)) {
            top = (bitern_isa)i;
            break;
        }
    if (bitern_set_isa(bitern_isa_level_name(top)) != BITERN_OK) {
        fprintf(stderr, "bitern compare: kernel level %s: %s\n", bitern_isa_level_name(top), bitern_last_error());
        goto out;
    }
    bte_results res;
    if (bte_measure(e, s->x, s->test->y, s->test->n, 1, (size_t)r->lat_n, &res) < 0) {
        fprintf(stderr, "bitern compare: %s: %s\n", m->m.name, bte_error());
        goto out;
    }
    cmp_level *l = &m->m.levels[0];
    m->m.n_levels = 1;
    l->isa = top;
    l->images = res.n;
    l->acc = res.acc;
    l->lat_med = res.lat_med;
    l->lat_p99 = res.lat_p99;
    l->lat_n = res.lat_n;
    bte_results_free(&res);
    fprintf(stderr, "bitern compare --search: %-14s %.2f%% %zu bytes %.1f us\n", m->m.name, 100.0 * l->acc,
            m->m.size.bytes, 1e6 * l->lat_med);
    rc = 0;
out:
    bte_free(e);
    return rc;
}

static int is_assignment(const char *name, int L)
{
    return (int)strlen(name) == L && strspn(name, "BT") == (size_t)L;
}

/* float, then the assignments, then SQ's runs, each group by name */
static int by_role_name(const void *a, const void *b)
{
    const sr_model *x = a, *y = b;
    return x->role != y->role ? x->role - y->role : strcmp(x->m.name, y->m.name);
}

/* --models DIR: every float.btn, assignment and sq*.btn in it. */
static int load_dir(sr_state *s)
{
    DIR *d = opendir(s->r->models_dir);
    if (!d) {
        fprintf(stderr, "bitern compare: %s: %s\n", s->r->models_dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || len - 4 >= sizeof s->v[0].m.name || strcmp(de->d_name + len - 4, ".btn"))
            continue;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len - 4), de->d_name);
        int role = !strcmp(name, "float") ? SR_FLOAT : is_assignment(name, s->L) ? SR_SEARCH
                 : !strncmp(name, "sq", 2) ? SR_SQ : -1;
        if (role < 0)
            continue;
        sr_model *m = add(s, role, name);
        if (!m)
            rc = -1;
        else if (role == SR_SEARCH)
            snprintf(m->depths, sizeof m->depths, "%s", name);
        else if (role == SR_SQ && strstr(name, "-g"))   /* sq.sh's and --search's names end in -gGAMMA */
            m->gamma = strtof(strrchr(name, 'g') + 1, NULL);
    }
    closedir(d);
    if (s->n)
        qsort(s->v, (size_t)s->n, sizeof *s->v, by_role_name);
    for (int i = 0; rc == 0 && i < s->n; i++)
        rc = measure(s, &s->v[i]);
    return rc;
}

static int train_exhaustive(sr_state *s)
{
    for (unsigned a = 0; a < 1u << s->L; a++) {
        char d[CMP_MAX_OPS + 1];
        for (int l = 0; l < s->L; l++)
            d[l] = (a >> (s->L - 1 - l)) & 1 ? 'T' : 'B';
        d[s->L] = 0;
        sr_model *m = add(s, SR_SEARCH, d);
        if (!m)
            return -1;
        snprintf(m->depths, sizeof m->depths, "%s", d);
        if (measure(s, m) < 0)
            return -1;
    }
    return 0;
}

/* From all ternary, binarize one layer per round: the candidate that keeps the most accuracy. */
static int train_greedy(sr_state *s)
{
    char cur[CMP_MAX_OPS + 1];
    memset(cur, 'T', (size_t)s->L);
    cur[s->L] = 0;
    sr_model *m = add(s, SR_SEARCH, cur);
    if (!m)
        return -1;
    snprintf(m->depths, sizeof m->depths, "%s", cur);
    if (measure(s, m) < 0)
        return -1;
    for (int round = 0; round < s->L; round++) {
        int best = -1;
        double best_acc = -1.0;
        for (int l = 0; l < s->L; l++) {
            if (cur[l] == 'B')
                continue;
            char d[CMP_MAX_OPS + 1];
            memcpy(d, cur, sizeof d);
            d[l] = 'B';
            m = add(s, SR_SEARCH, d);
            if (!m)
                return -1;
            snprintf(m->depths, sizeof m->depths, "%s", d);
            if (measure(s, m) < 0)
                return -1;
            if (m->m.levels[0].acc > best_acc) {
                best_acc = m->m.levels[0].acc;
                best = l;
            }
        }
        if (best < 0)
            break;
        cur[best] = 'B';
    }
    return 0;
}

static int dominated(const sr_state *s, int i, int by_latency)
{
    const sr_model *a = &s->v[i];
    double xa = by_latency ? a->m.levels[0].lat_med : (double)a->m.size.bytes, ya = a->m.levels[0].acc;
    for (int j = 0; j < s->n; j++) {
        const sr_model *b = &s->v[j];
        if (j == i || b->role != SR_SEARCH)
            continue;
        double xb = by_latency ? b->m.levels[0].lat_med : (double)b->m.size.bytes, yb = b->m.levels[0].acc;
        if (xb <= xa && yb >= ya && (xb < xa || yb > ya))
            return 1;
    }
    return 0;
}

/* The best searched accuracy at no more bytes than model i: where the search's front is at i's size. */
static double front_at(const sr_state *s, size_t bytes, int *at)
{
    double best = -1.0;
    *at = -1;
    for (int j = 0; j < s->n; j++)
        if (s->v[j].role == SR_SEARCH && s->v[j].m.size.bytes <= bytes && s->v[j].m.levels[0].acc > best) {
            best = s->v[j].m.levels[0].acc;
            *at = j;
        }
    return best;
}

static double qbits(const cmp_model *m)
{
    return m->size.quant_weights ? 8.0 * (double)(m->size.packed_bytes + m->size.scale_bytes) / (double)m->size.quant_weights
                                 : 32.0;
}

static const char *role_name(int role) { return role == SR_FLOAT ? "float" : role == SR_SEARCH ? "search" : "sq"; }

static void sq_depths(const sr_model *m, char *out)
{
    int k = 0;
    for (int i = 0; i < m->m.n_ops && k < CMP_MAX_OPS; i++)
        if (m->m.ops[i].depth > 0)
            out[k++] = m->m.ops[i].depth == BM_DEPTH_BINARY ? 'B' : 'T';
        else if (m->m.ops[i].depth == BM_DEPTH_FLOAT && m->m.ops[i].weights)
            out[k++] = 'F';
    out[k] = 0;
}

static void write_md(const sr_state *s, FILE *f)
{
    const cmp_run *r = s->r;
    int searched = 0, search_epochs = 0, sq_epochs_all = 0, n_sq = 0;
    for (int i = 0; i < s->n; i++) {
        searched += s->v[i].role == SR_SEARCH;
        search_epochs += s->v[i].role == SR_SEARCH ? s->v[i].epochs : 0;
        n_sq += s->v[i].role == SR_SQ;
        sq_epochs_all += s->v[i].role == SR_SQ ? s->v[i].epochs : 0;
    }
    int full = s->greedy ? 1 + s->L * (s->L + 1) / 2 : 1 << s->L;
    fprintf(f, "# bitern compare --search: %s, %s\n\n", r->dataset, r->model);
    fprintf(f, "%s; kernels up to %s; %s.  \nCommand: `%s`.  \nModel `%s`, every conv/dense layer quantized "
               "(%d layers). ", r->cpu, s->n ? bitern_isa_level_name(s->v[0].m.levels[0].isa) : "?", r->date,
            r->command, r->spec, s->L);
    fprintf(f, "Search: %s, %d of its %d assignments present, %d training epochs in all; SQ: %d run%s (one per gamma), "
               "%d epochs each (%d in all). Accuracy on the whole test set by the engine at the top kernel level; "
               "latency of one image at batch 1 on one thread (median of %d, measured model after model: a shared "
               "machine moves them by several percent).\n\n",
            s->greedy ? "greedy (from all ternary, binarize the layer that keeps most accuracy, one per round)"
                      : "exhaustive",
            searched, full, search_epochs, n_sq, n_sq == 1 ? "" : "s", n_sq ? sq_epochs_all / n_sq : 0, sq_epochs_all,
            r->lat_n);
    fprintf(f, "| model | approach | depths | test accuracy | model bytes | bits / quantized weight | latency, batch 1 "
               "| epochs | Pareto (bytes) | Pareto (latency) |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < s->n; i++) {
        const sr_model *m = &s->v[i];
        char d[CMP_MAX_OPS + 1];
        sq_depths(m, d);
        fprintf(f, "| %s | %s | %s | %.2f%% | %zu | %.2f | %.1f us | %d | %s | %s |\n", m->m.name, role_name(m->role), d,
                100.0 * m->m.levels[0].acc, m->m.size.bytes, qbits(&m->m), 1e6 * m->m.levels[0].lat_med, m->epochs,
                m->role == SR_SEARCH ? (m->front_bytes ? "**front**" : "") : "",
                m->role == SR_SEARCH ? (m->front_lat ? "**front**" : "") : "");
    }
    fprintf(f, "\n## SQ against the search's front\n\n");
    for (int i = 0; i < s->n; i++) {
        const sr_model *m = &s->v[i];
        if (m->role != SR_SQ)
            continue;
        int at;
        double best = front_at(s, m->m.size.bytes, &at);
        char d[CMP_MAX_OPS + 1];
        sq_depths(m, d);
        if (at < 0) {
            fprintf(f, "- %s (%s, %zu bytes): below every searched model's bytes.\n", m->m.name, d, m->m.size.bytes);
            continue;
        }
        double gap = 100.0 * (m->m.levels[0].acc - best);
        fprintf(f, "- %s: %s, %.2f%%, %zu bytes; the best searched model within those bytes is %s at %.2f%%: SQ "
                   "%+.2f points (%s), with %d epochs where the search spent %d.\n",
                m->m.name, d, 100.0 * m->m.levels[0].acc, m->m.size.bytes, s->v[at].m.name, 100.0 * best, gap,
                gap >= -0.2 ? "within 0.2 of the front or above" : "MORE than 0.2 below the front", m->epochs,
                search_epochs);
    }
    fprintf(f, "\n");
    for (int i = 0; i < s->n; i++)
        if (s->v[i].role == SR_SQ)
            cmp_print_freeze(&s->v[i].m, 1, f);
}

static void write_csv(const sr_state *s, FILE *f)
{
    fprintf(f, "model,approach,depths,test_acc,model_bytes,bits_per_quant_weight,latency_us,epochs,front_bytes,"
               "front_latency,gamma\n");
    for (int i = 0; i < s->n; i++) {
        const sr_model *m = &s->v[i];
        char d[CMP_MAX_OPS + 1];
        sq_depths(m, d);
        fprintf(f, "%s,%s,%s,%.6f,%zu,%.4f,%.3f,%d,%d,%d,%g\n", m->m.name, role_name(m->role), d, m->m.levels[0].acc,
                m->m.size.bytes, qbits(&m->m), 1e6 * m->m.levels[0].lat_med, m->epochs, m->front_bytes, m->front_lat,
                m->role == SR_SQ ? (double)m->gamma : 0.0);
    }
}

static void write_json(const sr_state *s, FILE *f)
{
    const cmp_run *r = s->r;
    fprintf(f, "{\"dataset\":\"%s\",\"model\":\"%s\",\"spec\":\"%s\",\"cpu\":\"%s\",\"date\":\"%s\",\"command\":\"%s\","
               "\"quantized_layers\":%d,\"scheme\":\"%s\",\"models\":[",
            r->dataset, r->model, r->spec, r->cpu, r->date, r->command, s->L, s->greedy ? "greedy" : "exhaustive");
    for (int i = 0; i < s->n; i++) {
        const sr_model *m = &s->v[i];
        char d[CMP_MAX_OPS + 1];
        sq_depths(m, d);
        fprintf(f, "%s{\"name\":\"%s\",\"approach\":\"%s\",\"depths\":\"%s\",\"test_acc\":%.6f,\"trainer_acc\":%.6f,"
                   "\"model_bytes\":%zu,\"packed_bytes\":%zu,\"scale_bytes\":%zu,\"float_bytes\":%zu,"
                   "\"bits_per_quant_weight\":%.4f,\"latency_us\":{\"median\":%.3f,\"p99\":%.3f,\"images\":%zu},"
                   "\"epochs\":%d,\"train_seconds\":%.1f,\"front_bytes\":%s,\"front_latency\":%s",
                i ? "," : "", m->m.name, role_name(m->role), d, m->m.levels[0].acc, m->m.train_acc, m->m.size.bytes,
                m->m.size.packed_bytes, m->m.size.scale_bytes, m->m.size.float_bytes, qbits(&m->m),
                1e6 * m->m.levels[0].lat_med, 1e6 * m->m.levels[0].lat_p99, m->m.levels[0].lat_n, m->epochs,
                m->m.train_seconds, m->front_bytes ? "true" : "false", m->front_lat ? "true" : "false");
        if (m->m.has_trace && m->m.trace.freeze_before >= 0)
            fprintf(f, ",\"freeze\":{\"acc_before\":%.6f,\"acc_after\":%.6f}", m->m.trace.freeze_before,
                    m->m.trace.freeze_after);
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
}

static void write_gp(const sr_state *s, FILE *f)
{
    const cmp_run *r = s->r;
    fprintf(f, "# bitern compare --search: %s, %s. Written by `%s`; `gnuplot search.gp` in this folder redraws the "
               "plots.\nif (!exists('suffix')) suffix = ''\n", r->dataset, r->model, r->command);
    for (int p = 0; p < 2; p++) {
        cmp_gnuplot_output(f, p ? "search_latency" : "search_bytes", 1000, 650);
        fprintf(f, "set title 'Depth search against SQ: %s, %s, every layer quantized'\n", r->dataset, r->model);
        fprintf(f, p ? "set xlabel 'batch-1 latency (us, one thread)'\n"
                     : "set xlabel 'model bytes (packed weights + scales + float parameters)'\n");
        fprintf(f, "set ylabel 'test accuracy (%%)'\nset key bottom right\nset offsets graph 0.05, graph 0.15, graph 0.1, "
                   "graph 0.1\n$S << EOD\n");
        for (int i = 0; i < s->n; i++)
            if (s->v[i].role == SR_SEARCH)
                fprintf(f, "%s %.3f %.3f %d\n", s->v[i].m.name,
                        p ? 1e6 * s->v[i].m.levels[0].lat_med : (double)s->v[i].m.size.bytes,
                        100.0 * s->v[i].m.levels[0].acc, p ? s->v[i].front_lat : s->v[i].front_bytes);
        fprintf(f, "EOD\n$F << EOD\n");
        /* the front as a staircase, sorted by x */
        int idx[256], k = 0;
        for (int i = 0; i < s->n && k < 256; i++)
            if (s->v[i].role == SR_SEARCH && (p ? s->v[i].front_lat : s->v[i].front_bytes))
                idx[k++] = i;
        for (int a = 1; a < k; a++)
            for (int b = a; b > 0; b--) {
                double xa = p ? s->v[idx[b]].m.levels[0].lat_med : (double)s->v[idx[b]].m.size.bytes;
                double xb = p ? s->v[idx[b - 1]].m.levels[0].lat_med : (double)s->v[idx[b - 1]].m.size.bytes;
                if (xa >= xb)
                    break;
                int t = idx[b];
                idx[b] = idx[b - 1];
                idx[b - 1] = t;
            }
        for (int a = 0; a < k; a++)
            fprintf(f, "%.3f %.3f\n", p ? 1e6 * s->v[idx[a]].m.levels[0].lat_med : (double)s->v[idx[a]].m.size.bytes,
                    100.0 * s->v[idx[a]].m.levels[0].acc);
        fprintf(f, "EOD\n$Q << EOD\n");
        for (int i = 0; i < s->n; i++)
            if (s->v[i].role == SR_SQ) {
                char d[CMP_MAX_OPS + 1];
                sq_depths(&s->v[i], d);
                fprintf(f, "\"%s %s\" %.3f %.3f\n", s->v[i].m.name, d,
                        p ? 1e6 * s->v[i].m.levels[0].lat_med : (double)s->v[i].m.size.bytes,
                        100.0 * s->v[i].m.levels[0].acc);
            }
        fprintf(f, "EOD\n");
        fprintf(f, "plot $F using 1:2 with steps lw 2 lc rgb '#888888' title 'search: Pareto front', \\\n"
                   "     $S using 2:3 with points pt 7 ps 1.2 lc rgb '#1f77b4' title 'search: %d assignments', \\\n"
                   "     $S using 2:3:1 with labels offset 0,0.9 font ',8' notitle, \\\n"
                   "     $Q using 2:3 with points pt 5 ps 1.4 lc rgb '#d62728' title 'SQ, one run per gamma', \\\n"
                   "     $Q using 2:3:1 with labels offset 0,-1.0 font ',8' tc rgb '#d62728' notitle\n",
                s->greedy ? 1 + s->L * (s->L + 1) / 2 : 1 << s->L);
    }
}

typedef void (*sr_writer)(const sr_state *, FILE *);
typedef struct sr_text {
    const sr_state *s;
    sr_writer fn;
} sr_text;

static void call_writer(const void *ctx, FILE *f)
{
    const sr_text *t = ctx;
    t->fn(t->s, f);
}

static int emit(const sr_state *s, const char *name, sr_writer fn)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", s->r->out_dir, name);
    sr_text t = {s, fn};
    size_t n;
    char *buf = cmp_build_text(call_writer, &t, &n);
    if (!buf)
        return -1;
    int rc;
    if (!strcmp(name, "search.gp")) {
        static const char *const pngs[] = {"search_bytes", "search_latency"};
        rc = cmp_gnuplot(s->r->out_dir, name, buf, n, pngs, 2);
    } else {
        rc = cmp_write_buffer(path, buf, n);
    }
    free(buf);
    return rc;
}

/* --models: the architecture is the one the float model's log (else any model's) names. */
static int spec_from_logs(cmp_run *r)
{
    DIR *d = opendir(r->models_dir);
    if (!d) {
        fprintf(stderr, "bitern compare: %s: %s\n", r->models_dir, strerror(errno));
        return -1;
    }
    static cmp_trace t;   /* large */
    char path[4400];
    double acc;
    snprintf(path, sizeof path, "%s/float.jsonl", r->models_dir);
    int ok = cmp_read_trace(path, &t, &acc) == 0;
    struct dirent *de;
    while (!ok && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len > 6 && !strcmp(de->d_name + len - 6, ".jsonl")) {
            snprintf(path, sizeof path, "%s/%s", r->models_dir, de->d_name);
            ok = cmp_read_trace(path, &t, &acc) == 0;
        }
    }
    closedir(d);
    if (!ok) {
        fprintf(stderr, "bitern compare --search: %s holds no training log to name the architecture\n", r->models_dir);
        return -1;
    }
    snprintf(r->spec, sizeof r->spec, "%s", t.spec);
    static const char *presets[] = {"mlp", "lenet", "cifar-cnn"};
    r->model = "custom";
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (!strcmp(bm_spec_preset(presets[i]), r->spec))
            r->model = presets[i];
    return 0;
}

int cmp_search(cmp_run *r)
{
    sr_state s = {.r = r};
    if (r->models_dir && spec_from_logs(r) < 0)
        return 1;
    s.L = count_layers(r->spec);
    if (s.L < 0) {
        fprintf(stderr, "bitern compare: %s\n", bm_error());
        return 1;
    }
    if (s.L < 1 || s.L > CMP_MAX_OPS) {
        fprintf(stderr, "bitern compare --search: %s has %d conv/dense layers: nothing to search\n", r->spec, s.L);
        return 1;
    }
    s.greedy = s.L > CMP_SEARCH_EXHAUSTIVE;
    s.planned = 1 + (s.greedy ? 1 + s.L * (s.L + 1) / 2 : 1 << s.L) + r->n_gammas;   /* float, searched, SQ */
    bm_dataset test = {0};
    if (cmp_load_test_set(r, &test) < 0)
        return 1;
    int rc = 1;
    float *x = NULL;
    if (mkdir(r->out_dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "bitern compare: cannot create %s: %s\n", r->out_dir, strerror(errno));
        goto out;
    }
    size_t in_size = (size_t)test.c * test.h * test.w;
    x = malloc(test.n * in_size * sizeof(float));
    if (!x) {
        fprintf(stderr, "bitern compare: out of memory for %zu test images\n", test.n);
        goto out;
    }
    bte_dataset_floats(&test, 0, test.n, x);
    s.test = &test;
    s.x = x;
    if (r->models_dir) {
        if (load_dir(&s) < 0)
            goto out;
    } else {
        sr_model *f = add(&s, SR_FLOAT, "float");
        if (!f || measure(&s, f) < 0 || (s.greedy ? train_greedy(&s) : train_exhaustive(&s)) < 0)
            goto out;
        for (int g = 0; g < r->n_gammas; g++) {
            char name[40];
            snprintf(name, sizeof name, "sq%s-g%g", r->sq_price ? "-size" : "", r->gammas[g]);
            sr_model *m = add(&s, SR_SQ, name);
            if (!m)
                goto out;
            m->gamma = r->gammas[g];
            if (measure(&s, m) < 0)
                goto out;
        }
    }
    for (int i = 0; i < s.n; i++) {
        s.v[i].front_bytes = s.v[i].role == SR_SEARCH && !dominated(&s, i, 0);
        s.v[i].front_lat = s.v[i].role == SR_SEARCH && !dominated(&s, i, 1);
    }
    if (emit(&s, "search.md", write_md) < 0 || emit(&s, "search.csv", write_csv) < 0 ||
        emit(&s, "search.json", write_json) < 0 || emit(&s, "search.gp", write_gp) < 0)
        goto out;
    printf("\n");
    write_md(&s, stdout);
    printf("\nresults in %s/ (search.md, search.csv, search.json, search_*.png)\n", r->out_dir);
    rc = 0;
out:
    free(s.v);
    free(x);
    bm_dataset_free(&test);
    return rc;
}

int cmp_parse_gammas(const char *s, cmp_run *r)
{
    r->n_gammas = 0;
    for (const char *p = s; *p;) {
        char *end;
        float g = strtof(p, &end);
        if (end == p || !(g >= 0.0f && g <= 1000.0f) || (*end && *end != ',') || r->n_gammas == 16) {
            fprintf(stderr, "bitern compare: --gammas '%s': up to 16 comma-separated values in [0, 1000]\n", s);
            return -1;
        }
        r->gammas[r->n_gammas++] = g;
        p = *end ? end + 1 : end;
    }
    if (r->n_gammas == 0) {
        fprintf(stderr, "bitern compare: --gammas '%s': no value\n", s);
        return -1;
    }
    return 0;
}

int cmp_search_options(cmp_run *r)
{
    if (!r->search) {
        if (r->n_gammas || r->sq_price) {
            fprintf(stderr, "bitern compare: --gammas and --sq-price apply with --search only (else --gamma)\n");
            return -1;
        }
        return 0;
    }
    if (r->init_float || r->q_epochs || r->gamma >= 0.0f) {
        fprintf(stderr, "bitern compare: --search trains every model from scratch with one recipe: --init-float, "
                        "--q-epochs and --gamma do not apply (SQ's gammas: --gammas)\n");
        return -1;
    }
    if (r->models_dir && (r->n_gammas || r->sq_price)) {
        fprintf(stderr, "bitern compare: --models loads trained models: --gammas and --sq-price do not apply\n");
        return -1;
    }
    if (!r->n_gammas) {
        static const float def[] = {0.02f, 0.05f, 0.2f};
        for (int i = 0; i < 3; i++)
            r->gammas[i] = def[i];
        r->n_gammas = 3;
    }
    return 0;
}
