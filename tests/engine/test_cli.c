/* SPDX-License-Identifier: MIT */
/*
 * `bitern eval` end to end on real MNIST with small generated models: a valid model gives a JSON report with
 * every field (at the scalar level and natively, 1 and 2 threads); a model for another image shape, a
 * truncated model, a missing dataset directory are errors with a non-zero status. (Missing and non-model
 * files and bad options are checked from meson.build.) Skips (77) without the data.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "train/model_file.h"

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

static char dir[] = "/tmp/bitern-eval-cli-XXXXXX";
static char out_path[256];

/* Runs bitern_cmd_eval with stdout captured into out_path. */
static int run(const char *const *args, int n)
{
    char *argv[32];
    argv[0] = "eval";
    for (int i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    argv[n + 1] = NULL;
    fflush(stdout);
    int saved = dup(1), fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    close(fd);
    int rc = bitern_cmd_eval(n + 1, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    return rc;
}

static char *slurp(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return strdup("");
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return strdup(buf);
}

/* A random model in the lenet shape with its middle layers quantized, saved to path. */
static int make_model(const char *path, const char *spec, int c, int h, int w)
{
    bm_layer_desc *desc;
    int nd;
    tr_model m;
    bm_rng rng;
    bm_rng_seed(&rng, 7);
    if (bm_spec_parse(spec, &desc, &nd) < 0 || tr_model_build(&m, desc, nd, c, h, w, 10, 1, &rng) < 0) {
        fprintf(stderr, "model: %s\n", bm_error());
        return -1;
    }
    free(desc);
    tr_model_mark_quantizable(&m, 0);
    int k = 0;
    for (int i = 0; i < m.n; i++)
        if (m.layers[i].quantizable) {
            m.layers[i].depth = k++ % 2 ? BM_DEPTH_BINARY : BM_DEPTH_TERNARY;
            m.layers[i].thr_mode = TR_THR_TWN;
            tr_layer_quantize(&m.layers[i]);
        }
    int rc = tr_model_save(&m, path);
    tr_model_free(&m);
    return rc;
}

int main(int argc, char **argv)
{
    /* $BITERN_DATA, as users set it, over the directory meson passes (-Ddata_dir, default ../shared/data). */
    const char *data = getenv("BITERN_DATA") ? getenv("BITERN_DATA") : argc > 1 ? argv[1] : "../shared/data";
    char probe[1024];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/mnist", data);
    if (stat(probe, &st) != 0) {
        printf("SKIP: MNIST not found under %s\n", data);
        return 77;
    }
    setenv("BITERN_NO_REEXEC", "1", 1);   /* bitern_cmd_eval would re-execute this test */
    if (!mkdtemp(dir))
        return 1;
    char good[300], other[300], cut[300];
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
    snprintf(good, sizeof good, "%s/good.btn", dir);
    snprintf(other, sizeof other, "%s/cifar-shaped.btn", dir);
    snprintf(cut, sizeof cut, "%s/cut.btn", dir);
    const char *lenet = "conv5x5:20:p0,bn,relu,pool2,conv5x5:50:p0,bn,relu,pool2,fc:500,bn,relu,fc:10";
    if (make_model(good, lenet, 1, 28, 28) < 0 || make_model(other, "conv3x3:8,relu,pool2,fc:32,relu,fc:10", 3, 32, 32) < 0)
        return 1;
    /* a truncated copy */
    char *whole;
    {
        FILE *f = fopen(good, "rb"), *g = fopen(cut, "wb");
        whole = malloc(4096);
        size_t n = fread(whole, 1, 4096, f);
        fwrite(whole, 1, n, g);
        fclose(f);
        fclose(g);
        free(whole);
    }

    const char *ok1[] = {good, "--dataset", "mnist", "--data-dir", data, "--limit", "300", "--latency-n", "30",
                         "--threads", "2", "--json"};
    CHECK(run(ok1, 12) == 0, "valid model rejected");
    char *js = slurp(out_path);
    const char *keys[] = {"\"accuracy\":", "\"latency_batch1\":", "\"median_us\":", "\"p99_us\":",
                          "\"throughput_batch64\":[{\"threads\":1", "{\"threads\":2", "\"model_bytes\":",
                          "\"bits_per_weight\":", "\"layers\":[", "\"depth\":\"ternary\"", "\"depth\":\"binary\"",
                          "\"kernel\":\"t2i8\"", "\"kernel\":\"b1i8\"", "\"time_share\":",
                          "\"deterministic_across_threads\":true"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK(strstr(js, keys[i]) != NULL, "JSON lacks %s:\n%s", keys[i], js);
    free(js);

    const char *ok2[] = {good, "--dataset", "mnist", "--data-dir", data, "--limit", "100", "--latency-n", "10",
                         "--isa", "scalar"};
    CHECK(run(ok2, 11) == 0, "--isa scalar failed");
    js = slurp(out_path);
    CHECK(strstr(js, "kernels scalar") != NULL, "text report does not name the scalar level:\n%s", js);
    CHECK(strstr(js, "accuracy") != NULL && strstr(js, "p99") != NULL, "text report incomplete:\n%s", js);
    free(js);

    const char *shape[] = {other, "--dataset", "mnist", "--data-dir", data, "--limit", "10"};
    CHECK(run(shape, 7) != 0, "a 3x32x32 model was run on MNIST");
    const char *trunc[] = {cut, "--dataset", "mnist", "--data-dir", data};
    CHECK(run(trunc, 5) != 0, "a truncated model was accepted");
    unsetenv("BITERN_DATA");
    const char *nodata[] = {good, "--dataset", "mnist", "--data-dir", "/nonexistent-bitern"};
    CHECK(run(nodata, 5) != 0, "a missing dataset was not an error");

    unlink(good);
    unlink(other);
    unlink(cut);
    unlink(out_path);
    rmdir(dir);
    fprintf(stderr, "test_cli: %d failures\n", failures);
    return failures ? 1 : 0;
}
