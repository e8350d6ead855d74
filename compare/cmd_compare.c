/* SPDX-License-Identifier: MIT */
/*
 * `bitern compare`: trains (or loads) float, binary, ternary and SQ models, runs each on the engine at every
 * kernel level the CPU has, and writes the results folder. The float model runs on OpenBLAS sgemm (its best
 * core, see tr_ensure_openblas_coretype): that is the float row, the code a user would otherwise run.
 */
#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "measure.h"
#include "train.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bitern compare [options]\n"
            "  --dataset mnist|fashion-mnist|cifar10   (default fashion-mnist)\n"
            "  --model NAME|SPEC     architecture (default lenet; cifar-cnn for cifar10)\n"
            "  --epochs N            training epochs of every model (default: 8 for lenet/mlp, 7 for cifar-cnn)\n"
            "  --models DIR          load DIR/{float,binary,ternary,sq}.btn (and their .jsonl logs) instead of training\n"
            "  --out DIR             results folder (default compare-DATASET-MODEL, or DIR of --models)\n"
            "  --data-dir DIR        where the dataset is (else $BITERN_DATA, then the standard places)\n"
            "  --threads T           training threads, and throughput for 1..T threads (default: all cores)\n"
            "  --seed S              training seed (default 1)\n"
            "  --init-float          train float first, then start binary, ternary and SQ from it (bitern train --init)\n"
            "  --q-epochs N          with --init-float: epochs of each quantized model (default: --epochs)\n"
            "  --gamma G             SQ's price of a ternary layer (default: bitern train's, 0.05); higher, more binary\n"
            "  --check-n N           images run at the lower kernel levels (default 2000; a tenth at scalar)\n"
            "  --latency-n N         images timed one by one at batch 1 (default 1000)\n"
            "  --limit-train N       train on the first N training images only (quick runs, tests)\n"
            "  --limit-test N        the trainer's own per-epoch evaluations use the first N test images (the\n"
            "                        engine still measures the whole test set)\n"
            "  --search              the depth search instead: every {binary, ternary} assignment of the conv/dense\n"
            "                        layers (all quantized; greedy beyond 4 layers) against SQ, one run per --gammas\n"
            "  --gammas G1,G2,...    with --search: SQ's gammas (default 0.02,0.05,0.2)\n"
            "  --sq-price layer|size with --search: SQ's price of a ternary layer (bitern train --sq-price)\n");
}

const char *cmp_kind_name(int kind)
{
    static const char *names[CMP_N_MODELS] = {"float", "binary", "ternary", "sq"};
    return kind >= 0 && kind < CMP_N_MODELS ? names[kind] : "?";
}

static const tr_quant_mode kind_quant[CMP_N_MODELS] = {TR_Q_FLOAT, TR_Q_BINARY, TR_Q_TERNARY, TR_Q_SQ};

/* 1: --help, 0: ok, -1: error (printed). */
static int parse(int argc, char **argv, cmp_run *r)
{
    long v;
    r->dataset = "fashion-mnist";
    r->gamma = -1.0f;   /* unset: the trainer's default */
    r->seed = 1;
    r->check_n = 2000;
    r->lat_n = 1000;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    r->threads = cores >= 1 && cores <= 16 ? (int)cores : cores > 16 ? 16 : 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        if (!strcmp(a, "--init-float")) {
            r->init_float = 1;
            continue;
        }
        if (!strcmp(a, "--search")) {
            r->search = 1;
            continue;
        }
        if (strncmp(a, "--", 2)) {
            fprintf(stderr, "bitern compare: unexpected argument '%s'\n", a);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bitern compare: %s needs a value\n", a);
            return -1;
        }
        const char *s = argv[++i];
        if (!strcmp(a, "--dataset")) r->dataset = s;
        else if (!strcmp(a, "--model")) r->model = s;
        else if (!strcmp(a, "--models")) r->models_dir = s;
        else if (!strcmp(a, "--out")) r->out_dir = s;
        else if (!strcmp(a, "--data-dir")) r->data_dir = s;
        else if (!strcmp(a, "--epochs")) { if (tr_parse_long("compare", a, s, 1, 1000, &v)) return -1; r->epochs = (int)v; }
        else if (!strcmp(a, "--q-epochs")) { if (tr_parse_long("compare", a, s, 1, 1000, &v)) return -1; r->q_epochs = (int)v; }
        else if (!strcmp(a, "--threads")) { if (tr_parse_long("compare", a, s, 1, 16, &v)) return -1; r->threads = (int)v; }
        else if (!strcmp(a, "--seed")) { if (tr_parse_long("compare", a, s, 0, 1L << 62, &v)) return -1; r->seed = (unsigned long long)v; }
        else if (!strcmp(a, "--gammas")) { if (cmp_parse_gammas(s, r) < 0) return -1; }
        else if (!strcmp(a, "--sq-price")) {
            if (strcmp(s, "layer") && strcmp(s, "size")) {
                fprintf(stderr, "bitern compare: --sq-price: unknown value '%s' (layer, size)\n", s);
                return -1;
            }
            r->sq_price = !strcmp(s, "size");
        }
        else if (!strcmp(a, "--gamma")) { if (tr_parse_float("compare", a, s, 0, 10, &r->gamma)) return -1; }
        else if (!strcmp(a, "--check-n")) { if (tr_parse_long("compare", a, s, 1, 1L << 30, &v)) return -1; r->check_n = (int)v; }
        else if (!strcmp(a, "--latency-n")) { if (tr_parse_long("compare", a, s, 1, 1L << 30, &v)) return -1; r->lat_n = (int)v; }
        else if (!strcmp(a, "--limit-test")) { if (tr_parse_long("compare", a, s, 1, 1L << 40, &v)) return -1; r->limit_test = (size_t)v; }
        else if (!strcmp(a, "--limit-train")) { if (tr_parse_long("compare", a, s, 1, 1L << 40, &v)) return -1; r->limit_train = (size_t)v; }
        else {
            fprintf(stderr, "bitern compare: unknown option '%s'\n", a);
            return -1;
        }
    }
    if (strcmp(r->dataset, "mnist") && strcmp(r->dataset, "fashion-mnist") && strcmp(r->dataset, "cifar10")) {
        fprintf(stderr, "bitern compare: --dataset: unknown dataset '%s' (mnist, fashion-mnist, cifar10)\n", r->dataset);
        return -1;
    }
    if (r->models_dir && (r->epochs || r->limit_train || r->limit_test || r->model || r->gamma >= 0.0f || r->init_float || r->q_epochs)) {
        fprintf(stderr, "bitern compare: --models loads trained models: --model, --epochs, --q-epochs, --init-float, "
                        "--gamma, --limit-train and --limit-test do not apply\n");
        return -1;
    }
    if (cmp_search_options(r) < 0)
        return -1;
    if (r->q_epochs && !r->init_float) {
        fprintf(stderr, "bitern compare: --q-epochs applies with --init-float only (else every model trains --epochs)\n");
        return -1;
    }
    if (!r->model)
        r->model = strcmp(r->dataset, "cifar10") ? "lenet" : "cifar-cnn";
    if (!r->epochs && !r->models_dir)
        r->epochs = !strcmp(r->model, "cifar-cnn") ? 7 : 8;
    if (r->init_float && !r->q_epochs)
        r->q_epochs = r->epochs;
    const char *preset = tr_spec_preset(r->model);
    snprintf(r->spec, sizeof r->spec, "%s", preset ? preset : r->model);
    return 0;
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK) == 0)
            return 0;
        fprintf(stderr, "bitern compare: %s: not a writable directory\n", dir);
        return -1;
    }
    fprintf(stderr, "bitern compare: cannot create %s: %s\n", dir, strerror(errno));
    return -1;
}

static int train_one(const cmp_run *r, cmp_model *m)
{
    tr_config c;
    tr_config_defaults(&c);
    c.dataset = r->dataset;
    c.model = r->model;
    c.data_dir = r->data_dir;
    c.quant = kind_quant[m->kind];
    c.epochs = r->epochs;
    c.threads = r->threads;
    c.seed = r->seed;
    c.limit_train = r->limit_train;
    c.limit_test = r->limit_test;
    if (r->gamma >= 0.0f)
        c.gamma = r->gamma;   /* only SQ's beta feels it: frozen betas make gamma * cot(beta) a constant */
    c.out = m->path;
    c.log = m->log;
    if (r->init_float && m->kind != CMP_FLOAT) {
        c.init = r->m[CMP_FLOAT].path;   /* trained first: the models are trained in kind order */
        c.epochs = r->q_epochs;
        /* A quarter of the from-scratch rate: Adam at 2e-3 on the first batches would undo much of what the float
         * model learned (CIFAR-10 cifar-cnn: SQ at 5e-4 from the float model, bench/results/compare.md). */
        c.lr /= 4;
    }
    fprintf(stderr, "\n== bitern compare: training the %s model (%d epochs, %d thread%s%s)\n", cmp_kind_name(m->kind),
            c.epochs, c.threads, c.threads > 1 ? "s" : "", c.init ? ", from the float model" : "");
    double t0 = bte_now();
    if (tr_train_run(&c, NULL) < 0) {
        fprintf(stderr, "bitern compare: training the %s model failed: %s\n", cmp_kind_name(m->kind), tr_error());
        return -1;
    }
    m->train_seconds = bte_now() - t0;
    m->trained = 1;
    /* The run is complete: its checkpoint (the trainer's default, beside the model) has served its purpose. */
    char ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", m->path);
    unlink(ckpt);
    return 0;
}

/* The kernel levels this CPU runs, best first. */
static int levels(bitern_isa *out)
{
    int n = 0;
    for (int i = BITERN_ISA_COUNT - 1; i >= 0; i--)
        if (bitern_isa_supported((bitern_isa)i))
            out[n++] = (bitern_isa)i;
    return n;
}

/* top_pred: NULL at the top level, where *keep_pred receives the predictions; else those to agree with. */
static int measure_level(const cmp_run *r, const cmp_model *m, bte_engine *e, const float *x, const uint8_t *y,
                         size_t n_all, bitern_isa isa, const int *top_pred, int **keep_pred, cmp_level *out)
{
    if (bitern_set_isa(bitern_isa_level_name(isa)) != BITERN_OK) {
        fprintf(stderr, "bitern compare: kernel level %s: %s\n", bitern_isa_level_name(isa), bitern_last_error());
        return -1;
    }
    /* The lower levels compute the same integers (the kernels are exact; kcheck proves it), so they run a
     * sample of the test set, and must give the same predictions as the top level on it. The scalar
     * reference is deliberately plain, hence a smaller sample there. */
    size_t n = n_all;
    if (top_pred) {
        size_t want = isa == BITERN_ISA_SCALAR ? (size_t)(r->check_n / 10 > 0 ? r->check_n / 10 : 1) : (size_t)r->check_n;
        n = want < n_all ? want : n_all;
    }
    fprintf(stderr, "bitern compare: %s model at %s: %zu images, latency over %zu\n", cmp_kind_name(m->kind),
            m->kind == CMP_FLOAT ? "OpenBLAS sgemm" : bitern_isa_level_name(isa), n,
            (size_t)r->lat_n < n ? (size_t)r->lat_n : n);
    bte_results res;
    if (bte_measure(e, x, y, n, r->threads, (size_t)r->lat_n, &res) < 0) {
        fprintf(stderr, "bitern compare: %s model at %s: %s\n", cmp_kind_name(m->kind), bitern_isa_level_name(isa),
                bte_error());
        return -1;
    }
    out->isa = isa;
    out->images = n;
    out->acc = res.acc;
    out->lat_med = res.lat_med;
    out->lat_p99 = res.lat_p99;
    out->lat_n = res.lat_n;
    out->n_thr = res.n_thr < 16 ? res.n_thr : 16;
    for (int t = 0; t < out->n_thr; t++)
        out->ips[t] = res.ips[t];
    out->mismatches = 0;
    out->deterministic = res.deterministic;
    if (top_pred) {
        for (size_t i = 0; i < n; i++)
            out->mismatches += res.pred[i] != top_pred[i];
    } else {
        *keep_pred = res.pred;   /* ownership moves to the caller */
        res.pred = NULL;
    }
    bte_results_free(&res);
    return 0;
}

/* Measures one model at every level; the engine is kept in *keep for the interleaved latency pass. */
static int eval_model(const cmp_run *r, cmp_model *m, const tr_dataset *test, const float *x, bte_engine **keep)
{
    const uint8_t *y = test->y;
    size_t n = test->n;
    bte_engine *e = bte_load(m->path);
    if (!e) {
        fprintf(stderr, "bitern compare: %s\n", bte_error());
        return -1;
    }
    int ic, ih, iw, nc;
    bte_shape(e, &ic, &ih, &iw, &nc);
    int rc = -1;
    int *top_pred = NULL;
    if (ic != test->c || ih != test->h || iw != test->w) {
        fprintf(stderr, "bitern compare: %s takes %dx%dx%d images, %s has %dx%dx%d\n", m->path, ic, ih, iw,
                r->dataset, test->c, test->h, test->w);
        goto out;
    }
    if (nc != TR_NUM_CLASSES) {
        fprintf(stderr, "bitern compare: %s has %d outputs, %s has %d classes\n", m->path, nc, r->dataset,
                TR_NUM_CLASSES);
        goto out;
    }
    bte_model_size(e, &m->size);
    m->n_ops = bte_n_ops(e) < CMP_MAX_OPS ? bte_n_ops(e) : CMP_MAX_OPS;
    for (int i = 0; i < m->n_ops; i++)
        bte_op_get(e, i, &m->ops[i]);
    bitern_isa lv[BITERN_ISA_COUNT];
    int nl = levels(lv);
    /* Float layers run on OpenBLAS whatever the kernel level: one row is the whole story. */
    if (m->kind == CMP_FLOAT || m->size.quant_weights == 0)
        nl = 1;
    m->n_levels = 0;
    for (int k = 0; k < nl; k++) {
        if (measure_level(r, m, e, x, y, n, lv[k], k ? top_pred : NULL, &top_pred, &m->levels[k]) < 0)
            goto out;
        m->n_levels++;
    }
    rc = 0;
out:
    bitern_set_isa("native");
    free(top_pred);
    if (rc == 0)
        *keep = e;
    else
        bte_free(e);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/*
 * The batch-1 latencies that the tables compare, at the top level: the models take turns image by image, so
 * that whatever else the machine does in the meantime falls on all of them alike. Measured one model after
 * the other, minutes apart, a shared machine's load changes the ranking of models that differ by 10%.
 */
static int interleaved_latency(cmp_run *r, bte_engine **e, const float *x, size_t n, size_t in_size)
{
    size_t L = (size_t)r->lat_n < n ? (size_t)r->lat_n : n;
    double *lat = malloc(CMP_N_MODELS * L * sizeof(double));
    float logits[TR_NUM_CLASSES];
    if (!lat) {
        fprintf(stderr, "bitern compare: out of memory\n");
        return -1;
    }
    fprintf(stderr, "bitern compare: batch-1 latency, the four models in turn, %zu images\n", L);
    for (int k = 0; k < CMP_N_MODELS; k++) {
        bte_set_threads(e[k], 1);
        for (size_t i = 0; i < L && i < 16; i++)   /* warm-up, as bte_measure does */
            if (bte_forward(e[k], x + i * in_size, 1, logits) < 0)
                goto fail;
    }
    for (size_t i = 0; i < L; i++)
        for (int k = 0; k < CMP_N_MODELS; k++) {
            double t0 = bte_now();
            if (bte_forward(e[k], x + i * in_size, 1, logits) < 0)
                goto fail;
            lat[(size_t)k * L + i] = bte_now() - t0;
        }
    for (int k = 0; k < CMP_N_MODELS; k++) {
        double *v = lat + (size_t)k * L;
        cmp_level *top = &r->m[k].levels[0];
        qsort(v, L, sizeof(double), cmp_double);
        top->lat_n = L;
        top->lat_med = L % 2 ? v[L / 2] : 0.5 * (v[L / 2 - 1] + v[L / 2]);
        top->lat_p99 = v[(size_t)(0.99 * (double)(L - 1) + 0.5)];
    }
    free(lat);
    return 0;
fail:
    fprintf(stderr, "bitern compare: %s\n", bte_error());
    free(lat);
    return -1;
}

static void describe_machine(cmp_run *r, int argc, char **argv)
{
    snprintf(r->cpu, sizeof r->cpu, "%s", bitern_cpu_name()[0] ? bitern_cpu_name() : "unknown CPU");
    snprintf(r->openblas_core, sizeof r->openblas_core, "%s", openblas_get_corename());
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->date, sizeof r->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    size_t off = (size_t)snprintf(r->command, sizeof r->command, "bitern compare");
    for (int i = 1; i < argc && off < sizeof r->command; i++)
        off += (size_t)snprintf(r->command + off, sizeof r->command - off, " %s", argv[i]);
}

int bitern_cmd_compare(int argc, char **argv)
{
    tr_ensure_openblas_coretype();
    static cmp_run run;   /* large (beta traces): not on the stack */
    cmp_run *r = &run;
    memset(r, 0, sizeof *r);
    int prc = parse(argc, argv, r);
    if (prc)
        return prc > 0 ? 0 : 2;
    char out_dir[4096];
    if (r->out_dir)
        snprintf(out_dir, sizeof out_dir, "%s", r->out_dir);
    else if (r->models_dir)
        snprintf(out_dir, sizeof out_dir, "%s", r->models_dir);
    else
        snprintf(out_dir, sizeof out_dir, "%s-%s-%s", r->search ? "search" : "compare", r->dataset, r->model);
    r->out_dir = out_dir;
    describe_machine(r, argc, argv);
    if (r->search)
        return cmp_search(r);

    /* The dataset first: a missing one should fail now, not after an hour of training. */
    tr_dataset train = {0}, test = {0};
    if (tr_dataset_load(r->dataset, r->data_dir, &train, &test) < 0) {
        fprintf(stderr, "bitern compare: %s\n", tr_error());
        return 1;
    }
    tr_dataset_free(&train);
    int rc = 1;
    float *x = NULL;
    bte_engine *engines[CMP_N_MODELS] = {0};
    if (make_dir(out_dir) < 0)
        goto out;
    for (int k = 0; k < CMP_N_MODELS; k++) {
        cmp_model *m = &r->m[k];
        m->kind = k;
        snprintf(m->name, sizeof m->name, "%s", cmp_kind_name(k));
        const char *dir = r->models_dir ? r->models_dir : out_dir;
        if (snprintf(m->path, sizeof m->path, "%s/%s.btn", dir, cmp_kind_name(k)) >= (int)sizeof m->path ||
            snprintf(m->log, sizeof m->log, "%s/%s.jsonl", dir, cmp_kind_name(k)) >= (int)sizeof m->log) {
            fprintf(stderr, "bitern compare: %s: path too long\n", dir);
            goto out;
        }
        if (!r->models_dir && train_one(r, m) < 0)
            goto out;
        double acc;
        m->has_trace = cmp_read_trace(m->log, &m->trace, &acc) == 0;
        m->train_acc = m->has_trace ? acc : -1.0;
        /* Loaded models: their logs say how they were made; a log of another dataset or architecture
         * means the folder mixes runs, and the table would compare the wrong things. */
        if (r->models_dir && m->has_trace) {
            if (strcmp(m->trace.dataset, r->dataset)) {
                fprintf(stderr, "bitern compare: %s was trained on '%s', not on --dataset %s\n", m->log,
                        m->trace.dataset, r->dataset);
                goto out;
            }
            if (k == 0 || !r->spec[0])
                snprintf(r->spec, sizeof r->spec, "%s", m->trace.spec);
            else if (strcmp(m->trace.spec, r->spec)) {
                fprintf(stderr, "bitern compare: %s: model '%s' differs from the float model's '%s'\n", m->log,
                        m->trace.spec, r->spec);
                goto out;
            }
            if (m->trace.epochs > r->epochs)
                r->epochs = m->trace.epochs;
        }
    }
    if (r->models_dir) {
        static const char *presets[] = {"mlp", "lenet", "cifar-cnn"};
        r->model = "custom";
        for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
            if (!strcmp(tr_spec_preset(presets[i]), r->spec))
                r->model = presets[i];
    }

    /* Our threads split the batch: OpenBLAS threads under them would only fight for the same cores. */
    openblas_set_num_threads(1);
    size_t in_size = (size_t)test.c * test.h * test.w;
    x = malloc(test.n * in_size * sizeof(float));
    if (!x) {
        fprintf(stderr, "bitern compare: out of memory for %zu test images\n", test.n);
        goto out;
    }
    bte_dataset_floats(&test, 0, test.n, x);
    fprintf(stderr, "\n");
    for (int k = 0; k < CMP_N_MODELS; k++)
        if (eval_model(r, &r->m[k], &test, x, &engines[k]) < 0)
            goto out;
    if (interleaved_latency(r, engines, x, test.n, in_size) < 0)
        goto out;
    if (cmp_write_reports(r) < 0)
        goto out;
    int prc2 = cmp_write_plots(r);
    if (prc2 < 0)
        goto out;
    printf("\n");
    cmp_print_markdown(r, stdout);
    printf("\nresults in %s/ (results.md, results.csv, results.json%s)\n", out_dir, prc2 == 0 ? ", *.png" : "");
    rc = 0;
out:
    for (int k = 0; k < CMP_N_MODELS; k++)
        bte_free(engines[k]);
    free(x);
    tr_dataset_free(&test);
    return rc;
}
