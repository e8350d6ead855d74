/* SPDX-License-Identifier: MIT */
/*
 * Every kernel path of the engine against the trainer's forward pass on small random models, no dataset
 * needed. The models are chosen so that the engine has nothing to approximate: the quantized layer sees either
 * the raw input on the int8 grid (k/128 with one value at 127/128 per example, so dynamic quantization is
 * exact) or the output of a sign/tern layer. The engine must then match to float rounding, which checks the
 * patch order, padding, stride, packing, kernel choice, bn folding and fused relu. One deeper model, with
 * int8 re-quantization between layers, is checked against a looser bound. Batches of 5 at 1 and 2 threads,
 * and batch 1, at every ISA level the CPU runs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bitern.h>
#include <cblas.h>

#include "compile_tr.h"
#include "engine/engine_internal.h"   /* share_min: the tests split even their small ops over threads */

static int failures, checks;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

enum { IN_C = 10, IN_H = 9, IN_W = 11, BATCH = 5 };

typedef struct pcase {
    const char *spec;
    int grid;          /* input on the int8 grid (the first quantized layer sees it directly) */
    double tol;        /* bound on |engine - trainer| / (1 + max |trainer|) per example */
    const char *kernel_b, *kernel_t;   /* kernel expected for binary / ternary weights (NULL: don't check) */
} pcase;

static const pcase cases[] = {
    {"conv3x3:16", 1, 1e-4, "b1i8", "t2i8"},
    {"conv3x3:16:p0:s2,bn,relu", 1, 1e-4, "b1i8", "t2i8"},
    {"conv5x5:8:p2,bn", 1, 1e-4, "b1i8", "t2i8"},
    {"conv2x2:12:p1", 1, 1e-4, "b1i8", "t2i8"},
    {"conv1x1:70,relu", 1, 1e-4, "b1i8", "t2i8"},
    {"fc:33,bn,relu", 1, 1e-4, "b1i8", "t2i8"},
    {"sign,conv3x3:16,bn,relu", 0, 1e-4, "t2t2", "t2t2"},   /* padding: T2 activations */
    {"sign,conv3x3:16:p0", 0, 1e-4, "b1b1", "t2b1"},
    {"tern,conv3x3:16:s2", 0, 1e-4, "t2t2", "t2t2"},
    {"sign,pool2,fc:20", 0, 1e-4, "b1b1", "t2b1"},          /* the pool keeps the +-1 domain */
    {"tern,fc:20,bn", 0, 1e-4, "t2t2", "t2t2"},
    /* residual blocks (identity, option A at stride 2 on 9x11 and wider, nested), global average pooling; the
     * second quantized conv re-quantizes its input to int8 */
    {"mark,conv3x3:10,bn,add,relu,gap", 1, 1e-4, "b1i8", "t2i8"},
    {"mark,conv3x3:16:s2,bn,relu,mark,conv3x3:16,add,add,gap,fc:7", 1, 0.05, NULL, NULL},
    {"bn,htanh,sign,drop:0.1,conv3x3:8:p0,relu", 0, 1e-4, "b1b1", "t2b1"},
    /* sign / tern / htanh fused into a GEMM op's output, the next layer packing it (a float rounding
     * difference could flip a sign near 0: with this seed none does) */
    {"sign,conv3x3:16:p0,bn,sign,fc:12", 0, 1e-4, "b1b1", "t2b1"},
    {"tern,conv3x3:16,tern,conv1x1:12,htanh", 0, 1e-4, "t2t2", "t2t2"},
    /* two quantized layers: the second re-quantizes its input to int8 (about 1% error per layer) */
    {"conv3x3:16,bn,relu,pool2,conv3x3:24,bn,relu,fc:10", 0, 0.05, NULL, NULL},
    /* K = 360: two patch tiles of 91 and 8 pixels, split by tile on 2 threads and by output channel on 3 */
    {"conv1x1:40,relu,conv3x3:16,bn,relu", 1, 0.05, NULL, NULL},
};

static void fill_input(float *x, size_t n, size_t per, int grid, bm_rng *rng)
{
    for (size_t i = 0; i < n * per; i++)
        x[i] = grid ? (float)((int)bm_rng_below(rng, 255) - 127) / 128.0f : bm_rng_normal(rng);
    if (grid)
        for (size_t j = 0; j < n; j++)
            x[j * per] = 127.0f / 128.0f;   /* pins absmax, so scale = 1/128 exactly */
}

static void randomize(tr_model *m, int depth, bm_rng *rng)
{
    for (int i = 0; i < m->n; i++) {
        tr_layer *l = &m->layers[i];
        if (l->type == BM_DENSE || l->type == BM_CONV) {
            for (int r = 0; r < l->out_c; r++)
                l->b[r] = 0.1f * bm_rng_normal(rng);
            l->depth = depth;
            l->thr_mode = TR_THR_TWN;
            l->per_channel = 1;
            tr_layer_quantize(l);
        } else if (l->type == BM_BN) {
            for (int c = 0; c < l->in_c; c++) {
                l->gamma[c] = 0.5f + bm_rng_uniform(rng);
                l->bshift[c] = 0.2f * bm_rng_normal(rng);
                l->rmean[c] = 0.3f * bm_rng_normal(rng);
                l->rvar[c] = 0.5f + bm_rng_uniform(rng);
            }
        }
    }
}

static double max_err(const float *a, const float *b, size_t n, size_t per)
{
    double worst = 0.0;
    for (size_t j = 0; j < n; j++) {
        double mx = 0.0, d = 0.0;
        for (size_t i = 0; i < per; i++) {
            mx = fmax(mx, fabs(b[j * per + i]));
            d = fmax(d, fabs((double)a[j * per + i] - b[j * per + i]));
        }
        worst = fmax(worst, d / (1.0 + mx));
    }
    return worst;
}

static void run_case(const pcase *pc, int depth, bm_rng *rng)
{
    const char *dname = depth == BM_DEPTH_BINARY ? "binary" : depth == BM_DEPTH_TERNARY ? "ternary" : "float";
    bm_layer_desc *desc;
    int nd;
    if (bm_spec_parse(pc->spec, &desc, &nd) < 0) {
        CHECK(0, "%s: %s", pc->spec, bm_error());
        return;
    }
    tr_model m;
    if (tr_model_build(&m, desc, nd, IN_C, IN_H, IN_W, 0, BATCH, rng) < 0) {
        CHECK(0, "%s: %s", pc->spec, bm_error());
        free(desc);
        return;
    }
    free(desc);
    randomize(&m, depth, rng);
    size_t in = (size_t)IN_C * IN_H * IN_W, out = tr_layer_out_size(&m.layers[m.n - 1]);
    float *x = malloc(BATCH * in * sizeof(float)), *z = malloc(BATCH * out * sizeof(float));
    float *t = malloc(BATCH * out * sizeof(float));
    fill_input(x, BATCH, in, pc->grid, rng);
    memcpy(t, tr_model_forward(&m, x, BATCH, 0), BATCH * out * sizeof(float));
    bte_engine *e = compile_tr(&m);
    tr_model_free(&m);
    if (!e) {
        CHECK(0, "%s (%s): %s", pc->spec, dname, bte_error());
        goto out;
    }
    const char *want = depth == BM_DEPTH_BINARY ? pc->kernel_b : depth == BM_DEPTH_TERNARY ? pc->kernel_t : "f32";
    if (want) {
        int found = 0;
        for (int i = 0; i < bte_n_ops(e); i++) {
            bte_op_info inf;
            bte_op_get(e, i, &inf);
            found |= inf.kernel && !strcmp(inf.kernel, want);
        }
        CHECK(found, "%s (%s): no op runs %s", pc->spec, dname, want);
    }
    for (int isa = 0; isa < BITERN_ISA_COUNT; isa++) {
        if (!bitern_isa_supported((bitern_isa)isa))
            continue;
        const char *iname = bitern_isa_level_name((bitern_isa)isa);
        bitern_set_isa(iname);
        for (int threads = 1; threads <= 2; threads++) {
            bte_set_threads(e, threads);
            CHECK(bte_forward(e, x, BATCH, z) == 0, "%s: %s", pc->spec, bte_error());
            double err = max_err(z, t, BATCH, out);
            CHECK(err <= pc->tol, "%s (%s, %s, %d threads): error %g > %g", pc->spec, dname, iname, threads, err,
                  pc->tol);
        }
        bte_set_threads(e, 1);
        for (int j = 0; j < BATCH; j++) {
            CHECK(bte_forward(e, x + j * in, 1, z) == 0, "%s: %s", pc->spec, bte_error());
            double err = max_err(z, t + j * out, 1, out);
            CHECK(err <= pc->tol, "%s (%s, %s, batch 1, example %d): error %g", pc->spec, dname, iname, j, err);
            /* batch 1 on 2 and 3 threads shares every op (share_min 0): the very same logits */
            float *z1 = malloc(out * sizeof(float));
            for (int threads = 2; threads <= 3; threads++) {
                e->share_min = 0;
                bte_set_threads(e, threads);
                CHECK(bte_forward(e, x + j * in, 1, z1) == 0, "%s: %s", pc->spec, bte_error());
                CHECK(memcmp(z1, z, out * sizeof(float)) == 0, "%s (%s, %s, batch 1 on %d threads, example %d): "
                      "logits differ from 1 thread", pc->spec, dname, iname, threads, j);
            }
            free(z1);
            e->share_min = BE_SHARE_MIN_MACS;
            bte_set_threads(e, 1);
        }
    }
    bitern_set_isa("native");
    bte_free(e);
out:
    free(x);
    free(z);
    free(t);
}

/* Bad input to the API: non-finite activations are an error, not garbage. */
static void check_errors(bm_rng *rng)
{
    bm_layer_desc *desc;
    int nd;
    tr_model m;
    bm_spec_parse("fc:4,relu,fc:3", &desc, &nd);
    tr_model_build(&m, desc, nd, 1, 2, 3, 3, 2, rng);
    free(desc);
    tr_model_mark_quantizable(&m, 1);
    randomize(&m, BM_DEPTH_TERNARY, rng);
    bte_engine *e = compile_tr(&m);
    tr_model_free(&m);
    CHECK(e != NULL, "compile: %s", bte_error());
    if (!e)
        return;
    float x[6] = {1, 2, 3, NAN, 5, 6}, z[3];
    CHECK(bte_forward(e, x, 1, z) < 0, "NaN input accepted");
    CHECK(strstr(bte_error(), "finite") != NULL, "message: %s", bte_error());
    CHECK(bte_set_threads(e, 0) < 0, "0 threads accepted");
    CHECK(bte_forward(e, NULL, 1, z) < 0, "NULL input accepted");
    bte_free(e);
    CHECK(bte_load("/nonexistent/model.btn") == NULL && *bte_error(), "missing file loaded");
}

/* The vectorized 2x2 pool row against the trainer's order of comparisons, bit for bit: every width 1..21 (the
 * 4-wide steps and their tails), values from a set full of ties, +0 against -0 included. */
static void check_pool2_row(bm_rng *rng)
{
    static const float vals[] = {-1.0f, -0.0f, 0.0f, 1.0f, 2.0f, 0.5f};
    for (int OW = 1; OW <= 21; OW++)
        for (int rep = 0; rep < 50; rep++) {
            float r0[42], r1[42], got[21], want[21];
            for (int i = 0; i < 2 * OW; i++) {
                r0[i] = vals[bm_rng_next(rng) % 6];
                r1[i] = vals[bm_rng_next(rng) % 6];
            }
            be_pool2_row(r0, r1, got, OW);
            for (int ow = 0; ow < OW; ow++) {
                float t = r0[2 * ow];
                t = r0[2 * ow + 1] > t ? r0[2 * ow + 1] : t;
                t = r1[2 * ow] > t ? r1[2 * ow] : t;
                t = r1[2 * ow + 1] > t ? r1[2 * ow + 1] : t;
                want[ow] = t;
            }
            CHECK(memcmp(got, want, (size_t)OW * sizeof(float)) == 0, "pool2 row of width %d differs", OW);
        }
}

int main(void)
{
    openblas_set_num_threads(1);
    bm_rng rng;
    bm_rng_seed(&rng, 42);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int depth = BM_DEPTH_FLOAT; depth <= BM_DEPTH_TERNARY; depth++)
            run_case(&cases[i], depth, &rng);
    check_errors(&rng);
    check_pool2_row(&rng);
    fprintf(stderr, "test_paths: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
