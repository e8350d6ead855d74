/* SPDX-License-Identifier: MIT */
/*
 * The training pipeline shared by every quantization mode:
 *
 *   float          : E epochs of plain training.
 *   sq/binary/ternary : R = E - F regularized epochs (CE + lambda(t) * sum_l R_l, lambda ramping linearly from 0
 *                    to --lambda over them, beta trained for sq, frozen at pi/2 or pi/4 for binary/ternary),
 *                    then depths are decided and frozen, weights quantized, and F fine-tuning epochs run with
 *                    the quantized weights in the forward pass and straight-through gradients to the latent ones.
 *                    F defaults to max(1, E/3) when E >= 2, else 0 (quantize after the single epoch).
 *   bc/twn         : quantized (sign, or TWN's 0.7 mean|w| threshold) with STE from the first step.
 *
 * Depth rule (sq), after the regularized phase: a layer is binary when its zero well is (nearly) empty, either
 *   - of weights: at most --depth-thr (default 2%) of them have |w| < u0(beta) * s_l, or
 *   - of room: beta went so close to pi/2 that the well is narrower than --u0-bin (default 0.1) in u units.
 * The second clause is needed because the zero well attracts what it holds toward 0, where those weights stop
 * pulling beta down (their |u|^p is 0): when gamma * cot(beta) wins, beta runs to its upper clamp with the
 * collapsed weights still inside, and the regularizer has chosen binary even though the well is not empty.
 * Otherwise the layer is ternary. beta's Adam step is scaled by lambda(t) / lambda (see run_epoch), and --gamma
 * defaults to 0.05: see train/README.md for why beta never rose before and the runs behind these choices.
 *
 * Reproducibility: each epoch reseeds its shuffling/augmentation and dropout streams from (seed, epoch), so a
 * resumed run replays exactly what an uninterrupted run would have done; OpenBLAS is given a fixed thread count.
 * SIGINT/SIGTERM (when tr_train_catch_signals was called) stop after the current batch: the checkpoint then also
 * holds the position in the epoch and both streams, so resuming mid-epoch is as exact as at a boundary.
 */
#include <bitern.h>
#include <cblas.h>
#include <errno.h>
#include <json-c/json.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "train/checkpoint.h"
#include "model/data.h"
#include "model/files.h"
#include "train/model_file.h"
#include "train/nn.h"
#include "train/optim.h"
#include "model/serial.h"
#include "train/sq_budget.h"
#include "train/sq_reg.h"
#include "train/train.h"

const char *tr_quant_name(tr_quant_mode q)
{
    static const char *names[] = {"float", "binary", "ternary", "sq", "bc", "twn", "mixed"};
    return (unsigned)q < 7 ? names[q] : "?";
}

const char *const tr_act_names[3] = {"none", "binary", "ternary"};

void tr_config_defaults(tr_config *c)
{
    memset(c, 0, sizeof *c);
    c->dataset = "mnist";
    c->model = "mlp";
    c->quant = TR_Q_FLOAT;
    c->epochs = 1;
    c->ft_epochs = -1;
    c->batch = 64;
    c->threads = 1;
    c->per_channel = 1;
    c->p = 2;
    c->opt = TR_OPT_ADAM;
    c->sched = TR_SCHED_COSINE;
    c->lr_step = 10;
    c->augment = -1;       /* default: on for CIFAR */
    c->lr = 2e-3f;
    c->wd = 0.0f;
    c->momentum = 0.9f;
    c->lambda = 5.0f;
    c->gamma = 0.05f;     /* train/README.md: mixes depths on Fashion-MNIST lenet and mlp --quant-all; 0.02 left Fashion all ternary */
    c->beta0 = 1.1780972f; /* 3 pi / 8: halfway between ternary and binary */
    c->beta_lr = 2e-3f;
    c->depth_thr = 0.02f;
    c->u0_bin = 0.1f;
    c->seed = 1;
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

void tr_train_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* A second ^C kills at once: the checkpoint on disk is only ever replaced atomically, so that is safe. */
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int tr_train_stop_signal(void) { return stop_signal; }

static int has_reg_phase(tr_quant_mode q)
{
    return q == TR_Q_SQ || q == TR_Q_BINARY || q == TR_Q_TERNARY || q == TR_Q_MIXED;
}

typedef struct run {
    const tr_config *cfg;
    bm_dataset train, test;
    tr_model model;
    tr_optim opt;
    tr_beta_optim bopt;
    int reg_epochs, ft_epochs;
    size_t steps_per_epoch;
    size_t freeze_step;   /* global step at whose start depths are frozen (has_reg_phase); total steps: none */
    double freeze_acc[2]; /* test accuracy just before and just after the freeze */
    /* SQ's price and budget (sq_budget.h), per quantized layer q = 0..nq, model layer qidx[q] */
    int nq, qidx[SQ_BUDGET_MAX_LAYERS];
    float price[SQ_BUDGET_MAX_LAYERS];
    double cost_b[SQ_BUDGET_MAX_LAYERS], cost_t[SQ_BUDGET_MAX_LAYERS], budget;   /* budget 0: none */
    float gamma;          /* the current gamma: --gamma, moved by the budget's multiplier */
    float *xb, *dl;
    uint8_t *yb;
    uint32_t *perm;
    FILE *log;                /* logf.f: the log goes to a temporary file, renamed over --log at the end */
    bm_atomic_file logf;
    int tty;
    uint64_t fingerprint;
} run;

static uint64_t config_fingerprint(const tr_config *c, const char *spec)
{
    char buf[4400];
    int len = snprintf(buf, sizeof buf,
             "v1|%s|%s|%s|e%d|f%d|b%d|qa%d|pc%d|p%d|a%d|o%d|s%d|ls%d|au%d|lr%a|wd%a|m%a|l%a|g%a|b0%a|bl%a|dt%a|ub%a|"
             "s%llu|lt%zu|le%zu",
             c->dataset, spec, tr_quant_name(c->quant), c->epochs, c->ft_epochs, c->batch, c->quant_all,
             c->per_channel, c->p, c->act, c->opt, c->sched, c->lr_step, c->augment, c->lr, c->wd, c->momentum,
             c->lambda, c->gamma, c->beta0, c->beta_lr, c->depth_thr, c->u0_bin, (unsigned long long)c->seed, c->limit_train,
             c->limit_test);
    /* Only when given: a run without --init keeps the fingerprint it always had, so its old checkpoints resume. */
    if (c->init && len >= 0 && (size_t)len < sizeof buf)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "|i%s", c->init);
    if (c->depths && len >= 0 && (size_t)len < sizeof buf)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "|d%s", c->depths);
    if ((c->sq_price || c->budget_bits > 0 || c->budget_bytes > 0) && len >= 0 && (size_t)len < sizeof buf)
        snprintf(buf + len, sizeof buf - (size_t)len, "|sp%d|bb%a|bB%a", c->sq_price, c->budget_bits, c->budget_bytes);
    return XXH3_64bits(buf, strlen(buf));
}

/* Converts examples idx[0..n) to normalised floats; CIFAR training batches get a random 4-pixel-padded crop
 * and a horizontal flip (padding = the mean colour, i.e. 0 after normalisation). */
static void build_batch(const bm_dataset *d, const uint32_t *idx, int n, float *x, uint8_t *y, int augment,
                        bm_rng *rng)
{
    int C = d->c, H = d->h, W = d->w;
    size_t ex = (size_t)C * H * W;
    for (int i = 0; i < n; i++) {
        const uint8_t *src = d->x + (size_t)idx[i] * ex;
        float *dst = x + (size_t)i * ex;
        y[i] = d->y[idx[i]];
        int dy = 0, dx = 0, flip = 0;
        if (augment) {
            dy = (int)bm_rng_below(rng, 9) - 4;
            dx = (int)bm_rng_below(rng, 9) - 4;
            flip = (int)bm_rng_below(rng, 2);
        }
        for (int c = 0; c < C; c++) {
            float inv = 1.0f / (255.0f * d->std[c]), off = d->mean[c] / d->std[c];
            for (int h = 0; h < H; h++) {
                for (int w = 0; w < W; w++) {
                    int sh = h + dy, sw = (flip ? W - 1 - w : w) + dx;
                    float v = 0.0f;
                    if (sh >= 0 && sh < H && sw >= 0 && sw < W)
                        v = (float)src[((size_t)c * H + sh) * W + sw] * inv - off;
                    dst[((size_t)c * H + h) * W + w] = v;
                }
            }
        }
    }
}

static void evaluate(run *r, double *acc, double *loss)
{
    const bm_dataset *d = &r->test;
    int B = r->cfg->batch, correct = 0;
    double tot = 0.0;
    uint32_t *idx = bm_alloc((size_t)B, sizeof(uint32_t));
    for (size_t s = 0; s < d->n; s += (size_t)B) {
        int n = (int)((d->n - s) < (size_t)B ? d->n - s : (size_t)B);
        for (int i = 0; i < n; i++)
            idx[i] = (uint32_t)(s + (size_t)i);
        build_batch(d, idx, n, r->xb, r->yb, 0, NULL);
        const float *z = tr_model_forward(&r->model, r->xb, n, 0);
        tot += tr_softmax_xent(z, r->yb, n, r->model.n_classes, NULL, &correct) * n;
    }
    free(idx);
    *acc = (double)correct / (double)d->n;
    *loss = tot / (double)d->n;
}

size_t tr_freeze_step(int epochs, int ft_epochs, size_t steps_per_epoch)
{
    if (ft_epochs >= 0)
        return steps_per_epoch * (size_t)(epochs - ft_epochs);
    if (epochs == 1)
        return steps_per_epoch - steps_per_epoch / 3;
    return steps_per_epoch * (size_t)(epochs - (epochs / 3 > 1 ? epochs / 3 : 1));
}

static size_t total_steps(const run *r) { return r->steps_per_epoch * (size_t)r->cfg->epochs; }

/* The price weight of model layer i (1 for the paper's per-layer form). */
static float layer_price(const run *r, int i)
{
    for (int q = 0; q < r->nq; q++)
        if (r->qidx[q] == i)
            return r->price[q];
    return 1.0f;
}

/* Quantized layers, their prices and their costs at each depth; the budget in those units. Refuses a budget
 * that pure binary does not meet. */
static int setup_price_budget(run *r)
{
    const tr_config *c = r->cfg;
    size_t n[SQ_BUDGET_MAX_LAYERS];
    r->nq = 0;
    double nsum = 0.0, all_b = 0.0, all_t = 0.0;
    for (int i = 0; i < r->model.n; i++) {
        const tr_layer *l = &r->model.layers[i];
        if (!l->quantizable)
            continue;
        if (r->nq == SQ_BUDGET_MAX_LAYERS) {
            if (c->sq_price || c->budget_bits > 0 || c->budget_bytes > 0)
                return bm_fail("--sq-price size and budgets handle up to %d quantized layers", SQ_BUDGET_MAX_LAYERS);
            r->nq = 0;   /* the paper's price needs no table */
            return 0;
        }
        int q = r->nq++;
        r->qidx[q] = i;
        n[q] = l->nw;
        nsum += (double)l->nw;
        if (c->budget_bytes > 0) {
            r->cost_b[q] = (double)l->out_c * (double)bitern_b1_words(l->fan_in) * 8.0;
            r->cost_t[q] = (double)l->out_c * (double)bitern_t2_words(l->fan_in) * 8.0;
        } else {
            r->cost_b[q] = (double)l->nw;
            r->cost_t[q] = 2.0 * (double)l->nw;
        }
        all_b += r->cost_b[q];
        all_t += r->cost_t[q];
    }
    sq_layer_prices(n, r->nq, c->sq_price, r->price);
    r->budget = c->budget_bytes > 0 ? c->budget_bytes : c->budget_bits * nsum;
    if (r->budget > 0) {
        const char *unit = c->budget_bytes > 0 ? "bytes of packed quantized weights" : "bits per quantized weight";
        double k = c->budget_bytes > 0 ? 1.0 : 1.0 / nsum;
        if (r->nq == 0)
            return bm_fail("a budget needs quantized layers: this model has none");
        if (r->budget < all_b)
            return bm_fail("budget %.6g %s is below pure binary's %.6g: no choice of depths meets it", r->budget * k,
                           unit, all_b * k);
        if (!c->quiet)
            fprintf(stderr, "budget: %.6g %s (pure binary %.6g, pure ternary %.6g)%s\n", r->budget * k, unit,
                    all_b * k, all_t * k, r->budget >= all_t ? ": not binding, every depth fits" : "");
    }
    return 0;
}

/* The budget's Lagrange step on gamma (sq_budget.h): the depths beta points at, counted softly, against the
 * budget. k = 5 / regularized steps: at a full-span miss gamma can move by e^5 over the phase. */
static void budget_step(run *r, size_t reg_steps)
{
    double pred = 0.0, all_b = 0.0, all_t = 0.0;
    for (int q = 0; q < r->nq; q++) {
        const tr_layer *l = &r->model.layers[r->qidx[q]];
        double b = sq_soft_binary(l->beta, l->sq_p, r->cfg->u0_bin);
        pred += b * r->cost_b[q] + (1.0 - b) * r->cost_t[q];
        all_b += r->cost_b[q];
        all_t += r->cost_t[q];
    }
    r->gamma = sq_budget_gamma_step(r->gamma, pred, r->budget, all_b, all_t, 5.0 / (double)(reg_steps ? reg_steps : 1));
}

/* Under a budget the frozen depths are the best assignment that fits (sq_budget_choose), ternary where SQ's
 * beta wants it most; said where it differs from SQ's own rule. */
static void budget_depths(run *r)
{
    const tr_config *c = r->cfg;
    double need[SQ_BUDGET_MAX_LAYERS];
    int bin[SQ_BUDGET_MAX_LAYERS];
    for (int q = 0; q < r->nq; q++) {
        tr_layer *l = &r->model.layers[r->qidx[q]];
        double zf = sq_zero_fraction(l->w, l->nw, l->sq_s, l->beta, l->sq_p);
        need[q] = zf <= c->depth_thr ? 0.0 : 1.0 - sq_soft_binary(l->beta, l->sq_p, c->u0_bin);
    }
    if (sq_budget_choose(r->cost_b, r->cost_t, need, r->nq, r->budget, bin) < 0)
        return;   /* refused before training (setup_price_budget) */
    for (int q = 0; q < r->nq; q++) {
        tr_layer *l = &r->model.layers[r->qidx[q]];
        int d = bin[q] ? BM_DEPTH_BINARY : BM_DEPTH_TERNARY;
        if (d != l->depth && !c->quiet)
            fprintf(stderr, "budget: layer %d %s (SQ's rule: %s)\n", r->qidx[q], d == BM_DEPTH_BINARY ? "binary" : "ternary",
                    l->depth == BM_DEPTH_BINARY ? "binary" : "ternary");
        l->depth = d;
    }
}

/* Freezes depths and switches the quantizable layers to quantized weights. */
static void decide_depths(run *r)
{
    const tr_config *c = r->cfg;
    for (int i = 0; i < r->model.n; i++) {
        tr_layer *l = &r->model.layers[i];
        if (!l->quantizable)
            continue;
        l->thr_mode = c->quant == TR_Q_TWN ? TR_THR_TWN : TR_THR_SQ;
        switch (c->quant) {
        case TR_Q_BINARY:
        case TR_Q_BC:
            l->depth = BM_DEPTH_BINARY;
            break;
        case TR_Q_TERNARY:
        case TR_Q_TWN:
            l->depth = BM_DEPTH_TERNARY;
            break;
        case TR_Q_MIXED:   /* beta was frozen at the given depth's (tr_train_run) */
            l->depth = l->beta >= SQ_BETA_BINARY ? BM_DEPTH_BINARY : BM_DEPTH_TERNARY;
            break;
        default: {
            l->sq_s = sq_fit_scale(l->w, l->nw, l->beta, l->sq_p, l->sq_s);
            double zf = sq_zero_fraction(l->w, l->nw, l->sq_s, l->beta, l->sq_p);
            /* Without fine-tuning left, where the weights are decides alone: MLP --epochs 1 (no fine-tuning then)
             * lost 47 points at the freeze to a layer binarized with 35% of its weights in the well. */
            int bin = sq_depth_binary(zf, sq_u0(l->beta, l->sq_p), c->depth_thr, c->u0_bin,
                                      r->freeze_step < total_steps(r));
            l->depth = bin ? BM_DEPTH_BINARY : BM_DEPTH_TERNARY;
            break;
        }
        }
        l->beta_frozen = 1;
    }
    if (c->quant == TR_Q_SQ && r->budget > 0)
        budget_depths(r);
    tr_model_quantize_weights(&r->model);
}

/* The log is JSON lines built with json-c (strings escaped, NaN written as null). Numbers keep the fixed formats
 * the log has always had (json_object_new_double_s), so logs of different versions compare line by line. */
static void jnum(json_object *o, const char *key, const char *fmt, double v)
{
    char s[64];
    snprintf(s, sizeof s, fmt, v);
    json_object_object_add(o, key, isfinite(v) ? json_object_new_double_s(v, s) : NULL);
}

static void jint(json_object *o, const char *key, int64_t v)
{
    json_object_object_add(o, key, json_object_new_int64(v));
}

static void jstr(json_object *o, const char *key, const char *v)
{
    json_object_object_add(o, key, json_object_new_string(v));
}

static void jbool(json_object *o, const char *key, int v)
{
    json_object_object_add(o, key, json_object_new_boolean(v));
}

/* Writes one line and frees it; 0, or -1 with the error set when the log cannot be written. */
static int log_line(run *r, json_object *o)
{
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    int bad = !text || fputs(text, r->log) < 0 || fputc('\n', r->log) == EOF || fflush(r->log) != 0 || ferror(r->log);
    json_object_put(o);
    return bad ? bm_fail("%s: cannot write the log: %s", r->cfg->log, strerror(errno)) : 0;
}

/* Each weighted layer's SQ state: a line each on f, or (json) an array for the log. */
static json_object *log_layers(run *r, FILE *f, int json)
{
    json_object *arr = json ? json_object_new_array() : NULL;
    for (int i = 0; i < r->model.n; i++) {
        tr_layer *l = &r->model.layers[i];
        if (!l->w)
            continue;
        double zf = l->quantizable ? sq_zero_fraction(l->w, l->nw, l->sq_s, l->beta, l->sq_p) : 0.0;
        if (l->depth == BM_DEPTH_TERNARY && l->thr_mode == TR_THR_TWN) {
            size_t z = 0;
            for (size_t j = 0; j < l->nw; j++)
                z += l->wq[j] == 0.0f;
            zf = (double)z / (double)l->nw;
        }
        double coll = 0.0, en = l->quantizable ? sq_well_energy(l->w, l->nw, l->sq_s, l->beta, l->sq_p, &coll) : 0.0;
        if (json) {
            json_object *o = json_object_new_object();
            jint(o, "layer", i);
            jstr(o, "type", bm_ltype_name(l->type));
            jint(o, "quantizable", l->quantizable);
            jnum(o, "beta", "%.5f", l->beta);
            jnum(o, "u0", "%.5f", sq_u0(l->beta, l->sq_p));
            jnum(o, "s", "%.6g", l->sq_s);
            jnum(o, "zero_frac", "%.5f", zf);
            jnum(o, "collapsed", "%.5f", coll);
            jnum(o, "well_energy", "%.6g", en);
            jint(o, "depth", l->depth);
            json_object_array_add(arr, o);
        } else if (l->quantizable)
            fprintf(f, "    layer %2d %-4s beta %.4f u0 %.3f zero %.3f (|u|<.05 %.3f) E %.2e depth %s\n", i,
                    bm_ltype_name(l->type), l->beta, sq_u0(l->beta, l->sq_p), zf, coll, en,
                    l->depth == BM_DEPTH_BINARY ? "1 (binary)" : l->depth == BM_DEPTH_TERNARY ? "2 (ternary)"
                                                                                             : "float");
    }
    return arr;
}

/* The cost of the depths as they are, in the budget's units (bits, or bytes with --budget-bytes). */
static double frozen_cost(const run *r)
{
    int bin[SQ_BUDGET_MAX_LAYERS];
    for (int q = 0; q < r->nq; q++)
        bin[q] = r->model.layers[r->qidx[q]].depth == BM_DEPTH_BINARY;
    return sq_cost(r->cost_b, r->cost_t, bin, r->nq);
}

/* Decides and freezes the depths, measuring the test accuracy on both sides: a drop of more than 2 points there
 * is said on stderr and in the log (fine-tuning may or may not win it back; the final line says which). */
static int freeze(run *r)
{
    const tr_config *c = r->cfg;
    double loss;
    evaluate(r, &r->freeze_acc[0], &loss);
    decide_depths(r);
    evaluate(r, &r->freeze_acc[1], &loss);
    size_t left = total_steps(r) - r->freeze_step;
    double drop = 100.0 * (r->freeze_acc[0] - r->freeze_acc[1]);
    if (!c->quiet) {
        fprintf(stderr, "depths frozen after %zu regularized steps (%zu fine-tuning steps follow): test accuracy "
                        "%.4f before, %.4f after\n", r->freeze_step, left, r->freeze_acc[0], r->freeze_acc[1]);
        log_layers(r, stderr, 0);
    }
    if (drop > TR_FREEZE_DROP_WARN)
        fprintf(stderr, "bitern train: warning: test accuracy fell %.2f points at the freeze (%.4f -> %.4f)%s\n", drop,
                r->freeze_acc[0], r->freeze_acc[1], left ? "" : ", and no fine-tuning follows");
    if (r->log) {
        json_object *o = json_object_new_object();
        jbool(o, "freeze", 1);
        jint(o, "step", (int64_t)r->freeze_step);
        jint(o, "ft_steps", (int64_t)left);
        jnum(o, "acc_before", "%.6f", r->freeze_acc[0]);
        jnum(o, "acc_after", "%.6f", r->freeze_acc[1]);
        jbool(o, "drop_flag", drop > TR_FREEZE_DROP_WARN);
        jnum(o, "gamma", "%.6g", r->gamma);
        jnum(o, "budget", "%.6g", r->budget);
        jnum(o, "cost", "%.6g", frozen_cost(r));
        json_object_object_add(o, "layers", log_layers(r, NULL, 1));
        return log_line(r, o);
    }
    return 0;
}

/* Runs epoch `epoch` from batch st->step on (st->step > 0: resuming mid-epoch, with st's streams and sums).
 * Returns 1, with st filled for a checkpoint, when a stop signal arrived before the epoch's last batch. */
static int run_epoch(run *r, int epoch, int *quantized, tr_ckpt_meta *st)
{
    const tr_config *c = r->cfg;
    tr_model *m = &r->model;
    bm_rng rng, drop_rng;
    bm_rng_seed(&rng, c->seed * 0x9e3779b97f4a7c15ull + (uint64_t)epoch * 2 + 1);
    bm_rng_seed(&drop_rng, c->seed * 0xc2b2ae3d27d4eb4full + (uint64_t)epoch * 2 + 2);
    m->rng = &drop_rng;
    size_t N = r->train.n;
    for (size_t i = 0; i < N; i++)
        r->perm[i] = (uint32_t)i;
    for (size_t i = N - 1; i > 0; i--) {   /* Fisher-Yates */
        size_t j = bm_rng_below(&rng, (uint32_t)(i + 1));
        uint32_t t = r->perm[i];
        r->perm[i] = r->perm[j];
        r->perm[j] = t;
    }
    int regularize = has_reg_phase(c->quant) && !*quantized, reg_in_epoch = regularize;
    int augment = c->augment < 0 ? r->train.c == 3 : c->augment;
    size_t total_steps = r->steps_per_epoch * (size_t)c->epochs;
    size_t reg_steps = r->freeze_step;
    double loss_sum = 0.0, reg_sum = 0.0, t0 = bm_now(), c0 = bm_cpu_now(), last_print = 0.0;
    int correct = 0;
    float lr = c->lr;
    size_t first = st->step;
    if (first > 0) {
        memcpy(rng.s, st->rng, sizeof rng.s);
        memcpy(drop_rng.s, st->drop_rng, sizeof drop_rng.s);
        loss_sum = st->loss_sum;
        reg_sum = st->reg_sum;
        correct = (int)st->correct;
        st->step = 0;
    }
    for (size_t s = first; s < r->steps_per_epoch; s++) {
        size_t start = s * (size_t)c->batch;
        int n = (int)((N - start) < (size_t)c->batch ? N - start : (size_t)c->batch);
        size_t gstep = (size_t)epoch * r->steps_per_epoch + s;
        if (regularize && gstep == r->freeze_step) {   /* a freeze inside the epoch (--epochs 1) */
            if (freeze(r) < 0)
                return -1;
            *quantized = 1;
            regularize = 0;
        }
        lr = tr_schedule_lr(c->sched, c->lr, (double)gstep / (double)total_steps, epoch, c->lr_step);
        build_batch(&r->train, r->perm + start, n, r->xb, r->yb, augment, &rng);
        if (*quantized)
            tr_model_quantize_weights(m);
        const float *z = tr_model_forward(m, r->xb, n, 1);
        double loss = tr_softmax_xent(z, r->yb, n, m->n_classes, r->dl, &correct);
        if (!isfinite(loss))
            return bm_fail("epoch %d step %zu: loss is %g (diverged: lower --lr)", epoch + 1, s, loss);
        tr_model_backward(m, r->dl, n);
        loss_sum += loss * n;
        if (regularize) {
            /* lambda(t): linear ramp over the regularized phase, so that weights first learn the task. */
            float lam = c->lambda * (float)((double)(gstep + 1) / (double)(reg_steps ? reg_steps : 1));
            for (int i = 0; i < m->n; i++) {
                tr_layer *l = &m->layers[i];
                if (!l->quantizable)
                    continue;
                l->sq_s = sq_fit_scale(l->w, l->nw, l->beta, l->sq_p, l->sq_s);
                double db;
                double R = sq_layer_reg(l->w, l->nw, l->sq_s, l->beta, l->sq_p, r->gamma * layer_price(r, i), lam,
                                        l->gw, &db);
                l->gbeta = (float)(lam * db);
                reg_sum += lam * R * n;
            }
        }
        tr_optim_step(&r->opt, lr);
        /* BinaryConnect keeps its latent weights in [-1, 1]: beyond that, sign() no longer changes and the weight
         * would drift on, out of reach of the gradient that could flip it back. */
        if (c->quant == TR_Q_BC)
            for (int i = 0; i < m->n; i++) {
                tr_layer *l = &m->layers[i];
                if (l->quantizable)
                    for (size_t j = 0; j < l->nw; j++)
                        l->w[j] = l->w[j] > 1.0f ? 1.0f : l->w[j] < -1.0f ? -1.0f : l->w[j];
            }
        /* beta's Adam normalizes its gradient lambda(t) * dR/dbeta, so lambda's ramp would not slow it down: without
         * the factor lambda(t) / lambda, beta ran at full speed while lambda was still ~0, driven by the unregularized
         * weight distribution (a Gaussian heap at 0 in every layer: beta -> pi/4 within ~200 steps), and the widest
         * zero well then collapsed ~40% of every layer's weights to 0 for good (weights at 0 never leave the well).
         * Scaling the step by the ramp makes beta follow the regularized weights instead. */
        if (regularize && c->quant == TR_Q_SQ) {
            tr_beta_optim_step(&r->bopt, c->beta_lr * (float)((double)(gstep + 1) / (double)(reg_steps ? reg_steps : 1)));
            if (r->budget > 0)
                budget_step(r, reg_steps);
        }
        double now = bm_now();
        if (r->tty && !c->quiet && (now - last_print > 0.25 || s + 1 == r->steps_per_epoch)) {
            last_print = now;
            /* ETA of the whole run at this epoch's pace (the per-epoch evaluations not counted) */
            size_t left = r->steps_per_epoch - s - 1 + (size_t)(c->epochs - epoch - 1) * r->steps_per_epoch;
            long eta = (long)((now - t0) / (double)(s + 1 - first) * (double)left + 0.5);
            fprintf(stderr, "\repoch %d/%d [%zu/%zu] loss %.4f acc %.4f lr %.2e %.0fs, ETA %ld:%02ld:%02ld   ",
                    epoch + 1, c->epochs, s + 1, r->steps_per_epoch, loss_sum / (double)(start + (size_t)n),
                    (double)correct / (double)(start + (size_t)n), lr, now - t0, eta / 3600, eta / 60 % 60, eta % 60);
        }
        if (stop_signal && s + 1 < r->steps_per_epoch) {
            st->step = (uint32_t)(s + 1);
            memcpy(st->rng, rng.s, sizeof rng.s);
            memcpy(st->drop_rng, drop_rng.s, sizeof drop_rng.s);
            st->loss_sum = loss_sum;
            st->reg_sum = reg_sum;
            st->correct = (uint64_t)correct;
            if (r->tty && !c->quiet)
                fputc('\n', stderr);
            return 1;
        }
    }
    if (r->tty && !c->quiet)
        fputc('\n', stderr);
    if (*quantized)
        tr_model_quantize_weights(m);
    double acc, tloss;
    evaluate(r, &acc, &tloss);
    double secs = bm_now() - t0, cpu = bm_cpu_now() - c0;
    const char *phase = c->quant == TR_Q_FLOAT ? "float" : regularize ? "reg" : reg_in_epoch ? "reg+quant" : "quant";
    if (!c->quiet) {
        fprintf(stderr, "epoch %d/%d %s: loss %.4f reg %.4f train_acc %.4f test_acc %.4f test_loss %.4f lr %.2e %.1fs (cpu %.1fs)\n",
                epoch + 1, c->epochs, phase, loss_sum / N, reg_sum / N, (double)correct / N, acc, tloss, lr, secs, cpu);
        log_layers(r, stderr, 0);
    }
    if (r->log) {
        json_object *o = json_object_new_object();
        jint(o, "epoch", epoch + 1);
        jstr(o, "phase", phase);
        jnum(o, "loss", "%.6f", loss_sum / N);
        jnum(o, "reg", "%.6f", reg_sum / N);
        jnum(o, "train_acc", "%.6f", (double)correct / N);
        jnum(o, "test_acc", "%.6f", acc);
        jnum(o, "test_loss", "%.6f", tloss);
        jnum(o, "lr", "%.6g", lr);
        jnum(o, "seconds", "%.3f", secs);
        jnum(o, "cpu_seconds", "%.3f", cpu);
        jint(o, "rss_kb", bm_rss_kb());
        jnum(o, "gamma", "%.6g", r->gamma);
        json_object_object_add(o, "layers", log_layers(r, NULL, 1));
        return log_line(r, o);
    }
    return 0;
}

/* --init: start from a trained float model of the same architecture (weights, biases, batch-norm parameters and
 * running statistics), the usual way to train a quantized network well in few epochs: its quantized layers
 * then begin where the float network ended instead of at random. A quantized or differently shaped file is
 * refused: copying from it would silently train something else. */
static int init_from_file(tr_model *m, const char *path)
{
    tr_model src;
    memset(&src, 0, sizeof src);
    if (tr_model_load(path, &src, 1) < 0) {
        char why[512];   /* bm_error's buffer is the one bm_fail writes */
        snprintf(why, sizeof why, "%s", bm_error());
        return bm_fail("--init: %s", why);
    }
    int rc = -1;
    if (src.n != m->n || src.in_c != m->in_c || src.in_h != m->in_h || src.in_w != m->in_w ||
        src.n_classes != m->n_classes) {
        bm_fail("--init %s: %d layers over %dx%dx%d inputs, %d classes; this model has %d layers over %dx%dx%d, %d",
                path, src.n, src.in_c, src.in_h, src.in_w, src.n_classes, m->n, m->in_c, m->in_h, m->in_w,
                m->n_classes);
        goto out;
    }
    for (int i = 0; i < m->n; i++) {
        const tr_layer *a = &src.layers[i];
        tr_layer *l = &m->layers[i];
        if (a->type != l->type || a->in_c != l->in_c || a->in_h != l->in_h || a->in_w != l->in_w ||
            a->out_c != l->out_c || a->out_h != l->out_h || a->out_w != l->out_w ||
            ((l->type == BM_CONV || l->type == BM_MAXPOOL) && (a->k != l->k || a->stride != l->stride || a->pad != l->pad))) {
            bm_fail("--init %s: layer %d is %s %dx%dx%d -> %dx%dx%d, this model's is %s %dx%dx%d -> %dx%dx%d", path, i,
                    bm_ltype_name(a->type), a->in_c, a->in_h, a->in_w, a->out_c, a->out_h, a->out_w,
                    bm_ltype_name(l->type), l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w);
            goto out;
        }
        if (l->type == BM_DENSE || l->type == BM_CONV) {
            if (a->depth != BM_DEPTH_FLOAT) {
                bm_fail("--init %s: layer %d is %s: --init takes a float model", path, i,
                        a->depth == BM_DEPTH_BINARY ? "binary" : "ternary");
                goto out;
            }
            memcpy(l->w, a->w, l->nw * sizeof *l->w);
            memcpy(l->b, a->b, (size_t)l->out_c * sizeof *l->b);
        } else if (l->type == BM_BN) {
            size_t C = (size_t)l->in_c;
            memcpy(l->gamma, a->gamma, C * sizeof(float));
            memcpy(l->bshift, a->bshift, C * sizeof(float));
            memcpy(l->rmean, a->rmean, C * sizeof(float));
            memcpy(l->rvar, a->rvar, C * sizeof(float));
            l->eps = a->eps;
        }
    }
    rc = 0;
out:
    tr_model_free(&src);
    return rc;
}

/* --quant mixed needs one B or T per quantized layer (conv/dense, less the first and last unless --quant-all, as
 * tr_model_mark_quantizable counts them); --depths with any other mode would be ignored. Checked on the spec,
 * before any data is read. */
static int check_depths(const tr_config *c, const bm_layer_desc *d, int n)
{
    if (!c->depths != (c->quant != TR_Q_MIXED))
        return bm_fail("--depths goes with --quant mixed, and --quant mixed needs --depths");
    if (!c->depths)
        return 0;
    int nw = 0;
    for (int i = 0; i < n; i++)
        nw += d[i].type == BM_DENSE || d[i].type == BM_CONV;
    int nq = c->quant_all ? nw : nw > 2 ? nw - 2 : 0;
    size_t len = strlen(c->depths);
    if (len != (size_t)nq || strspn(c->depths, "BT") != len)
        return bm_fail("--depths '%s': this model has %d quantized layers: give one letter B (binary) or T (ternary) "
                       "for each, in order", c->depths, nq);
    return 0;
}

/* Relu layers that feed a quantized layer become sign/tern when binary/ternary activations are asked for. */
static void apply_act(bm_layer_desc *d, int n, int act, int quant_all)
{
    int first = -1, last = -1;
    for (int i = 0; i < n; i++)
        if (d[i].type == BM_DENSE || d[i].type == BM_CONV) {
            if (first < 0)
                first = i;
            last = i;
        }
    for (int i = 0; i < n; i++) {
        if (d[i].type != BM_RELU)
            continue;
        int next = -1;
        for (int j = i + 1; j < n && next < 0; j++)
            if (d[j].type == BM_DENSE || d[j].type == BM_CONV)
                next = j;
        if (next >= 0 && (quant_all || (next != first && next != last)))
            d[i].type = act == 1 ? BM_SIGN : BM_TERN;
    }
}

int tr_train_check_paths(const tr_config *c)
{
    bm_path_set ps = {0};
    /* A checkpoint is written where the run resumes from: that pair is the one alias allowed (group 1). */
    bm_paths_add(&ps, "--init", c->init, 0, 0);
    bm_paths_add(&ps, "--resume", c->resume, 0, 1);
    bm_paths_add(&ps, "--out", c->out, 1, 0);
    bm_paths_add(&ps, "--log", c->log, 1, 0);
    char implied[4200];
    if (c->ckpt)
        bm_paths_add(&ps, "--ckpt", c->ckpt, 1, 1);
    else if (c->out) {
        snprintf(implied, sizeof implied, "%s.ckpt", c->out);
        bm_paths_add(&ps, "the checkpoint of --out", implied, 1, 1);
    } else
        bm_paths_add(&ps, "the stop checkpoint", TR_DEFAULT_STOP_CKPT, 1, 1);
    char data[BM_DATASET_MAX_FILES][BM_DATA_PATH_MAX];
    int nd = bm_dataset_files(c->dataset, c->data_dir, data);
    for (int i = 0; i < nd; i++)
        bm_paths_add(&ps, "the dataset file", data[i], 0, 0);
    return bm_paths_check(&ps);
}

int tr_train_run(const tr_config *c, double *final_acc)
{
    run r;
    memset(&r, 0, sizeof r);
    r.cfg = c;
    int rc = -1;
    bm_layer_desc *desc = NULL;
    int nd = 0;
    if (c->epochs < 1 || c->batch < 1 || c->threads < 1 || (c->p != 1 && c->p != 2) || !(c->lr > 0))
        return bm_fail("epochs, batch, threads and lr must be positive and p 1 or 2");
#ifdef __GLIBC__
    /* glibc raises its mmap threshold to the size of each large block freed (the checkpoint buffer, MBs), and
     * later blocks of that size then come from the heap and stay resident: measured, +12 MB of RSS over the
     * first epochs of mlp with --ckpt. A fixed threshold keeps them mmapped, returned to the system on free. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    if (c->ft_epochs > c->epochs)
        return bm_fail("--ft-epochs %d exceeds --epochs %d", c->ft_epochs, c->epochs);
    /* Before any data is read: a bad output path should cost a message, not a training run. */
    if (tr_train_check_paths(c) < 0)
        return -1;
    if ((c->out && bm_check_writable("--out", c->out, 1) < 0) ||
        (c->ckpt && bm_check_writable("--ckpt", c->ckpt, 1) < 0) || (c->log && bm_check_writable("--log", c->log, 1) < 0))
        return -1;
    if (bm_spec_parse(c->model, &desc, &nd) < 0)
        return -1;
    if (check_depths(c, desc, nd) < 0) {
        free(desc);
        return -1;
    }
    if (c->act)
        apply_act(desc, nd, c->act, c->quant_all);
    const char *spec = bm_spec_preset(c->model) ? bm_spec_preset(c->model) : c->model;
    r.fingerprint = config_fingerprint(c, spec);
    if (bm_dataset_load(c->dataset, c->data_dir, &r.train, &r.test) < 0)
        goto out;
    if (c->limit_train)
        bm_dataset_truncate(&r.train, c->limit_train);
    if (c->limit_test)
        bm_dataset_truncate(&r.test, c->limit_test);
    bm_rng init_rng;
    bm_rng_seed(&init_rng, c->seed);
    if (tr_model_build(&r.model, desc, nd, r.train.c, r.train.h, r.train.w, BM_NUM_CLASSES, c->batch, &init_rng) < 0)
        goto out;
    tr_model_mark_quantizable(&r.model, c->quant_all);
    /* What the loader refuses must not be trained for hours first: the same check, before the first step. */
    if (tr_btn_check_model(&r.model, c->quant != TR_Q_FLOAT) < 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", bm_error());
        bm_fail("--model: %s", why);
        goto out;
    }
    if (c->init && !c->resume && init_from_file(&r.model, c->init) < 0)   /* a checkpoint holds its own weights */
        goto out;
    /* With several threads the conv layers split batches themselves and OpenBLAS stays single-threaded:
     * measured on CIFAR, OpenBLAS's own threading of these small per-example GEMMs was slower than one thread. */
    openblas_set_num_threads(1);
    for (int i = 0; i < r.model.n; i++)
        r.model.layers[i].nthreads = c->threads < TR_MAX_THREADS ? c->threads : TR_MAX_THREADS;
    /* both bounds: the dataset holds 3 channels' statistics at most, the model file 4 */
    for (int k = 0; k < r.train.c && k < BM_MAX_NORM_C && k < (int)(sizeof r.train.mean / sizeof *r.train.mean); k++) {
        r.model.in_mean[k] = r.train.mean[k];
        r.model.in_std[k] = r.train.std[k];
    }
    for (int i = 0, nq = 0; i < r.model.n; i++) {
        tr_layer *l = &r.model.layers[i];
        l->sq_p = c->p;
        l->per_channel = c->per_channel;
        l->sq_s = 0.0f;   /* first sq_fit_scale starts from mean |w| */
        l->beta = c->quant == TR_Q_BINARY ? (float)(M_PI / 2) : c->quant == TR_Q_TERNARY ? (float)(M_PI / 4)
                                                                                         : sq_clamp_beta(c->beta0);
        if (c->quant == TR_Q_MIXED && l->quantizable)
            l->beta = c->depths[nq++] == 'B' ? (float)(M_PI / 2) : (float)(M_PI / 4);
        l->beta_frozen = c->quant != TR_Q_SQ;
        if (l->quantizable)
            l->sq_s = sq_fit_scale(l->w, l->nw, l->beta, l->sq_p, 0.0f);
    }
    tr_optim_init(&r.opt, &r.model, c->opt, c->wd, c->momentum);
    tr_beta_optim_init(&r.bopt, &r.model);
    if (has_reg_phase(c->quant)) {
        r.ft_epochs = c->ft_epochs >= 0 ? c->ft_epochs : (c->epochs >= 2 ? (c->epochs / 3 > 1 ? c->epochs / 3 : 1) : 0);
        if (r.ft_epochs > c->epochs) {
            bm_fail("--ft-epochs %d exceeds --epochs %d", r.ft_epochs, c->epochs);
            goto out;
        }
        r.reg_epochs = c->epochs - r.ft_epochs;
    }
    r.steps_per_epoch = (r.train.n + (size_t)c->batch - 1) / (size_t)c->batch;
    r.freeze_step = has_reg_phase(c->quant) ? tr_freeze_step(c->epochs, c->ft_epochs, r.steps_per_epoch) : 0;
    r.gamma = c->gamma;
    if (setup_price_budget(&r) < 0)
        goto out;
    if (has_reg_phase(c->quant) && r.freeze_step == total_steps(&r) && !c->quiet)
        fprintf(stderr, "bitern train: warning: --ft-epochs 0: the depths are frozen at the very end with no "
                        "fine-tuning after, so the quantized network is the regularized one rounded%s\n",
                c->quant == TR_Q_SQ ? " (SQ then makes a layer binary only if its zero well is empty)" : "");
    size_t ex = (size_t)r.train.c * r.train.h * r.train.w;
    r.xb = bm_alloc((size_t)c->batch * ex, sizeof(float));
    r.yb = bm_alloc((size_t)c->batch, 1);
    r.dl = bm_alloc((size_t)c->batch * BM_NUM_CLASSES, sizeof(float));
    r.perm = bm_alloc(r.train.n, sizeof(uint32_t));
    r.tty = isatty(2);

    tr_ckpt_meta meta = {.fingerprint = r.fingerprint};
    int quantized = 0;
    if (c->quant == TR_Q_BC || c->quant == TR_Q_TWN) {
        decide_depths(&r);
        quantized = 1;
    }
    if (c->resume) {
        if (tr_ckpt_load(c->resume, &meta, &r.model, &r.opt, &r.bopt) < 0)
            goto out;
        if (meta.epochs_done > (uint32_t)c->epochs || (meta.step && (meta.epochs_done == (uint32_t)c->epochs ||
                                                                      meta.step >= r.steps_per_epoch))) {
            bm_fail("%s: checkpoint position (epoch %u, batch %u) lies outside this run (%d epochs of %zu batches)",
                    c->resume, meta.epochs_done, meta.step, c->epochs, r.steps_per_epoch);
            goto out;
        }
        /* The counters must be the ones this run would have at that position: one optimizer step per batch,
         * beta's only in SQ's regularized batches, depths frozen exactly from the first fine-tuning batch. */
        uint64_t steps = (uint64_t)meta.epochs_done * r.steps_per_epoch + meta.step;
        int want_q = c->quant == TR_Q_BC || c->quant == TR_Q_TWN ||
                     (has_reg_phase(c->quant) && (meta.epochs_done > (uint32_t)r.reg_epochs ||
                                                  (meta.epochs_done == (uint32_t)r.reg_epochs && meta.step > 0)));
        uint64_t reg_steps = (uint64_t)r.reg_epochs * r.steps_per_epoch;
        uint64_t want_bt = c->quant == TR_Q_SQ ? (steps < reg_steps ? steps : reg_steps) : 0;
        if ((uint64_t)r.opt.t != steps || (uint64_t)r.bopt.t != want_bt ||
            (meta.step && meta.correct > (uint64_t)meta.step * (uint64_t)c->batch) || (int)meta.quantized != want_q ||
            !(meta.loss_sum >= 0) || !(meta.reg_sum >= 0)) {
            bm_fail("%s: checkpoint counters out of range for its position (epoch %u, batch %u): %ld optimizer "
                    "steps (expected %llu), %ld beta steps (expected %llu), %llu correct, quantized %u (expected %d), loss sums "
                    "%g, %g", c->resume, meta.epochs_done, meta.step, r.opt.t, (unsigned long long)steps,
                    r.bopt.t, (unsigned long long)want_bt, (unsigned long long)meta.correct, meta.quantized, want_q, meta.loss_sum, meta.reg_sum);
            goto out;
        }
        quantized = (int)meta.quantized;
        for (int i = 0; i < r.model.n; i++)
            if (quantized && r.model.layers[i].quantizable)
                r.model.layers[i].beta_frozen = 1;
        tr_model_quantize_weights(&r.model);
        if (!c->quiet)
            fprintf(stderr, "resumed from %s after epoch %u, batch %u\n", c->resume, meta.epochs_done, meta.step);
    }
    char ckpt_path[4096] = "";
    if (c->ckpt)
        snprintf(ckpt_path, sizeof ckpt_path, "%s", c->ckpt);
    else if (c->out)
        snprintf(ckpt_path, sizeof ckpt_path, "%s.ckpt", c->out);
    /* Written only when a stop signal arrives: an interrupted run is never lost, even without --ckpt/--out. */
    const char *stop_ckpt = ckpt_path[0] ? ckpt_path : TR_DEFAULT_STOP_CKPT;
    if (c->log) {
        /* Atomic as the model and checkpoints are: a run killed at any moment leaves the previous log whole
         * (a resumed run appends to a copy of it). */
        if (bm_atomic_open(&r.logf, c->log, c->resume != NULL) < 0)
            goto out;
        r.log = r.logf.f;
    }
    if (r.log) {
        json_object *o = json_object_new_object();
        jbool(o, "start", 1);
        jstr(o, "dataset", c->dataset);
        jstr(o, "model", spec);
        jstr(o, "quant", tr_quant_name(c->quant));
        jint(o, "epochs", c->epochs);
        jint(o, "reg_epochs", r.reg_epochs);
        jint(o, "ft_epochs", r.ft_epochs);
        jint(o, "freeze_step", (int64_t)r.freeze_step);
        jint(o, "steps_per_epoch", (int64_t)r.steps_per_epoch);
        jint(o, "batch", c->batch);
        json_object_object_add(o, "seed", json_object_new_uint64(c->seed));
        jint(o, "threads", c->threads);
        jstr(o, "openblas_core", openblas_get_corename());
        jint(o, "resumed_after", meta.epochs_done);
        jbool(o, "init_from_float", c->init != NULL);
        jstr(o, "depths", c->depths ? c->depths : "");
        if (log_line(&r, o) < 0)
            goto out;
    }
    if (!c->quiet)
        fprintf(stderr, "bitern train: %s, %zu train / %zu test examples, model %s%s, quant %s, %d epochs "
                        "(%zu regularized steps, then %zu fine-tuning), batch %d, seed %llu, threads %d%s%s\n",
                c->dataset, r.train.n, r.test.n, spec,
                c->act == 1 ? " (relu before quantized layers -> sign)" : c->act == 2 ? " (relu before quantized layers -> tern)" : "",
                tr_quant_name(c->quant), c->epochs, r.freeze_step,
                total_steps(&r) - r.freeze_step, c->batch, (unsigned long long)c->seed, c->threads,
                c->init ? ", from " : "",
                c->init ? c->init : "");
    for (int e = (int)meta.epochs_done; e < c->epochs; e++) {
        if (has_reg_phase(c->quant) && !quantized && (size_t)e * r.steps_per_epoch == r.freeze_step) {
            if (freeze(&r) < 0)
                goto out;
            quantized = 1;
        }
        int stopped = run_epoch(&r, e, &quantized, &meta);
        if (stopped < 0)
            goto out;
        if (stopped || (stop_signal && e + 1 < c->epochs)) {
            meta.epochs_done = (uint32_t)(stopped ? e : e + 1);
            meta.quantized = (uint32_t)quantized;
            if (tr_ckpt_save(stop_ckpt, &meta, &r.model, &r.opt, &r.bopt) < 0)
                goto out;
            const char *sig = stop_signal == SIGINT ? "SIGINT" : stop_signal == SIGTERM ? "SIGTERM" : "a signal";
            if (stopped)
                fprintf(stderr, "bitern train: %s: stopped in epoch %d after batch %u/%zu; checkpoint written to %s\n",
                        sig, e + 1, meta.step, r.steps_per_epoch, stop_ckpt);
            else
                fprintf(stderr, "bitern train: %s: stopped after epoch %d; checkpoint written to %s\n", sig, e + 1,
                        stop_ckpt);
            fprintf(stderr, "bitern train: to continue, run the same command with --resume %s\n", stop_ckpt);
            if (r.log) {
                json_object *o = json_object_new_object();
                jbool(o, "interrupted", 1);
                jstr(o, "signal", sig);
                jint(o, "epochs_done", meta.epochs_done);
                jint(o, "step", meta.step);
                jstr(o, "checkpoint", stop_ckpt);
                if (log_line(&r, o) < 0)
                    goto out;
            }
            rc = 1;
            goto out;
        }
        if (ckpt_path[0]) {
            meta.epochs_done = (uint32_t)e + 1;
            meta.quantized = (uint32_t)quantized;
            meta.step = 0;
            if (tr_ckpt_save(ckpt_path, &meta, &r.model, &r.opt, &r.bopt) < 0)
                goto out;
        }
        if (c->stop_after > 0 && e + 1 >= c->stop_after && e + 1 < c->epochs) {
            /* as if interrupted here: the checkpoint is all that remains */
            if (!c->quiet)
                fprintf(stderr, "stopping after epoch %d as asked (--stop-after)\n", e + 1);
            rc = 0;
            if (final_acc)
                *final_acc = -1.0;
            goto out;
        }
    }
    if (has_reg_phase(c->quant) && !quantized) {
        if (freeze(&r) < 0)   /* no fine-tuning: quantize the regularized net as it is */
            goto out;
        quantized = 1;
    }
    tr_model_quantize_weights(&r.model);
    double acc, loss;
    evaluate(&r, &acc, &loss);
    /* The freeze's accuracy is known when it happened in this process (not before a --resume). */
    int froze_here = has_reg_phase(c->quant) && r.freeze_acc[0] > 0.0;
    double lost = froze_here ? 100.0 * (r.freeze_acc[0] - acc) : 0.0;
    if (lost > TR_FREEZE_DROP_WARN)
        fprintf(stderr, "bitern train: warning: the final %s network is %.2f points below the regularized one "
                        "before the freeze (%.4f -> %.4f): fine-tuning did not win the freeze's loss back\n",
                tr_quant_name(c->quant), lost, r.freeze_acc[0], acc);
    if (!c->quiet) {   /* the result itself is the caller's to print (`bitern train` prints it on stdout) */
        fprintf(stderr, "final %s network: test loss %.4f; its layers:\n", tr_quant_name(c->quant), loss);
        log_layers(&r, stderr, 0);
    }
    if (r.log) {
        json_object *o = json_object_new_object();
        jbool(o, "final", 1);
        jstr(o, "quant", tr_quant_name(c->quant));
        jnum(o, "test_acc", "%.6f", acc);
        jnum(o, "test_loss", "%.6f", loss);
        if (froze_here) {
            jnum(o, "acc_before_freeze", "%.6f", r.freeze_acc[0]);
            jbool(o, "freeze_loss_flag", lost > TR_FREEZE_DROP_WARN);
        }
        json_object_object_add(o, "layers", log_layers(&r, NULL, 1));
        if (log_line(&r, o) < 0)
            goto out;
    }
    if (final_acc)
        *final_acc = acc;
    if (c->out) {
        if (tr_model_save(&r.model, c->out) < 0)
            goto out;
        if (!c->quiet)
            fprintf(stderr, "model written to %s\n", c->out);
        /* The model holds the result now; the checkpoint would only be a second, larger copy of the run. Without
         * --out the checkpoint is the result, and stays. */
        if (ckpt_path[0] && !c->keep_ckpt) {
            if (unlink(ckpt_path) < 0 && errno != ENOENT)
                fprintf(stderr, "bitern train: warning: cannot remove the finished run's checkpoint %s: %s\n",
                        ckpt_path, strerror(errno));
            else if (!c->quiet)
                fprintf(stderr, "checkpoint %s removed (the run finished; --keep-ckpt keeps it)\n", ckpt_path);
        }
    }
    rc = 0;
out:
    /* A failed run keeps the previous log, as it keeps the previous model. */
    if (rc >= 0 && bm_atomic_commit(&r.logf) < 0)
        rc = -1;
    bm_atomic_abort(&r.logf);
    free(desc);
    free(r.xb);
    free(r.yb);
    free(r.dl);
    free(r.perm);
    tr_optim_free(&r.opt);
    tr_beta_optim_free(&r.bopt);
    tr_model_free(&r.model);
    bm_dataset_free(&r.train);
    bm_dataset_free(&r.test);
    return rc;
}

int tr_evaluate_file(const char *model_path, const char *dataset, const char *data_dir, int batch, double *acc,
                     double *loss)
{
    run r;
    memset(&r, 0, sizeof r);
    tr_config c;
    tr_config_defaults(&c);
    c.batch = batch > 0 ? batch : 256;
    r.cfg = &c;
    int rc = -1;
    if (tr_model_load(model_path, &r.model, c.batch) < 0)
        return -1;
    if (bm_dataset_load(dataset, data_dir, &r.train, &r.test) < 0)
        goto out;
    if (r.model.in_c != r.test.c || r.model.in_h != r.test.h || r.model.in_w != r.test.w ||
        r.model.n_classes != BM_NUM_CLASSES) {
        bm_fail("%s: model input %dx%dx%d does not fit dataset %s (%dx%dx%d)", model_path, r.model.in_c,
                r.model.in_h, r.model.in_w, dataset, r.test.c, r.test.h, r.test.w);
        goto out;
    }
    tr_model_apply_norm(&r.model, &r.test);   /* normalise as the model was trained */
    size_t ex = (size_t)r.test.c * r.test.h * r.test.w;
    r.xb = bm_alloc((size_t)c.batch * ex, sizeof(float));
    r.yb = bm_alloc((size_t)c.batch, 1);
    evaluate(&r, acc, loss);
    if (!isfinite(*loss)) {   /* the loader bounds every field, yet a report of "loss nan" is never an answer */
        bm_fail("%s: the model's outputs on %s are not finite (loss %g)", model_path, dataset, *loss);
        goto out;
    }
    rc = 0;
out:
    free(r.xb);
    free(r.yb);
    tr_model_free(&r.model);
    bm_dataset_free(&r.train);
    bm_dataset_free(&r.test);
    return rc;
}
