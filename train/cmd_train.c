/* SPDX-License-Identifier: MIT */
/* `bitern train`: option parsing, the OpenBLAS core-type re-exec, and the call into the trainer. */
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_train.h"
#include "train.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bitern train [options]\n"
            "  --dataset mnist|fashion-mnist|cifar10   (default mnist)\n"
            "  --model SPEC|mlp|lenet|cifar-cnn        layers, e.g. conv3x3:64,bn,relu,pool2,fc:10 (default mlp)\n"
            "  --quant float|binary|ternary|sq|bc|twn|mixed  (default float)\n"
            "  --depths BTTB    with --quant mixed: each quantized layer's depth in order (B binary, T ternary)\n"
            "  --epochs N  --ft-epochs N  --batch N  --seed S  --threads T (conv: batches split; bn, activations, pooling: channels or values)\n"
            "  --opt adam|sgd  --lr X (2e-3)  --wd X  --momentum X  --sched cosine|step|const  --lr-step E\n"
            "  --lambda X  --gamma X  --p 1|2  --beta0 X  --beta-lr X  --depth-thr F  --u0-bin U   (SQ regularizer)\n"
            "  --sq-price layer|size   SQ's price of a ternary layer: the paper's, per layer (default), or per weight\n"
            "  --budget-bits B | --budget-bytes N   SQ: depths within B bits per quantized weight, or N bytes of\n"
            "                          packed quantized weights (gamma then moves as a Lagrange multiplier)\n"
            "  --scale channel|layer  --quant-all  --act none|binary|ternary  --augment 0|1\n"
            "  --data-dir DIR  --out model.btn  --log metrics.jsonl  --ckpt PATH  --resume PATH\n"
            "  --init float.btn   start from a trained float model of the same architecture\n"
            "  --limit-train N  --limit-test N  --quiet  --stop-after N (end early, as if interrupted)\n"
            "  --eval model.btn   evaluate a saved model on --dataset's test split instead of training\n");
}

/*
 * Debian's OpenBLAS 0.3.21 does not know this CPU generation and falls back to SSE3 kernels; it reads
 * OPENBLAS_CORETYPE only while the library loads, before main. So when it is unset we set it and re-execute
 * ourselves (the original command line is in /proc/self/cmdline, whatever tool wraps this command).
 */
void tr_ensure_openblas_coretype(void)
{
#if defined(__x86_64__)
    if (getenv("OPENBLAS_CORETYPE") || getenv("BITERN_NO_REEXEC"))
        return;
    __builtin_cpu_init();
    const char *core = NULL;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        core = "SkylakeX";
    else if (__builtin_cpu_supports("avx2"))
        core = "Haswell";
    if (!core)
        return;
    setenv("OPENBLAS_CORETYPE", core, 1);
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t cap = 1 << 16, n = 0;
    char *buf = tr_alloc(cap + 1, 1);
    ssize_t got;
    while ((got = read(fd, buf + n, cap - n)) > 0)
        n += (size_t)got;
    close(fd);
    if (n == 0 || n == cap) {
        free(buf);
        return;
    }
    buf[n] = 0;
    size_t argc = 0;
    for (size_t i = 0; i < n; i++)
        argc += buf[i] == 0;
    char **argv = tr_alloc(argc + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n && k < argc; i += strlen(buf + i) + 1)
        argv[k++] = buf + i;
    argv[k] = NULL;
    fflush(NULL);
    execv("/proc/self/exe", argv);
    fprintf(stderr, "bitern train: warning: re-exec with OPENBLAS_CORETYPE=%s failed (%s); continuing with "
                    "OpenBLAS's own choice\n", core, strerror(errno));
    free(argv);
    free(buf);
#endif
}

static int pick(const char *opt, const char *v, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    fprintf(stderr, "bitern train: %s: unknown value '%s'\n", opt, v);
    return -1;
}

/* Options that cannot all hold: refused rather than one silently winning. */
static int contradictory(const tr_config *c, const char *eval_path)
{
    const char *msg = NULL;
    if (eval_path && (c->out || c->ckpt || c->resume || c->log || c->stop_after || c->init))
        msg = "--eval measures a saved model: --out, --ckpt, --resume, --init, --log and --stop-after do not apply";
    else if (c->ft_epochs >= 0 && c->quant != TR_Q_SQ && c->quant != TR_Q_BINARY && c->quant != TR_Q_TERNARY &&
             c->quant != TR_Q_MIXED)
        msg = "--ft-epochs applies to --quant sq, binary and ternary only (and mixed, their per-layer mix; the others have no fine-tuning phase)";
    else if (c->ft_epochs > c->epochs)
        msg = "--ft-epochs exceeds --epochs";
    else if (c->stop_after && c->stop_after >= c->epochs)
        msg = "--stop-after must be below --epochs";
    else if ((c->sq_price || c->budget_bits > 0 || c->budget_bytes > 0) && c->quant != TR_Q_SQ)
        msg = "--sq-price, --budget-bits and --budget-bytes apply to --quant sq only";
    else if (c->budget_bits > 0 && c->budget_bytes > 0)
        msg = "--budget-bits and --budget-bytes are two budgets: give one";
    else if ((c->budget_bits > 0 || c->budget_bytes > 0) && c->resume)
        msg = "--resume with a budget: the budget's multiplier (gamma) is not kept in checkpoints";
    else if (c->out && c->ckpt && strcmp(c->out, c->ckpt) == 0)
        msg = "--out and --ckpt name the same file";
    else if (c->resume && c->out && strcmp(c->resume, c->out) == 0)
        msg = "--resume names the --out file: that is a model, not a checkpoint";
    if (!msg)
        return 0;
    fprintf(stderr, "bitern train: contradictory options: %s\n", msg);
    return 1;
}

int tr_train_parse_args(int argc, char **argv, tr_config *cfg, const char **eval)
{
    tr_config c;
    tr_config_defaults(&c);
    const char *eval_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(a, "--quant-all") == 0) { c.quant_all = 1; continue; }
        if (strcmp(a, "--quiet") == 0) { c.quiet = 1; continue; }
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            fprintf(stderr, "bitern train: %s '%s'\n", strncmp(a, "--", 2) ? "unexpected argument" : "missing value for", a);
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        long l;
        int k = 0, bad = 0;
        if (strcmp(a, "--dataset") == 0) c.dataset = v;
        else if (strcmp(a, "--model") == 0) c.model = v;
        else if (strcmp(a, "--data-dir") == 0) c.data_dir = v;
        else if (strcmp(a, "--out") == 0) c.out = v;
        else if (strcmp(a, "--log") == 0) c.log = v;
        else if (strcmp(a, "--ckpt") == 0) c.ckpt = v;
        else if (strcmp(a, "--resume") == 0) c.resume = v;
        else if (strcmp(a, "--init") == 0) c.init = v;
        else if (strcmp(a, "--depths") == 0) c.depths = v;
        else if (strcmp(a, "--eval") == 0) eval_path = v;
        else if (strcmp(a, "--stop-after") == 0) { bad = tr_parse_long("train", a, v, 1, 100000, &l); c.stop_after = (int)l; }
        else if (strcmp(a, "--quant") == 0) {
            static const char *const q[] = {"float", "binary", "ternary", "sq", "bc", "twn", "mixed"};
            bad = pick(a, v, q, 7, &k);
            c.quant = (tr_quant_mode)k;
        } else if (strcmp(a, "--opt") == 0) {
            static const char *const o[] = {"adam", "sgd"};
            bad = pick(a, v, o, 2, &c.opt);
        } else if (strcmp(a, "--sched") == 0) {
            static const char *const s[] = {"cosine", "step", "const"};
            bad = pick(a, v, s, 3, &c.sched);
        } else if (strcmp(a, "--act") == 0) {
            static const char *const s[] = {"none", "binary", "ternary"};
            bad = pick(a, v, s, 3, &c.act);
        } else if (strcmp(a, "--sq-price") == 0) {
            static const char *const s[] = {"layer", "size"};
            bad = pick(a, v, s, 2, &c.sq_price);
        } else if (strcmp(a, "--budget-bits") == 0) {
            float f;
            bad = tr_parse_float("train", a, v, 1e-3, 2, &f);
            c.budget_bits = f;
        } else if (strcmp(a, "--budget-bytes") == 0) {
            bad = tr_parse_long("train", a, v, 1, 0x7fffffffffffffffL, &l);
            c.budget_bytes = (double)l;
        } else if (strcmp(a, "--scale") == 0) {
            static const char *const s[] = {"layer", "channel"};
            bad = pick(a, v, s, 2, &c.per_channel);
        }
        else if (strcmp(a, "--epochs") == 0) { bad = tr_parse_long("train", a, v, 1, 100000, &l); c.epochs = (int)l; }
        else if (strcmp(a, "--ft-epochs") == 0) { bad = tr_parse_long("train", a, v, 0, 100000, &l); c.ft_epochs = (int)l; }
        else if (strcmp(a, "--batch") == 0) { bad = tr_parse_long("train", a, v, 1, 65536, &l); c.batch = (int)l; }
        else if (strcmp(a, "--threads") == 0) { bad = tr_parse_long("train", a, v, 1, 256, &l); c.threads = (int)l; }
        else if (strcmp(a, "--seed") == 0) { bad = tr_parse_long("train", a, v, 0, 0x7fffffffffffffffL, &l); c.seed = (uint64_t)l; }
        else if (strcmp(a, "--lr-step") == 0) { bad = tr_parse_long("train", a, v, 1, 100000, &l); c.lr_step = (int)l; }
        else if (strcmp(a, "--p") == 0) { bad = tr_parse_long("train", a, v, 1, 2, &l); c.p = (int)l; }
        else if (strcmp(a, "--augment") == 0) { bad = tr_parse_long("train", a, v, 0, 1, &l); c.augment = (int)l; }
        else if (strcmp(a, "--limit-train") == 0) { bad = tr_parse_long("train", a, v, 1, 0x7fffffffL, &l); c.limit_train = (size_t)l; }
        else if (strcmp(a, "--limit-test") == 0) { bad = tr_parse_long("train", a, v, 1, 0x7fffffffL, &l); c.limit_test = (size_t)l; }
        else if (strcmp(a, "--lr") == 0) bad = tr_parse_float("train", a, v, 1e-8, 10, &c.lr);
        else if (strcmp(a, "--wd") == 0) bad = tr_parse_float("train", a, v, 0, 1, &c.wd);
        else if (strcmp(a, "--momentum") == 0) bad = tr_parse_float("train", a, v, 0, 0.999, &c.momentum);
        else if (strcmp(a, "--lambda") == 0) bad = tr_parse_float("train", a, v, 0, 1e6, &c.lambda);
        else if (strcmp(a, "--gamma") == 0) bad = tr_parse_float("train", a, v, 0, 1e3, &c.gamma);
        else if (strcmp(a, "--beta0") == 0) bad = tr_parse_float("train", a, v, 0.785398, 1.5707963, &c.beta0);
        else if (strcmp(a, "--beta-lr") == 0) bad = tr_parse_float("train", a, v, 0, 1, &c.beta_lr);
        else if (strcmp(a, "--depth-thr") == 0) bad = tr_parse_float("train", a, v, 0, 1, &c.depth_thr);
        else if (strcmp(a, "--u0-bin") == 0) bad = tr_parse_float("train", a, v, 0, 0.5, &c.u0_bin);
        else {
            fprintf(stderr, "bitern train: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (contradictory(&c, eval_path))
        return 2;
    *cfg = c;
    *eval = eval_path;
    return 0;
}

int bitern_cmd_train(int argc, char **argv)
{
    tr_ensure_openblas_coretype();
    tr_config c;
    const char *eval_path;
    int prc = tr_train_parse_args(argc, argv, &c, &eval_path);
    if (prc)
        return prc == 1 ? 0 : prc;
    if (!c.quiet) {
        const char *core = getenv("OPENBLAS_CORETYPE");
        fprintf(stderr, "bitern train: OpenBLAS core %s (OPENBLAS_CORETYPE=%s), %d thread%s\n",
                openblas_get_corename(), core ? core : "unset", c.threads, c.threads > 1 ? "s" : "");
    }
    if (eval_path) {
        double acc, loss;
        if (tr_evaluate_file(eval_path, c.dataset, c.data_dir, c.batch, &acc, &loss) < 0) {
            fprintf(stderr, "bitern train: error: %s\n", tr_error());
            return 1;
        }
        printf("%s on %s test set: accuracy %.4f loss %.4f\n", eval_path, c.dataset, acc, loss);
        return 0;
    }
    tr_train_catch_signals();
    int rc = tr_train_run(&c, NULL);
    if (rc < 0) {
        fprintf(stderr, "bitern train: error: %s\n", tr_error());
        return 1;
    }
    /* The shell's convention for "ended by signal N", though the process ended itself cleanly. */
    return rc > 0 ? 128 + tr_train_stop_signal() : 0;
}
