/* SPDX-License-Identifier: MIT */
/*
 * `bitern eval model.btn --dataset D`: accuracy of the engine on the test split, batch-1 latency (median, p99),
 * batch-64 throughput for 1..T threads, model size, and where the time goes per op.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bitern.h>

#include "engine/engine.h"
#include "engine/json_out.h"
#include "engine/measure.h"
#include "model/btn.h"
#include "model/files.h"
#include "model/serial.h"
#include "model/util.h"
#include "tools/options.h"
#include "tools/cmd_eval.h"


static void usage(FILE *f)
{
    fprintf(f,
            "usage: bitern eval model.btn --dataset mnist|fashion-mnist|cifar10 [options]\n"
            "  --data-dir DIR   where the dataset is (else $BITERN_DATA, ~/.local/share/bitern/datasets, then\n"
            "                   /usr/share/datasets: see bitern data list)\n"
            "  --isa LEVEL      kernel level: scalar|avx2|avx512|neon|neon-dotprod|native\n"
            "  --threads T      threads over the batch; throughput is measured for 1..T (default 1)\n"
            "  --limit N        use the first N test images (default: all)\n"
            "  --latency-n N    images timed one by one at batch 1 (default 1000)\n"
            "  --json           one JSON object on stdout instead of the text report\n"
            "  --predictions F  write the predicted class of each image to F, one per line (atomically)\n");
}

static const char *depth_name(int d)
{
    return d == BM_DEPTH_FLOAT ? "float" : d == BM_DEPTH_BINARY ? "binary" : d == BM_DEPTH_TERNARY ? "ternary" : "-";
}

typedef bte_eval_opts opts;

int bte_eval_parse_args(int argc, char **argv, opts *o)
{
    enum { O_DATASET = 256, O_DATA_DIR, O_ISA, O_THREADS, O_LIMIT, O_LATENCY_N, O_JSON, O_HELP, O_PREDICTIONS, O_VERSION };
    static const struct option lo[] = {
        {"dataset", 1, 0, O_DATASET}, {"data-dir", 1, 0, O_DATA_DIR}, {"isa", 1, 0, O_ISA},
        {"threads", 1, 0, O_THREADS}, {"limit", 1, 0, O_LIMIT}, {"latency-n", 1, 0, O_LATENCY_N},
        {"json", 0, 0, O_JSON}, {"help", 0, 0, O_HELP}, {"predictions", 1, 0, O_PREDICTIONS},
        {"version", 0, 0, O_VERSION}, {0, 0, 0, 0}};
    *o = (opts){.dataset = NULL, .threads = 1, .limit = 0, .lat_n = 1000};
    optind = 0;   /* a full reset: the fuzzer parses many command lines in one process */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        const char *v = optarg, *a = argv[optind - 1];
        switch (c) {
        case 'h': case O_HELP: usage(stdout); return 1;
        case O_VERSION: printf("bitern %s\n", bitern_version()); return 1;
        case ':': fprintf(stderr, "bitern eval: %s needs a value\n", a); return -1;
        case '?': fprintf(stderr, "bitern eval: unknown option '%s'\n", a); return -1;
        case O_JSON: o->json = 1; break;
        case O_DATASET: o->dataset = v; break;
        case O_DATA_DIR: o->data_dir = v; break;
        case O_ISA: o->isa = v; break;
        case O_PREDICTIONS: o->predictions = v; break;
        case O_THREADS: if (bitern_opt_long("eval", "--threads", v, 1, 256, &o->threads) < 0) return -1; break;
        case O_LIMIT: if (bitern_opt_long("eval", "--limit", v, 1, 1L << 30, &o->limit) < 0) return -1; break;
        case O_LATENCY_N: if (bitern_opt_long("eval", "--latency-n", v, 1, 1L << 30, &o->lat_n) < 0) return -1; break;
        default: return -1;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->model) {
            fprintf(stderr, "bitern eval: more than one model given ('%s', '%s')\n", o->model, argv[i]);
            return -1;
        }
        o->model = argv[i];
    }
    if (!o->model || !o->dataset) {
        fprintf(stderr, "bitern eval: a model file and --dataset are required\n");
        usage(stderr);
        return -1;
    }
    if (strcmp(o->dataset, "mnist") && strcmp(o->dataset, "fashion-mnist") && strcmp(o->dataset, "cifar10")) {
        fprintf(stderr, "bitern eval: --dataset: unknown dataset '%s' (mnist, fashion-mnist, cifar10)\n", o->dataset);
        return -1;
    }
    return 0;
}

/* One class per line; the file appears whole or not at all. */
static int write_predictions(const char *path, const int *pred, size_t n)
{
    char *buf = malloc(n * 4 + 1);
    if (!buf)
        return bm_fail("out of memory for %zu predictions", n);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(buf + len, "%d\n", pred[i]);   /* classes are < 1000: at most 4 bytes a line */
    const void *parts[1] = {buf};
    int rc = bm_write_file_atomic(path, parts, &len, 1);
    free(buf);
    return rc;
}

static double bits_per_weight(const bte_size *z)
{
    return z->weights ? 8.0 * (double)z->bytes / (double)z->weights : 0.0;
}

/* Only what the quantized layers' weights cost: their packed rows and scales. */
static double quant_bits_per_weight(const bte_size *z)
{
    return z->quant_weights ? 8.0 * (double)(z->packed_bytes + z->scale_bytes) / (double)z->quant_weights : 0.0;
}

static void report_text(const opts *o, bte_engine *e, const bte_results *r)
{
    bte_size z;
    bte_model_size(e, &z);
    printf("model %s on %s (%zu test images), kernels %s\n", o->model, o->dataset, r->n, bitern_isa_name());
    printf("accuracy        %.2f%%\n", 100.0 * r->acc);
    printf("latency batch 1 median %.1f us, p99 %.1f us (%zu images, 1 thread)\n", 1e6 * r->lat_med, 1e6 * r->lat_p99,
           r->lat_n);
    for (int t = 1; t < r->n_thr; t++)
        printf("latency batch 1 median %.1f us on %d threads (%.2fx one thread)\n", 1e6 * r->lat_thr[t], t + 1,
               r->lat_thr[t] > 0 ? r->lat_med / r->lat_thr[t] : 0.0);
    for (int t = 0; t < r->n_thr; t++)
        printf("throughput batch %d, %d thread%s: %.0f images/s\n", BTE_BATCH, t + 1, t ? "s" : "", r->ips[t]);
    if (r->n_thr > 1)
        printf("predictions identical at every thread count: %s\n", r->deterministic ? "yes" : "NO");
    printf("model bytes     %zu = %zu packed + %zu scales + %zu float; %zu weights, %.3f bits/weight overall\n",
           z.bytes, z.packed_bytes, z.scale_bytes, z.float_bytes, z.weights, bits_per_weight(&z));
    printf("quantized       %zu weights, %.3f bits/weight (packed rows + scales)\n", z.quant_weights,
           quant_bits_per_weight(&z));
    printf("%-5s %-26s %-8s %-8s %10s %10s %8s %8s %8s %8s %8s\n", "layer", "op", "depth", "kernel", "weights",
           "bytes", "time@1", "time@64", "op us", "gemm us", "bare us");
    for (int i = 0; i < bte_n_ops(e); i++) {
        bte_op_info inf;
        bte_op_get(e, i, &inf);
        printf("%-5d %-26s %-8s %-8s %10zu %10zu %7.1f%% %7.1f%% %8.2f %8.2f %8.2f\n", inf.first_layer, inf.name,
               depth_name(inf.depth), inf.kernel, inf.weights, inf.bytes, 100.0 * r->share1[i],
               100.0 * r->share64[i], 1e6 * r->op1[i], 1e6 * r->kern1[i], 1e6 * r->bare1[i]);
    }
    printf("bare GEMMs %.1f us in all; batch-1 latency / that: %.2f\n", 1e6 * r->bare_sum,
           r->bare_sum > 0 ? r->lat_med / r->bare_sum : 0.0);
}

static void report_json(const opts *o, bte_engine *e, const bte_results *r)
{
    bte_size z;
    bte_model_size(e, &z);
    printf("{\"model\":");
    bte_json_str(stdout, o->model);
    printf(",\"dataset\":");
    bte_json_str(stdout, o->dataset);
    printf(",\"isa\":\"%s\"", bitern_isa_name());
    printf(",\"images\":%zu,\"accuracy\":%.6f", r->n, r->acc);
    printf(",\"latency_batch1\":{\"images\":%zu,\"median_us\":%.3f,\"p99_us\":%.3f}", r->lat_n, 1e6 * r->lat_med,
           1e6 * r->lat_p99);
    printf(",\"latency_batch1_threads\":[");
    for (int t = 0; t < r->n_thr; t++)
        printf("%s{\"threads\":%d,\"median_us\":%.3f}", t ? "," : "", t + 1, 1e6 * r->lat_thr[t]);
    printf("]");
    printf(",\"throughput_batch%d\":[", BTE_BATCH);
    for (int t = 0; t < r->n_thr; t++)
        printf("%s{\"threads\":%d,\"images_per_s\":%.1f}", t ? "," : "", t + 1, r->ips[t]);
    printf("],\"deterministic_across_threads\":%s", r->deterministic ? "true" : "false");
    printf(",\"model_bytes\":%zu,\"packed_bytes\":%zu,\"scale_bytes\":%zu,\"float_bytes\":%zu", z.bytes,
           z.packed_bytes, z.scale_bytes, z.float_bytes);
    printf(",\"weights\":%zu,\"bits_per_weight\":%.4f,\"quantized_weights\":%zu,\"quantized_bits_per_weight\":%.4f",
           z.weights, bits_per_weight(&z), z.quant_weights, quant_bits_per_weight(&z));
    printf(",\"bare_kernels_us\":%.3f,\"latency_over_bare_kernels\":%.3f", 1e6 * r->bare_sum,
           r->bare_sum > 0 ? r->lat_med / r->bare_sum : 0.0);
    printf(",\"layers\":[");
    for (int i = 0; i < bte_n_ops(e); i++) {
        bte_op_info inf;
        bte_op_get(e, i, &inf);
        printf("%s{\"first_layer\":%d,\"op\":", i ? "," : "", inf.first_layer);
        bte_json_str(stdout, inf.name);
        printf(",\"depth\":\"%s\",\"kernel\":\"%s\",\"weights\":%zu,\"bytes\":%zu,\"packed_bytes\":%zu,"
               "\"scale_bytes\":%zu,\"float_bytes\":%zu,\"time_share\":%.4f,\"time_share_batch64\":%.4f,"
               "\"op_us\":%.3f,\"gemm_us\":%.3f,\"bare_kernel_us\":%.3f,\"overhead_us\":%.3f}",
               depth_name(inf.depth), inf.kernel, inf.weights, inf.bytes, inf.packed_bytes, inf.scale_bytes,
               inf.float_bytes, r->share1[i], r->share64[i], 1e6 * r->op1[i], 1e6 * r->kern1[i], 1e6 * r->bare1[i],
               1e6 * (r->op1[i] - r->bare1[i]));
    }
    printf("]}\n");
}

int bitern_cmd_eval(int argc, char **argv)
{
    opts o;
    int prc = bte_eval_parse_args(argc, argv, &o);
    if (prc)
        return prc > 0 ? 0 : 2;
    if (o.isa && bitern_set_isa(o.isa) != BITERN_OK) {
        fprintf(stderr, "bitern eval: --isa %s: %s\n", o.isa, bitern_last_error());
        return 2;
    }
    if (o.predictions) {
        /* the one output: it must not name the model or a dataset file (an aliased path would overwrite them) */
        bm_path_set ps = {0};
        bm_paths_add(&ps, "the model", o.model, 0, 0);
        bm_paths_add(&ps, "--predictions", o.predictions, 1, 0);
        char data[BM_DATASET_MAX_FILES][BM_DATA_PATH_MAX];
        int nd = bm_dataset_files(o.dataset, o.data_dir, data);
        for (int i = 0; i < nd; i++)
            bm_paths_add(&ps, "the dataset file", data[i], 0, 0);
        if (bm_paths_check(&ps) < 0 || bm_check_writable("--predictions", o.predictions, 1) < 0) {
            fprintf(stderr, "bitern eval: %s\n", bm_error());
            return 2;
        }
    }
    bm_dataset train = {0}, test = {0};
    float *x = NULL;
    bte_results r = {0};
    int rc = 1;
    /* The model is kept until the dataset is there: its stored input normalisation is what the test images
     * must get (bm_model_apply_norm), as train --eval gives them. */
    bm_model m;
    if (bm_model_load(o.model, &m) < 0) {
        fprintf(stderr, "bitern eval: %s\n", bm_error());
        return 1;
    }
    bte_engine *e = bte_compile(&m);
    if (!e) {
        fprintf(stderr, "bitern eval: %s\n", bte_error());
        bm_model_free(&m);
        return 1;
    }
    if (bm_dataset_load(o.dataset, o.data_dir, &train, &test) < 0) {
        fprintf(stderr, "bitern eval: %s\n", bm_error());
        goto out;
    }
    bm_dataset_free(&train);
    bm_model_apply_norm(&m, &test);
    int ic, ih, iw, nc;
    bte_shape(e, &ic, &ih, &iw, &nc);
    if (test.c != ic || test.h != ih || test.w != iw) {
        fprintf(stderr, "bitern eval: %s takes %dx%dx%d images, %s has %dx%dx%d\n", o.model, ic, ih, iw, o.dataset,
                test.c, test.h, test.w);
        goto out;
    }
    if (nc != BM_NUM_CLASSES) {
        fprintf(stderr, "bitern eval: %s has %d outputs, %s has %d classes\n", o.model, nc, o.dataset,
                BM_NUM_CLASSES);
        goto out;
    }
    size_t n = test.n;
    if (o.limit > 0 && (size_t)o.limit < n)
        n = (size_t)o.limit;
    if (n == 0) {
        fprintf(stderr, "bitern eval: %s has no test images\n", o.dataset);
        goto out;
    }
    size_t in_size = (size_t)ic * ih * iw;
    x = malloc(n * in_size * sizeof(float));
    if (!x) {
        fprintf(stderr, "bitern eval: out of memory for %zu images\n", n);
        goto out;
    }
    bte_dataset_floats(&test, 0, n, x);
    if (bte_measure(e, x, test.y, n, (int)o.threads, (size_t)o.lat_n, &r) < 0) {
        fprintf(stderr, "bitern eval: %s\n", bte_error());
        goto out;
    }
    if (o.predictions && write_predictions(o.predictions, r.pred, r.n) < 0) {
        fprintf(stderr, "bitern eval: %s\n", bm_error());
        goto out;
    }
    if (o.json)
        report_json(&o, e, &r);
    else
        report_text(&o, e, &r);
    rc = 0;
out:
    bte_results_free(&r);
    free(x);
    bm_dataset_free(&test);
    bte_free(e);
    bm_model_free(&m);
    return rc;
}
