/* SPDX-License-Identifier: MIT */
/*
 * `bitern compare`: trains (or loads) float, binary, ternary and SQ models, runs each on the engine at every
 * kernel level the CPU has, and writes the results folder. The float model runs on the engine's deterministic
 * float GEMM (engine/engine_fgemm.c); the float runtimes a user would otherwise deploy with are measured beside
 * it by bench/infer-compare.
 */
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compare/compare.h"
#include "compare/run_folder.h"
#include "engine/measure.h"
#include "model/files.h"
#include "model/util.h"
#include "tools/options.h"
#include "tools/commands.h"
#include "tools/openblas_core.h"
#include "train/model_file.h"
#include "train/train.h"

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
            "  --sq-price layer|size with --search: SQ's price of a ternary layer (bitern train --sq-price)\n"
            "  --act none|binary|ternary  activations before the quantized layers: relu (default), sign or tern, so\n"
            "                        that those layers run b1b1 / t2b1 / t2t2 kernels (every model, float too)\n");
}

const char *cmp_kind_name(int kind)
{
    static const char *names[CMP_N_MODELS] = {"float", "binary", "ternary", "sq"};
    return kind >= 0 && kind < CMP_N_MODELS ? names[kind] : "?";
}

static const tr_quant_mode kind_quant[CMP_N_MODELS] = {TR_Q_FLOAT, TR_Q_BINARY, TR_Q_TERNARY, TR_Q_SQ};

int cmp_load_test_set(const cmp_run *r, bm_dataset *test)
{
    bm_dataset train = {0};
    if (bm_dataset_load(r->dataset, r->data_dir, &train, test) < 0) {
        fprintf(stderr, "bitern compare: %s\n", bm_error());
        return -1;
    }
    bm_dataset_free(&train);
    return 0;
}

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
    enum { O_DATASET = 256, O_MODEL, O_MODELS, O_OUT, O_DATA_DIR, O_EPOCHS, O_Q_EPOCHS, O_THREADS, O_SEED, O_GAMMA,
           O_CHECK_N, O_LATENCY_N, O_LIMIT_TRAIN, O_INIT_FLOAT, O_SEARCH, O_GAMMAS, O_SQ_PRICE, O_LIMIT_TEST, O_HELP, O_VERSION,
           O_ACT };
    static const struct option lo[] = {
        {"dataset", 1, 0, O_DATASET}, {"model", 1, 0, O_MODEL}, {"models", 1, 0, O_MODELS}, {"out", 1, 0, O_OUT},
        {"data-dir", 1, 0, O_DATA_DIR}, {"epochs", 1, 0, O_EPOCHS}, {"q-epochs", 1, 0, O_Q_EPOCHS},
        {"threads", 1, 0, O_THREADS}, {"seed", 1, 0, O_SEED}, {"gamma", 1, 0, O_GAMMA}, {"check-n", 1, 0, O_CHECK_N},
        {"latency-n", 1, 0, O_LATENCY_N}, {"limit-train", 1, 0, O_LIMIT_TRAIN}, {"init-float", 0, 0, O_INIT_FLOAT},
        {"search", 0, 0, O_SEARCH}, {"gammas", 1, 0, O_GAMMAS}, {"sq-price", 1, 0, O_SQ_PRICE},
        {"limit-test", 1, 0, O_LIMIT_TEST}, {"help", 0, 0, O_HELP}, {"version", 0, 0, O_VERSION},
        {"act", 1, 0, O_ACT}, {0, 0, 0, 0}};
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        const char *s = optarg, *a = argv[optind - 1];
        char opt[24];
        snprintf(opt, sizeof opt, "--%s", c >= O_DATASET && c <= O_HELP ? lo[c - O_DATASET].name : "");
        switch (c) {
        case 'h': case O_HELP: usage(stdout); return 1;
        case O_VERSION: printf("bitern %s\n", bitern_version()); return 1;
        case ':': fprintf(stderr, "bitern compare: %s needs a value\n", a); return -1;
        case '?': fprintf(stderr, "bitern compare: unknown option '%s'\n", a); return -1;
        case O_INIT_FLOAT: r->init_float = 1; break;
        case O_SEARCH: r->search = 1; break;
        case O_GAMMAS: if (cmp_parse_gammas(s, r) < 0) return -1; break;
        case O_SQ_PRICE:
            if (strcmp(s, "layer") && strcmp(s, "size")) {
                fprintf(stderr, "bitern compare: --sq-price: unknown value '%s' (layer, size)\n", s);
                return -1;
            }
            r->sq_price = !strcmp(s, "size");
            break;
        case O_ACT:
            for (r->act = 2; r->act >= 0 && strcmp(s, tr_act_names[r->act]); r->act--)
                ;
            if (r->act < 0) {
                fprintf(stderr, "bitern compare: --act: unknown value '%s' (none, binary, ternary)\n", s);
                return -1;
            }
            break;
        case O_LIMIT_TEST: if (bitern_opt_long("compare", opt, s, 1, 1L << 40, &v)) return -1; r->limit_test = (size_t)v; break;
        case O_DATASET: r->dataset = s; break;
        case O_MODEL: r->model = s; break;
        case O_MODELS: r->models_dir = s; break;
        case O_OUT: r->out_dir = s; break;
        case O_DATA_DIR: r->data_dir = s; break;
        case O_EPOCHS: if (bitern_opt_long("compare", opt, s, 1, 1000, &v)) return -1; r->epochs = (int)v; break;
        case O_Q_EPOCHS: if (bitern_opt_long("compare", opt, s, 1, 1000, &v)) return -1; r->q_epochs = (int)v; break;
        case O_THREADS: if (bitern_opt_long("compare", opt, s, 1, 16, &v)) return -1; r->threads = (int)v; break;
        case O_SEED: if (bitern_opt_long("compare", opt, s, 0, 1L << 62, &v)) return -1; r->seed = (unsigned long long)v; break;
        case O_GAMMA: if (bitern_opt_float("compare", opt, s, 0, 10, &r->gamma)) return -1; break;
        case O_CHECK_N: if (bitern_opt_long("compare", opt, s, 1, 1L << 30, &v)) return -1; r->check_n = (int)v; break;
        case O_LATENCY_N: if (bitern_opt_long("compare", opt, s, 1, 1L << 30, &v)) return -1; r->lat_n = (int)v; break;
        case O_LIMIT_TRAIN: if (bitern_opt_long("compare", opt, s, 1, 1L << 40, &v)) return -1; r->limit_train = (size_t)v; break;
        default: return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "bitern compare: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (strcmp(r->dataset, "mnist") && strcmp(r->dataset, "fashion-mnist") && strcmp(r->dataset, "cifar10")) {
        fprintf(stderr, "bitern compare: --dataset: unknown dataset '%s' (mnist, fashion-mnist, cifar10)\n", r->dataset);
        return -1;
    }
    if (r->models_dir && (r->epochs || r->limit_train || r->limit_test || r->model || r->gamma >= 0.0f || r->init_float ||
                          r->q_epochs || r->act)) {
        fprintf(stderr, "bitern compare: --models loads trained models: --model, --epochs, --q-epochs, --init-float, "
                        "--gamma, --act, --limit-train and --limit-test do not apply\n");
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
    const char *preset = bm_spec_preset(r->model);
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

void cmp_eta_add(cmp_eta *e, double seconds, int epochs)
{
    e->seconds += seconds;
    e->epochs += epochs;
}

const char *cmp_eta_text(const cmp_eta *e, int epochs_left, char *buf, size_t cap)
{
    buf[0] = 0;
    if (e->epochs > 0) {
        long s = (long)(e->seconds / e->epochs * epochs_left + 0.5);
        snprintf(buf, cap, ", ETA %ld:%02ld:%02ld of training", s / 3600, s / 60 % 60, s % 60);
    }
    return buf;
}

/* Epochs of the model of kind k: --init-float trains the quantized ones for --q-epochs. */
static int model_epochs(const cmp_run *r, int k)
{
    return r->init_float && k != CMP_FLOAT ? r->q_epochs : r->epochs;
}

/* 0 trained, 1 stopped by SIGINT/SIGTERM (the trainer left <model>.ckpt), -1 failed (printed). */
static int train_one(const cmp_run *r, cmp_model *m, const char *resume, cmp_eta *eta)
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
    c.act = r->act;
    if (r->gamma >= 0.0f)
        c.gamma = r->gamma;   /* only SQ's beta feels it: frozen betas make gamma * cot(beta) a constant */
    c.out = m->path;
    c.log = m->log;
    c.resume = resume;
    if (r->init_float && m->kind != CMP_FLOAT) {
        c.init = r->m[CMP_FLOAT].path;   /* trained first: the models are trained in kind order */
        c.epochs = r->q_epochs;
        /* A quarter of the from-scratch rate: Adam at 2e-3 on the first batches would undo much of what the float
         * model learned (CIFAR-10 cifar-cnn: SQ at 5e-4 from the float model, bench/results/compare.md). */
        c.lr /= 4;
    }
    int left = 0;
    for (int k = m->kind; k < CMP_N_MODELS; k++)
        left += model_epochs(r, k);
    char eta_buf[64];
    fprintf(stderr, "\n== bitern compare: training the %s model, %d of %d (%d epochs, %d thread%s%s%s)\n",
            cmp_kind_name(m->kind), m->kind + 1, CMP_N_MODELS, c.epochs, c.threads, c.threads > 1 ? "s" : "",
            c.init ? ", from the float model" : "", cmp_eta_text(eta, left, eta_buf, sizeof eta_buf));
    double t0 = bm_now();
    int trc = tr_train_run(&c, NULL);
    if (trc < 0) {
        fprintf(stderr, "bitern compare: training the %s model failed: %s\n", cmp_kind_name(m->kind), bm_error());
        return -1;
    }
    if (trc > 0)
        return 1;
    m->train_seconds = bm_now() - t0;
    m->trained = 1;
    if (!resume)   /* a resumed run's time covers only part of its epochs */
        cmp_eta_add(eta, m->train_seconds, c.epochs);
    /* The run is complete: its checkpoint (the trainer's default, beside the model) has served its purpose. */
    char ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", m->path);
    unlink(ckpt);
    return 0;
}

/* The level BITERN_ISA leaves (the best the CPU has without it), read once before any bitern_set_isa. */
static bitern_isa cap_level(void)
{
    static int cap = -1;
    if (cap < 0) {
        const char *name = bitern_isa_name();
        cap = BITERN_ISA_SCALAR;
        for (int i = 0; i < BITERN_ISA_COUNT; i++)
            if (!strcmp(name, bitern_isa_level_name((bitern_isa)i)))
                cap = i;
    }
    return (bitern_isa)cap;
}

/* The kernel levels this CPU runs, best first, none above BITERN_ISA's cap. */
static int levels(bitern_isa *out)
{
    int n = 0;
    for (int i = (int)cap_level(); i >= 0; i--)
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
            m->kind == CMP_FLOAT ? "the engine's float GEMM" : bitern_isa_level_name(isa), n,
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
    for (int i = 0; i < bte_n_ops(e) && i < CMP_MAX_OPS; i++) {
        out->op_us[i] = 1e6 * res.op1[i];
        out->gemm_us[i] = 1e6 * res.kern1[i];
        out->bare_us[i] = 1e6 * res.bare1[i];
    }
    out->bare_sum_us = 1e6 * res.bare_sum;
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

/* A file named for a role must hold that kind of model: a ternary model copied to binary.btn would otherwise be
 * reported as binary. The depths decide float, binary and ternary; SQ needs one quantized layer (it may end all
 * binary or all ternary), and its log, when there is one, must say sq, as each log must say its model's kind. */
static int check_role(const cmp_model *m, bte_engine *e)
{
    int nb = 0, nt = 0;
    for (int i = 0; i < bte_n_ops(e); i++) {
        bte_op_info inf;
        bte_op_get(e, i, &inf);
        nb += inf.depth == BM_DEPTH_BINARY;
        nt += inf.depth == BM_DEPTH_TERNARY;
    }
    const char *why = NULL;
    if (m->kind == CMP_FLOAT && nb + nt)
        why = "has quantized layers";
    else if (m->kind == CMP_BINARY && (!nb || nt))
        why = nt ? "has ternary layers" : "has no binary layer";
    else if (m->kind == CMP_TERNARY && (!nt || nb))
        why = nb ? "has binary layers" : "has no ternary layer";
    else if (m->kind == CMP_SQ && !(nb + nt))
        why = "has no quantized layer";
    if (why) {
        fprintf(stderr, "bitern compare: %s is the %s model of the folder, but it %s (%d binary, %d ternary): "
                        "not a %s model\n", m->path, cmp_kind_name(m->kind), why, nb, nt, cmp_kind_name(m->kind));
        return -1;
    }
    if (m->has_trace && m->trace.quant[0] && strcmp(m->trace.quant, cmp_kind_name(m->kind))) {
        fprintf(stderr, "bitern compare: %s says its model was trained --quant %s, not %s\n", m->log,
                m->trace.quant, cmp_kind_name(m->kind));
        return -1;
    }
    return 0;
}

/* Measures one model at every level; the engine is kept in *keep for the interleaved latency pass. */
static int eval_model(const cmp_run *r, cmp_model *m, const bm_dataset *test, float *x, bte_engine **keep)
{
    const uint8_t *y = test->y;
    size_t n = test->n;
    bm_model tm;
    if (bm_model_load(m->path, &tm) < 0) {
        fprintf(stderr, "bitern compare: %s\n", bm_error());
        return -1;
    }
    /* The test images as this model was trained to see them: its stored normalisation, not the dataset's. */
    bm_dataset own = *test;
    if (tm.in_c == test->c) {
        bm_model_apply_norm(&tm, &own);
        bte_dataset_floats(&own, 0, n, x);
    }
    bte_engine *e = bte_compile(&tm);
    bm_model_free(&tm);
    if (!e) {
        fprintf(stderr, "bitern compare: %s: %s\n", m->path, bte_error());
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
    if (nc != BM_NUM_CLASSES) {
        fprintf(stderr, "bitern compare: %s has %d outputs, %s has %d classes\n", m->path, nc, r->dataset,
                BM_NUM_CLASSES);
        goto out;
    }
    bte_model_size(e, &m->size);
    m->n_ops = bte_n_ops(e) < CMP_MAX_OPS ? bte_n_ops(e) : CMP_MAX_OPS;
    for (int i = 0; i < m->n_ops; i++)
        bte_op_get(e, i, &m->ops[i]);
    if (check_role(m, e) < 0)
        goto out;
    bitern_isa lv[BITERN_ISA_COUNT];
    int nl = levels(lv);
    /* A float model is measured at the top level only (its GEMM gives the same logits at every level). */
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
    bitern_set_isa(bitern_isa_level_name(cap_level()));   /* back to the level the run was given */
    free(top_pred);
    if (rc == 0)
        *keep = e;
    else
        bte_free(e);
    return rc;
}

/* What a rerun must match to keep the finished models of an interrupted run. */
static void run_config(const cmp_run *r, char *buf, size_t cap)
{
    snprintf(buf, cap, "dataset=%s spec=%s epochs=%d q_epochs=%d init_float=%d seed=%llu gamma=%a limit_train=%zu%s%s",
             r->dataset, r->spec, r->epochs, r->q_epochs, r->init_float, r->seed, r->gamma, r->limit_train,
             r->act ? " act=" : "", r->act ? tr_act_names[r->act] : "");
}

static int stopped_status(const char *doing)
{
    int sig = tr_train_stop_signal();
    fprintf(stderr, "bitern compare: %s: stopped while %s; the finished models are kept, and running the same "
                    "command again continues from where this one stopped\n", sig == SIGINT ? "SIGINT" : "SIGTERM",
            doing);
    return 128 + sig;
}

static const char *const folder_names[] = {"float.btn", "float.jsonl", "binary.btn", "binary.jsonl", "ternary.btn",
                                           "ternary.jsonl", "sq.btn", "sq.jsonl"};
static const char *const result_names[] = {"results.md", "results.csv", "results.json"};

/* A training run: the marker goes down before anything changes (an old manifest goes away with it), so a run
 * killed at any moment leaves a folder that reads as unfinished. The same command again resumes. */
static int begin_run(const cmp_run *r, const char *dir, cmp_folder *mk, int *resuming)
{
    char cfg[sizeof mk->config];
    run_config(r, cfg, sizeof cfg);
    int have = cmp_folder_read(dir, CMP_FOLDER_MARKER, mk);
    if (have < 0)
        return -1;
    *resuming = have == 0 && !strcmp(mk->config, cfg);
    if (have == 0 && !*resuming)
        fprintf(stderr, "bitern compare: %s held an unfinished run of other settings: starting over\n", dir);
    if (!*resuming) {
        memset(mk, 0, sizeof *mk);
        snprintf(mk->kind, sizeof mk->kind, "incomplete");
        snprintf(mk->config, sizeof mk->config, "%s", cfg);
    }
    if (cmp_folder_write(dir, CMP_FOLDER_MARKER, mk) < 0)
        return -1;
    return cmp_folder_remove(dir, CMP_FOLDER_MANIFEST);
}

/* A model this (resumed) run already finished: listed in the marker, and its file and log still as listed. */
static int finished_before(const cmp_folder *mk, const char *dir, const char *name)
{
    const cmp_folder_file *want = cmp_folder_find(mk, name);
    cmp_folder_file got;
    return want && cmp_folder_hash(dir, name, &got) == 0 && got.size == want->size && got.hash == want->hash;
}

/* 0 trained (or kept from the interrupted run), 1 stopped, -1 failed. */
static int train_model(const cmp_run *r, cmp_model *m, const char *dir, cmp_folder *mk, int resuming, cmp_eta *eta)
{
    char btn[32], log[32], ckpt[4200];
    snprintf(btn, sizeof btn, "%s.btn", cmp_kind_name(m->kind));
    snprintf(log, sizeof log, "%s.jsonl", cmp_kind_name(m->kind));
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", m->path);
    if (resuming && finished_before(mk, dir, btn) && finished_before(mk, dir, log)) {
        fprintf(stderr, "bitern compare: the %s model was finished by the interrupted run: kept\n",
                cmp_kind_name(m->kind));
        return 0;
    }
    int t = train_one(r, m, resuming && access(ckpt, F_OK) == 0 ? ckpt : NULL, eta);
    if (t)
        return t;
    if (cmp_folder_add(mk, dir, btn) < 0 || cmp_folder_add(mk, dir, log) < 0 ||
        cmp_folder_write(dir, CMP_FOLDER_MARKER, mk) < 0)
        return -1;
    return 0;
}

/* --models DIR: the folder must be one finished run; --out must not name one of its files either. */
static int check_models_folder(const cmp_run *r, const char *out_dir)
{
    if (cmp_folder_check(r->models_dir, folder_names, 8) < 0)
        return -1;
    bm_path_set ps = {0};
    char in[8][4200], out[4][4200];
    for (int i = 0; i < 8; i++) {
        snprintf(in[i], sizeof in[i], "%s/%s", r->models_dir, folder_names[i]);
        bm_paths_add(&ps, "the model folder's", in[i], 0, 0);
    }
    for (int i = 0; i < 4; i++) {
        snprintf(out[i], sizeof out[i], "%s/%s", out_dir, i < 3 ? result_names[i] : CMP_FOLDER_MANIFEST);
        bm_paths_add(&ps, "the results'", out[i], 1, 0);
    }
    if (bm_paths_check(&ps) < 0) {
        fprintf(stderr, "bitern compare: %s\n", bm_error());
        return -1;
    }
    return 0;
}

static int same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Last: the manifest of every file of the run, then the marker goes. A folder of results only (--out beside
 * --models) lists its results: models found there later are not this run's. */
static int finish_run(const cmp_run *r, const char *dir)
{
    cmp_folder mf;
    memset(&mf, 0, sizeof mf);
    snprintf(mf.kind, sizeof mf.kind, "manifest");
    run_config(r, mf.config, sizeof mf.config);
    if (!r->models_dir || same_dir(r->models_dir, dir))
        for (int i = 0; i < 8; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dir, folder_names[i]);
            if (access(path, F_OK) == 0 && cmp_folder_add(&mf, dir, folder_names[i]) < 0)
                return -1;
        }
    for (int i = 0; i < 3; i++)
        if (cmp_folder_add(&mf, dir, result_names[i]) < 0)
            return -1;
    if (cmp_folder_write(dir, CMP_FOLDER_MANIFEST, &mf) < 0)
        return -1;
    return cmp_folder_remove(dir, CMP_FOLDER_MARKER);
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
    float logits[BM_NUM_CLASSES];
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
            double t0 = bm_now();
            if (bte_forward(e[k], x + i * in_size, 1, logits) < 0)
                goto fail;
            lat[(size_t)k * L + i] = bm_now() - t0;
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
    bitern_openblas_reexec("bitern compare");
    static cmp_run run;   /* large (beta traces): not on the stack */
    cmp_run *r = &run;
    memset(r, 0, sizeof *r);
    int prc = parse(argc, argv, r);
    if (prc)
        return prc > 0 ? 0 : 2;
    cap_level();
    struct stat mst;
    int serr = r->models_dir && stat(r->models_dir, &mst) < 0 ? errno : 0;
    if (r->models_dir && (serr || !S_ISDIR(mst.st_mode))) {
        /* checked before anything is created: the results would go there by default */
        fprintf(stderr, "bitern compare: --models %s: %s\n", r->models_dir, serr ? strerror(serr) : "not a directory");
        return 1;
    }
    char out_dir[4096];
    if (r->out_dir)
        snprintf(out_dir, sizeof out_dir, "%s", r->out_dir);
    else if (r->models_dir)
        snprintf(out_dir, sizeof out_dir, "%s", r->models_dir);
    else
        snprintf(out_dir, sizeof out_dir, "%s-%s-%s%s%s", r->search ? "search" : "compare", r->dataset, r->model,
                 r->act ? "-act-" : "", r->act ? tr_act_names[r->act] : "");
    r->out_dir = out_dir;
    describe_machine(r, argc, argv);
    if (r->search)
        return cmp_search(r);

    /* The dataset first: a missing one should fail now, not after an hour of training. */
    bm_dataset test = {0};
    if (cmp_load_test_set(r, &test) < 0)
        return 1;
    int rc = 1;
    float *x = NULL;
    bte_engine *engines[CMP_N_MODELS] = {0};
    if (make_dir(out_dir) < 0)
        goto out;
    if (r->models_dir)
        r->spec[0] = 0;   /* the logs say what was trained: parse's default architecture is not it */
    tr_train_catch_signals();   /* a stop ends training after its batch, measuring between steps */
    cmp_folder marker;
    cmp_eta eta = {0, 0};
    int resuming = 0;
    if (r->models_dir) {
        if (check_models_folder(r, out_dir) < 0)
            goto out;
    } else if (begin_run(r, out_dir, &marker, &resuming) < 0) {
        goto out;
    }
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
        if (!r->models_dir) {
            int t = train_model(r, m, out_dir, &marker, resuming, &eta);
            if (t) {
                rc = t > 0 ? stopped_status("training") : 1;
                goto out;
            }
        }
        double acc;
        m->has_trace = cmp_read_trace(m->log, &m->trace, &acc) == 0;
        struct stat lst;
        if (!m->has_trace && stat(m->log, &lst) == 0 && !S_ISREG(lst.st_mode)) {
            fprintf(stderr, "bitern compare: %s: not a regular file\n", m->log);
            goto out;
        }
        m->train_acc = m->has_trace ? acc : -1.0;
        /* Loaded models: their logs say how they were made; a log of another dataset or architecture
         * means the folder mixes runs, and the table would compare the wrong things. */
        if (r->models_dir && m->has_trace) {
            if (strcmp(m->trace.dataset, r->dataset)) {
                fprintf(stderr, "bitern compare: %s was trained on '%s', not on --dataset %s\n", m->log,
                        m->trace.dataset, r->dataset);
                goto out;
            }
            if (!r->spec[0])   /* the first log's architecture: every other log must have the same */
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
            if (!strcmp(bm_spec_preset(presets[i]), r->spec))
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
    fprintf(stderr, "\n");
    for (int k = 0; k < CMP_N_MODELS; k++) {
        if (eval_model(r, &r->m[k], &test, x, &engines[k]) < 0)
            goto out;
        if (tr_train_stop_signal()) {
            rc = stopped_status("measuring");
            goto out;
        }
    }
    if (interleaved_latency(r, engines, x, test.n, in_size) < 0)
        goto out;
    if (tr_train_stop_signal()) {
        rc = stopped_status("measuring");
        goto out;
    }
    if (cmp_write_reports(r) < 0)
        goto out;
    int prc2 = cmp_write_plots(r);
    if (prc2 < 0)
        goto out;
    if (finish_run(r, out_dir) < 0)
        goto out;
    printf("\n");
    cmp_print_markdown(r, stdout);
    printf("\nresults in %s/ (results.md, results.csv, results.json%s)\n", out_dir, prc2 == 0 ? ", *.png" : "");
    rc = 0;
out:
    for (int k = 0; k < CMP_N_MODELS; k++)
        bte_free(engines[k]);
    free(x);
    bm_dataset_free(&test);
    return rc;
}
