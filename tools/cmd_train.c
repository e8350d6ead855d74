/* SPDX-License-Identifier: MIT */
/* `bitern train`: option parsing and the call into the trainer. */
#include <bitern.h>
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/util.h"
#include "tools/options.h"
#include "tools/cmd_train.h"
#include "tools/commands.h"
#include "tools/openblas_core.h"
#include "train/train.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bitern train [options]\n"
            "  --dataset mnist|fashion-mnist|cifar10   (default mnist)\n"
            "  --model SPEC|mlp|lenet|cifar-cnn|resnet20  layers, e.g. conv3x3:64,bn,relu,pool2,fc:10 (default mlp)\n"
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
            "  --keep-ckpt      keep the checkpoint once the run has finished and written --out (else removed)\n"
            "  --eval model.btn   evaluate a saved model on --dataset's test split instead of training\n");
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
static int contradictory(const tr_config *c, const char *eval_path, const char *not_for_eval)
{
    char buf[160];
    const char *msg = NULL;
    if (eval_path && not_for_eval) {
        snprintf(buf, sizeof buf, "--eval measures a saved model: %s does not apply (only --dataset, --data-dir, "
                 "--batch and --quiet do)", not_for_eval);
        msg = buf;
    } else if (c->ft_epochs >= 0 && c->quant != TR_Q_SQ && c->quant != TR_Q_BINARY && c->quant != TR_Q_TERNARY &&
               c->quant != TR_Q_MIXED)
        msg = "--ft-epochs applies to --quant sq, binary and ternary only (and mixed, their per-layer mix; the others "
              "have no fine-tuning phase)";
    else if (c->ft_epochs > c->epochs)
        msg = "--ft-epochs exceeds --epochs";
    else if (c->stop_after && c->stop_after >= c->epochs)
        msg = "--stop-after must be below --epochs";
    else if (c->stop_after && !c->out && !c->ckpt)
        msg = "--stop-after ends the run before the model is saved: it needs --ckpt or --out (whose checkpoint "
              "it writes), else nothing of the run is kept";
    else if (c->keep_ckpt && !c->out && !c->ckpt)
        msg = "--keep-ckpt keeps the checkpoint of --ckpt or --out: neither is given, so no checkpoint is written";
    else if ((c->sq_price || c->budget_bits > 0 || c->budget_bytes > 0) && c->quant != TR_Q_SQ)
        msg = "--sq-price, --budget-bits and --budget-bytes apply to --quant sq only";
    else if (c->budget_bits > 0 && c->budget_bytes > 0)
        msg = "--budget-bits and --budget-bytes are two budgets: give one";
    else if ((c->budget_bits > 0 || c->budget_bytes > 0) && c->resume)
        msg = "--resume with a budget: the budget's multiplier (gamma) is not kept in checkpoints";
    if (!msg)
        return 0;
    fprintf(stderr, "bitern train: contradictory options: %s\n", msg);
    return 1;
}

/* One row per option: getopt_long gets the names, `eval` says whether it applies to --eval. */
enum { O_DATASET = 256, O_MODEL, O_DATA_DIR, O_OUT, O_LOG, O_CKPT, O_RESUME, O_INIT, O_EVAL, O_STOP_AFTER, O_QUANT,
       O_OPT, O_SCHED, O_ACT, O_SCALE, O_EPOCHS, O_FT_EPOCHS, O_BATCH, O_THREADS, O_SEED, O_LR_STEP, O_P, O_AUGMENT,
       O_LIMIT_TRAIN, O_LIMIT_TEST, O_LR, O_WD, O_MOMENTUM, O_LAMBDA, O_GAMMA, O_BETA0, O_BETA_LR, O_DEPTH_THR,
       O_U0_BIN, O_QUANT_ALL, O_QUIET, O_DEPTHS, O_SQ_PRICE, O_BUDGET_BITS, O_BUDGET_BYTES, O_KEEP_CKPT, O_HELP, O_VERSION };

static const struct option long_opts[] = {
    {"dataset", 1, 0, O_DATASET}, {"model", 1, 0, O_MODEL}, {"data-dir", 1, 0, O_DATA_DIR}, {"out", 1, 0, O_OUT},
    {"log", 1, 0, O_LOG}, {"ckpt", 1, 0, O_CKPT}, {"resume", 1, 0, O_RESUME}, {"init", 1, 0, O_INIT},
    {"eval", 1, 0, O_EVAL}, {"stop-after", 1, 0, O_STOP_AFTER}, {"quant", 1, 0, O_QUANT}, {"opt", 1, 0, O_OPT},
    {"sched", 1, 0, O_SCHED}, {"act", 1, 0, O_ACT}, {"scale", 1, 0, O_SCALE}, {"epochs", 1, 0, O_EPOCHS},
    {"ft-epochs", 1, 0, O_FT_EPOCHS}, {"batch", 1, 0, O_BATCH}, {"threads", 1, 0, O_THREADS},
    {"seed", 1, 0, O_SEED}, {"lr-step", 1, 0, O_LR_STEP}, {"p", 1, 0, O_P}, {"augment", 1, 0, O_AUGMENT},
    {"limit-train", 1, 0, O_LIMIT_TRAIN}, {"limit-test", 1, 0, O_LIMIT_TEST}, {"lr", 1, 0, O_LR},
    {"wd", 1, 0, O_WD}, {"momentum", 1, 0, O_MOMENTUM}, {"lambda", 1, 0, O_LAMBDA}, {"gamma", 1, 0, O_GAMMA},
    {"beta0", 1, 0, O_BETA0}, {"beta-lr", 1, 0, O_BETA_LR}, {"depth-thr", 1, 0, O_DEPTH_THR},
    {"u0-bin", 1, 0, O_U0_BIN}, {"quant-all", 0, 0, O_QUANT_ALL}, {"quiet", 0, 0, O_QUIET},
    {"depths", 1, 0, O_DEPTHS}, {"sq-price", 1, 0, O_SQ_PRICE}, {"budget-bits", 1, 0, O_BUDGET_BITS},
    {"budget-bytes", 1, 0, O_BUDGET_BYTES}, {"keep-ckpt", 0, 0, O_KEEP_CKPT}, {"help", 0, 0, O_HELP}, {"version", 0, 0, O_VERSION},
    {0, 0, 0, 0}};

static int applies_to_eval(int o)
{
    return o == O_DATASET || o == O_DATA_DIR || o == O_BATCH || o == O_QUIET || o == O_EVAL;
}

int tr_train_parse_args(int argc, char **argv, tr_config *cfg, const char **eval)
{
    tr_config c;
    tr_config_defaults(&c);
    const char *eval_path = NULL, *not_for_eval = NULL;
    char given[48] = "";
    optind = 0;   /* a full reset: the fuzzer and the tests parse many command lines in one process */
    opterr = 0;
    int o, li;
    while ((o = getopt_long(argc, argv, ":h", long_opts, &li)) != -1) {
        const char *v = optarg, *a = o >= O_DATASET && o <= O_HELP ? long_opts[o - O_DATASET].name : "";
        char opt[40];
        snprintf(opt, sizeof opt, "--%s", a);
        long l;
        int k = 0, bad = 0;
        if (o >= O_DATASET && !applies_to_eval(o) && !not_for_eval) {
            snprintf(given, sizeof given, "%s", opt);
            not_for_eval = given;
        }
        switch (o) {
        case 'h': case O_HELP: usage(stdout); return 1;
        case O_VERSION: printf("bitern %s\n", bitern_version()); return 1;
        case ':':
            fprintf(stderr, "bitern train: missing value for '%s'\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        case '?':
            fprintf(stderr, "bitern train: unknown option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        case O_QUANT_ALL: c.quant_all = 1; break;
        case O_QUIET: c.quiet = 1; break;
        case O_KEEP_CKPT: c.keep_ckpt = 1; break;
        case O_DATASET: c.dataset = v; break;
        case O_MODEL: c.model = v; break;
        case O_DATA_DIR: c.data_dir = v; break;
        case O_OUT: c.out = v; break;
        case O_LOG: c.log = v; break;
        case O_CKPT: c.ckpt = v; break;
        case O_RESUME: c.resume = v; break;
        case O_INIT: c.init = v; break;
        case O_DEPTHS: c.depths = v; break;
        case O_EVAL: eval_path = v; break;
        case O_STOP_AFTER: bad = bitern_opt_long("train", opt, v, 1, 100000, &l); c.stop_after = (int)l; break;
        case O_QUANT: {
            static const char *const q[] = {"float", "binary", "ternary", "sq", "bc", "twn", "mixed"};
            bad = pick(opt, v, q, 7, &k);
            c.quant = (tr_quant_mode)k;
            break;
        }
        case O_OPT: { static const char *const n[] = {"adam", "sgd"}; bad = pick(opt, v, n, 2, &c.opt); break; }
        case O_SCHED: {
            static const char *const n[] = {"cosine", "step", "const"};
            bad = pick(opt, v, n, 3, &c.sched);
            break;
        }
        case O_ACT: bad = pick(opt, v, tr_act_names, 3, &c.act); break;
        case O_SQ_PRICE: {
            static const char *const n[] = {"layer", "size"};
            bad = pick(opt, v, n, 2, &c.sq_price);
            break;
        }
        case O_BUDGET_BITS: {
            float f;
            bad = bitern_opt_float("train", opt, v, 1e-3, 2, &f);
            c.budget_bits = f;
            break;
        }
        case O_BUDGET_BYTES:
            bad = bitern_opt_long("train", opt, v, 1, 0x7fffffffffffffffL, &l);
            c.budget_bytes = (double)l;
            break;
        case O_SCALE: {
            static const char *const n[] = {"layer", "channel"};
            bad = pick(opt, v, n, 2, &c.per_channel);
            break;
        }
        case O_EPOCHS: bad = bitern_opt_long("train", opt, v, 1, 100000, &l); c.epochs = (int)l; break;
        case O_FT_EPOCHS: bad = bitern_opt_long("train", opt, v, 0, 100000, &l); c.ft_epochs = (int)l; break;
        case O_BATCH: bad = bitern_opt_long("train", opt, v, 1, 65536, &l); c.batch = (int)l; break;
        case O_THREADS: bad = bitern_opt_long("train", opt, v, 1, 256, &l); c.threads = (int)l; break;
        case O_SEED: bad = bitern_opt_long("train", opt, v, 0, 0x7fffffffffffffffL, &l); c.seed = (uint64_t)l; break;
        case O_LR_STEP: bad = bitern_opt_long("train", opt, v, 1, 100000, &l); c.lr_step = (int)l; break;
        case O_P: bad = bitern_opt_long("train", opt, v, 1, 2, &l); c.p = (int)l; break;
        case O_AUGMENT: bad = bitern_opt_long("train", opt, v, 0, 1, &l); c.augment = (int)l; break;
        case O_LIMIT_TRAIN: bad = bitern_opt_long("train", opt, v, 1, 0x7fffffffL, &l); c.limit_train = (size_t)l; break;
        case O_LIMIT_TEST: bad = bitern_opt_long("train", opt, v, 1, 0x7fffffffL, &l); c.limit_test = (size_t)l; break;
        case O_LR: bad = bitern_opt_float("train", opt, v, 1e-8, 10, &c.lr); break;
        case O_WD: bad = bitern_opt_float("train", opt, v, 0, 1, &c.wd); break;
        case O_MOMENTUM: bad = bitern_opt_float("train", opt, v, 0, 0.999, &c.momentum); break;
        case O_LAMBDA: bad = bitern_opt_float("train", opt, v, 0, 1e6, &c.lambda); break;
        case O_GAMMA: bad = bitern_opt_float("train", opt, v, 0, 1e3, &c.gamma); break;
        case O_BETA0: bad = bitern_opt_float("train", opt, v, 0.785398, 1.5707963, &c.beta0); break;
        case O_BETA_LR: bad = bitern_opt_float("train", opt, v, 0, 1, &c.beta_lr); break;
        case O_DEPTH_THR: bad = bitern_opt_float("train", opt, v, 0, 1, &c.depth_thr); break;
        case O_U0_BIN: bad = bitern_opt_float("train", opt, v, 0, 0.5, &c.u0_bin); break;
        default: bad = 1; break;
        }
        if (bad)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "bitern train: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    if (contradictory(&c, eval_path, not_for_eval))
        return -1;
    *cfg = c;
    *eval = eval_path;
    return 0;
}

int bitern_cmd_train(int argc, char **argv)
{
    bitern_openblas_reexec("bitern train");
    tr_config c;
    const char *eval_path;
    int prc = tr_train_parse_args(argc, argv, &c, &eval_path);
    if (prc)
        return prc > 0 ? 0 : 2;
    if (!eval_path && tr_train_check_paths(&c) < 0) {
        fprintf(stderr, "bitern train: contradictory options: %s\n", bm_error());
        return 2;
    }
    if (!c.quiet) {
        const char *core = getenv("OPENBLAS_CORETYPE");
        fprintf(stderr, "bitern train: OpenBLAS core %s (OPENBLAS_CORETYPE=%s), %d thread%s\n",
                openblas_get_corename(), core ? core : "unset", c.threads, c.threads > 1 ? "s" : "");
    }
    if (eval_path) {
        double acc, loss;
        if (tr_evaluate_file(eval_path, c.dataset, c.data_dir, c.batch, &acc, &loss) < 0) {
            fprintf(stderr, "bitern train: error: %s\n", bm_error());
            return 1;
        }
        printf("%s on %s test set: accuracy %.4f loss %.4f\n", eval_path, c.dataset, acc, loss);
        return 0;
    }
    tr_train_catch_signals();
    double acc = -1.0;
    int rc = tr_train_run(&c, &acc);
    if (rc < 0) {
        fprintf(stderr, "bitern train: error: %s\n", bm_error());
        return 1;
    }
    /* The result on stdout (diagnostics and progress are on stderr), even with --quiet. */
    if (rc == 0 && acc >= 0.0)
        printf("final %s network: test accuracy %.4f\n", tr_quant_name(c.quant), acc);
    /* The shell's convention for "ended by signal N", though the process ended itself cleanly. */
    return rc > 0 ? 128 + tr_train_stop_signal() : 0;
}
