/* SPDX-License-Identifier: MIT */
/*
 * The engine against the trainer's own quantized forward pass on real MNIST: for models covering every kernel
 * path (int8 activations into b1/t2 weights, conv and dense; sign activations into b1b1/t2b1; tern and padded
 * sign convs into t2t2; a fully quantized model whose first conv sees raw inputs), trained briefly here,
 * saved, loaded back by both sides:
 *   - the same class on >= 99.5% of the 10000 test images, accuracy within 0.2 points;
 *   - bit-identical logits (memcmp) at every ISA level this CPU runs, at 1-3 threads, in calls of 1, 2, 7 and
 *     64 images (batch 1 on 2 threads, and 2 on 3, split each op's outputs instead of the batch): the integer kernels are exact and the float layers sum every output in one fixed order.
 *     (A tolerance here hid the bug it should catch: on AMD EPYC, OpenBLAS rounded a float layer
 *     differently per batch chunk and a sign activation after it flipped.)
 * Skips (77) when the data is absent. `test_engine_agree DATA_DIR model.btn...` compares given MNIST models
 * instead of training its own.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bitern.h>
#include <cblas.h>

#include "compile_tr.h"
#include "train/model_file.h"
#include "train/train.h"

static int failures;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

typedef struct mcase {
    const char *name, *model;
    tr_quant_mode quant;
    int act, quant_all;
    const char *expect_kernels;   /* kernels that must appear among the ops */
    int given;                    /* model is a file to compare, not a spec to train */
} mcase;

static const mcase cases[] = {
    {"lenet-sq", "lenet", TR_Q_SQ, 0, 0, NULL, 0},
    {"lenet-binary", "lenet", TR_Q_BINARY, 0, 0, "b1i8", 0},
    {"mlp-sq-act-binary", "mlp", TR_Q_SQ, 1, 0, NULL, 0},
    {"lenet-ternary-act-ternary", "lenet", TR_Q_TERNARY, 2, 0, "t2t2", 0},
    /* padded 3x3 convs after sign: the zero padding forces T2 activations and widened binary weights */
    {"padded-binary-act-binary", "conv3x3:8,bn,relu,pool2,conv3x3:16,bn,relu,pool2,fc:64,bn,relu,fc:10",
     TR_Q_BINARY, 1, 0, "t2t2", 0},
    {"padded-ternary-act-binary", "conv3x3:8,bn,relu,pool2,conv3x3:16,bn,relu,pool2,fc:64,bn,relu,fc:10",
     TR_Q_TERNARY, 1, 0, "t2t2", 0},
    /* quant-all: the first conv takes the normalised image (negative values, padding) as int8 */
    {"cnn-ternary-all", "conv3x3:8,bn,relu,pool2,conv3x3:16,bn,relu,pool2,fc:10", TR_Q_TERNARY, 0, 1, "t2i8", 0},
};

static int has_kernel(const bte_engine *e, const char *k)
{
    for (int i = 0; i < bte_n_ops(e); i++) {
        bte_op_info inf;
        bte_op_get(e, i, &inf);
        if (!strcmp(inf.kernel, k))
            return 1;
    }
    return 0;
}

/* Logits of the first n images in calls of `call` images. */
static float *engine_logits_by(bte_engine *e, const float *x, size_t n, int threads, size_t call)
{
    float *z = malloc(n * 10 * sizeof(float));
    bte_set_threads(e, threads);
    for (size_t s = 0; s < n; s += call) {
        int nb = (int)(n - s < call ? n - s : call);
        if (bte_forward(e, x + s * 784, nb, z + s * 10) < 0) {
            CHECK(0, "bte_forward: %s", bte_error());
            break;
        }
    }
    return z;
}

static float *engine_logits(bte_engine *e, const float *x, size_t n, int threads)
{
    return engine_logits_by(e, x, n, threads, 64);
}

static void compare(const mcase *mc, const char *path, const bm_dataset *test, const float *x);

static void run_case(const mcase *mc, const char *data_dir, const char *dir, const bm_dataset *test,
                     const float *x)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.btn", dir, mc->name);
    if (mc->given) {   /* a given model file: compare only */
        snprintf(path, sizeof path, "%s", mc->model);
        compare(mc, path, test, x);
        return;
    }
    tr_config c;
    tr_config_defaults(&c);
    c.dataset = "mnist";
    c.data_dir = data_dir;
    c.model = mc->model;
    c.quant = mc->quant;
    c.act = mc->act;
    c.quant_all = mc->quant_all;
    c.epochs = 2;            /* one regularized epoch, one fine-tuning epoch */
    c.limit_train = 8000;
    c.limit_test = 1000;
    c.quiet = 1;
    c.out = path;
    char ckpt[600];
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", path);
    c.ckpt = ckpt;
    if (tr_train_run(&c, NULL) < 0) {
        CHECK(0, "%s: training failed: %s", mc->name, bm_error());
        return;
    }
    compare(mc, path, test, x);
    unlink(path);
    unlink(ckpt);
}

static void compare(const mcase *mc, const char *path, const bm_dataset *test, const float *x)
{
    size_t n = test->n;
    tr_model m;
    if (tr_model_load(path, &m, 100) < 0) {
        CHECK(0, "%s: load: %s", mc->name, bm_error());
        return;
    }
    int *tpred = malloc(n * sizeof(int));
    size_t tcorrect = 0;
    for (size_t s = 0; s < n; s += 100) {
        int nb = (int)(n - s < 100 ? n - s : 100);
        const float *z = tr_model_forward(&m, x + s * 784, nb, 0);
        for (int j = 0; j < nb; j++) {
            tpred[s + j] = bte_argmax(z + j * 10, 10);
            tcorrect += tpred[s + j] == test->y[s + j];
        }
    }
    bte_engine *e = compile_tr(&m);
    tr_model_free(&m);
    if (!e) {
        CHECK(0, "%s: compile: %s", mc->name, bte_error());
        free(tpred);
        return;
    }
    if (mc->expect_kernels)
        CHECK(has_kernel(e, mc->expect_kernels), "%s: no op uses %s", mc->name, mc->expect_kernels);

    bitern_set_isa("native");
    float *ref = engine_logits(e, x, n, 1);
    size_t same = 0, ecorrect = 0;
    for (size_t i = 0; i < n; i++) {
        int p = bte_argmax(ref + i * 10, 10);
        same += p == tpred[i];
        ecorrect += p == test->y[i];
    }
    double agree = (double)same / n, tacc = 100.0 * tcorrect / n, eacc = 100.0 * ecorrect / n;
    fprintf(stderr, "%-28s trainer %.2f%%  engine %.2f%%  same class %.2f%%  kernels:", mc->name, tacc, eacc,
            100.0 * agree);
    for (int i = 0; i < bte_n_ops(e); i++) {
        bte_op_info inf;
        bte_op_get(e, i, &inf);
        fprintf(stderr, " %s", inf.kernel);
    }
    fputc('\n', stderr);
    CHECK(agree >= 0.995, "%s: only %.2f%% of the predictions agree", mc->name, 100.0 * agree);
    CHECK(fabs(tacc - eacc) <= 0.2, "%s: accuracy %.2f vs the trainer's %.2f", mc->name, eacc, tacc);

    /* Every ISA level, thread count and batch shape gives the very same logits: the kernels are exact and the
     * float layers' sums do not depend on the level or the split. 3 threads at batch 64 run chunks of 21-22
     * images; batch 1 takes the GEMV paths; 7 leaves tails in every tile; 1 on 2 threads and 2 on 3 split the
     * output channels and patch tiles of every op. */
    const struct { int threads; size_t call, n; } shapes[] = {
        {3, 64, n}, {1, 1, 500}, {1, 7, 2000}, {2, 7, 2000},
        {2, 1, 500}, {3, 2, 500},   /* fewer images than threads: the threads share each op */
    };
    for (int isa = 0; isa < BITERN_ISA_COUNT; isa++) {
        if (!bitern_isa_supported((bitern_isa)isa))
            continue;
        const char *name = bitern_isa_level_name((bitern_isa)isa);
        if (bitern_set_isa(name) != BITERN_OK) {
            CHECK(0, "set_isa %s: %s", name, bitern_last_error());
            continue;
        }
        float *z = engine_logits(e, x, n, 1);
        CHECK(memcmp(z, ref, n * 10 * sizeof(float)) == 0, "%s: logits differ at isa %s", mc->name, name);
        free(z);
        for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
            /* the scalar reference kernels are deliberately plain: a tenth of the images there keeps CI short */
            size_t ns = isa == BITERN_ISA_SCALAR ? shapes[si].n / 10 : shapes[si].n;
            z = engine_logits_by(e, x, ns, shapes[si].threads, shapes[si].call);
            size_t bad = 0;
            for (size_t i = 0; i < ns; i++)
                bad += memcmp(z + i * 10, ref + i * 10, 10 * sizeof(float)) != 0;
            CHECK(bad == 0, "%s: isa %s, %d threads, calls of %zu: %zu of %zu images' logits differ from 1 thread "
                  "at batch 64", mc->name, name, shapes[si].threads, shapes[si].call, bad, ns);
            free(z);
        }
    }
    bitern_set_isa("native");
    free(ref);
    free(tpred);
    bte_free(e);
}

int main(int argc, char **argv)
{
    /* $BITERN_DATA, as users set it, over the directory meson passes (-Ddata_dir, default ../shared/data). */
    const char *data_dir = getenv("BITERN_DATA") ? getenv("BITERN_DATA") : argc > 1 ? argv[1] : "../shared/data";
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/mnist", data_dir);
    struct stat st;
    if (stat(probe, &st) != 0) {
        printf("SKIP: MNIST not found under %s (pass the data directory as the first argument)\n", data_dir);
        return 77;
    }
    openblas_set_num_threads(1);
    bm_dataset train, test;
    if (bm_dataset_load("mnist", data_dir, &train, &test) < 0) {
        fprintf(stderr, "FAIL: loading MNIST from %s: %s\n", data_dir, bm_error());
        return 1;
    }
    bm_dataset_free(&train);
    float *x = malloc(test.n * 784 * sizeof(float));
    bte_dataset_floats(&test, 0, test.n, x);
    char dir[] = "/tmp/bitern-engine-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    if (argc > 2) {   /* model files given: compare those instead of training */
        for (int i = 2; i < argc; i++) {
            mcase mc = {argv[i], argv[i], TR_Q_FLOAT, 0, 0, NULL, 1};
            run_case(&mc, data_dir, dir, &test, x);
        }
    } else {
        const char *only = getenv("ENGINE_TEST_ONLY");   /* run one case by name while debugging */
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            if (!only || !strcmp(only, cases[i].name))
                run_case(&cases[i], data_dir, dir, &test, x);
    }
    rmdir(dir);
    free(x);
    bm_dataset_free(&test);
    fprintf(stderr, "test_agree: %d failures\n", failures);
    return failures ? 1 : 0;
}
