# SPDX-License-Identifier: MIT
"""Bad model specs, command lines, environment and output paths."""
import gzip
import os
import shutil
import signal
import struct
import subprocess

from fixtures import *  # noqa: F401,F403 (the case DSL and file helpers)


# ------------------------------------------------------------------------------------------- model spec

def SPEC(ctx, spec):
    return ["train", "--data-dir", ctx.data, "--model", spec, "--epochs", "1", "--quiet"]


@case("spec", "empty spec", "`--model ''`", 1, "empty model spec")
def spec_empty(ctx):
    return SPEC(ctx, "")


@case("spec", "empty layer", "`fc:10,,relu`", 1, "empty layer at position 2 of the model spec")
def spec_empty_layer(ctx):
    return SPEC(ctx, "fc:10,,relu")


@case("spec", "unknown layer", "`fc:32,gelu,fc:10`", 1, "unknown layer 'gelu'")
def spec_unknown(ctx):
    return SPEC(ctx, "fc:32,gelu,fc:10")


@case("spec", "bad size", "`fc:0`", 1, "bad layer 'fc:0': expected fc:N with N a positive integer")
def spec_fc0(ctx):
    return SPEC(ctx, "fc:0")


@case("spec", "number too large", "`fc:99999999999999999999`", 1, "bad layer 'fc:99999999999999999999'")
def spec_fc_big(ctx):
    return SPEC(ctx, "fc:99999999999999999999")


@case("spec", "weights that would not fit in memory", "`fc:1000000,fc:1000000,fc:10`", 1, "weight matrix too large")
def spec_huge(ctx):
    return SPEC(ctx, "fc:1000000,fc:1000000,fc:10")


@case("spec", "bad conv", "`conv3x5:8`", 1, "expected convKxK:C[:pP][:sS]")
def spec_conv(ctx):
    return SPEC(ctx, "conv3x5:8,fc:10")


@case("spec", "conv stride 0", "`conv3x3:8:s0`", 1, "expected convKxK:C[:pP][:sS]")
def spec_stride0(ctx):
    return SPEC(ctx, "conv3x3:8:s0,fc:10")


@case("spec", "dropout out of range", "`drop:1.5`", 1, "expected drop:P with P in [0, 1)")
def spec_drop(ctx):
    return SPEC(ctx, "fc:32,drop:1.5,fc:10")


@case("spec", "dropout NaN", "`drop:nan`", 1, "expected drop:P with P in [0, 1)")
def spec_drop_nan(ctx):
    return SPEC(ctx, "fc:32,drop:nan,fc:10")


@case("spec", "shapes that do not chain: kernel larger than its input", "`conv5x5:8:p0` eight times on 28x28", 1,
      "is smaller than the kernel")
def spec_chain_conv(ctx):
    return SPEC(ctx, ",".join(["conv5x5:8:p0"] * 8) + ",fc:10")


@case("spec", "shapes that do not chain: pool larger than its input", "`pool64`", 1,
      "input 28x28 is smaller than the window")
def spec_chain_pool(ctx):
    return SPEC(ctx, "pool64,fc:10")


@case("spec", "last layer is not the class count", "`fc:32,relu,fc:7`", 1,
      "the last layer gives 7 x 1 x 1 outputs, the dataset has 10 classes")
def spec_classes(ctx):
    return SPEC(ctx, "fc:32,relu,fc:7")


# ----------------------------------------------------------------------------------- command-line options

@case("cli", "unknown option (train)", "`bitern train --bogus 1`", 2, "unknown option '--bogus'")
def cli_train_unknown(ctx):
    return ["train", "--bogus", "1"]


@case("cli", "option without its value (train)", "`bitern train --epochs`", 2, "missing value for '--epochs'")
def cli_train_missing_value(ctx):
    return ["train", "--epochs"]


@case("cli", "stray argument (train)", "`bitern train mnist`", 2, "unexpected argument 'mnist'")
def cli_train_stray(ctx):
    return ["train", "mnist"]


@case("cli", "not a number", "`--epochs three`", 2, "--epochs: 'three' is not an integer in [1, 100000]")
def cli_train_nan_int(ctx):
    return ["train", "--epochs", "three"]


@case("cli", "out of range", "`--epochs 0`", 2, "--epochs: '0' is not an integer in [1, 100000]")
def cli_train_epochs0(ctx):
    return ["train", "--epochs", "0"]


@case("cli", "integer overflow", "`--batch 99999999999999999999`", 2, "--batch: '99999999999999999999' is not an integer")
def cli_train_overflow(ctx):
    return ["train", "--batch", "99999999999999999999"]


@case("cli", "negative", "`--seed -1`", 2, "--seed: '-1' is not an integer")
def cli_train_seed(ctx):
    return ["train", "--seed", "-1"]


@case("cli", "NaN option", "`--lr nan`", 2, "--lr: 'nan' is not a number in [1e-08, 10]")
def cli_train_lr_nan(ctx):
    return ["train", "--lr", "nan"]


@case("cli", "Inf option", "`--lambda inf`", 2, "--lambda: 'inf' is not a number")
def cli_train_lambda_inf(ctx):
    return ["train", "--lambda", "inf"]


@case("cli", "unknown value", "`--quant fp8`", 2, "--quant: unknown value 'fp8'")
def cli_train_quant(ctx):
    return ["train", "--quant", "fp8"]


@case("cli", "unknown dataset (train)", "`--dataset imagenet`", 1, "unknown dataset 'imagenet'")
def cli_train_dataset(ctx):
    return ["train", "--dataset", "imagenet"]


@case("cli", "contradictory: --eval with training outputs", "`--eval m.btn --out n.btn`", 2,
      "contradictory options: --eval measures a saved model")
def cli_train_eval_out(ctx):
    return ["train", "--eval", "m.btn", "--out", "n.btn"]


@case("cli", "contradictory: --ft-epochs without a fine-tuning phase", "`--quant float --ft-epochs 1`", 2,
      "contradictory options: --ft-epochs applies to --quant sq, binary and ternary only")
def cli_train_ft_float(ctx):
    return ["train", "--quant", "float", "--ft-epochs", "1"]


@case("cli", "contradictory: --ft-epochs above --epochs", "`--quant sq --epochs 2 --ft-epochs 3`", 2,
      "contradictory options: --ft-epochs exceeds --epochs")
def cli_train_ft_epochs(ctx):
    return ["train", "--quant", "sq", "--epochs", "2", "--ft-epochs", "3"]


@case("cli", "--depths of the wrong length", "`--model lenet --quant mixed --depths BTB`", 1,
      "--depths 'BTB': this model has 2 quantized layers")
def cli_train_depths_len(ctx):
    return ["train", "--model", "lenet", "--quant", "mixed", "--depths", "BTB"]


@case("cli", "--depths without --quant mixed", "`--model lenet --depths BT`", 1,
      "--depths goes with --quant mixed, and --quant mixed needs --depths")
def cli_train_depths_mode(ctx):
    return ["train", "--model", "lenet", "--depths", "BT"]


@case("cli", "SQ budget below pure binary", "`--model lenet --quant-all --quant sq --budget-bits 0.9`", 1,
      "budget 0.9 bits per quantized weight is below pure binary's 1: no choice of depths meets it")
def cli_train_budget_low(ctx):
    return ["train", "--data-dir", ctx.data, "--model", "lenet", "--quant-all", "--quant", "sq", "--budget-bits", "0.9",
            "--epochs", "1", "--limit-train", "64", "--quiet"]


@case("cli", "contradictory: a budget without SQ", "`--quant ternary --budget-bits 1.5`", 2,
      "contradictory options: --sq-price, --budget-bits and --budget-bytes apply to --quant sq only")
def cli_train_budget_mode(ctx):
    return ["train", "--quant", "ternary", "--budget-bits", "1.5"]


@case("cli", "contradictory: two budgets", "`--quant sq --budget-bits 1.5 --budget-bytes 9000`", 2,
      "contradictory options: --budget-bits and --budget-bytes are two budgets")
def cli_train_budget_two(ctx):
    return ["train", "--quant", "sq", "--budget-bits", "1.5", "--budget-bytes", "9000"]


@case("cli", "contradictory: --out and --ckpt the same file", "`--out m --ckpt m`", 2,
      "contradictory options: --out m and --ckpt m are the same file")
def cli_train_out_ckpt(ctx):
    return ["train", "--out", "m", "--ckpt", "m"]


@case("cli", "contradictory: --resume from the --out model", "`--out m.btn --resume m.btn`", 2,
      "contradictory options: --resume m.btn and --out m.btn are the same file")
def cli_train_resume_out(ctx):
    return ["train", "--out", "m.btn", "--resume", "m.btn"]


@case("cli", "contradictory: --eval with --init", "`--eval m.btn --init f.btn`", 2,
      "contradictory options: --eval measures a saved model")
def cli_train_eval_init(ctx):
    return ["train", "--eval", "m.btn", "--init", "f.btn"]


@case("cli", "contradictory: --stop-after not below --epochs", "`--epochs 2 --stop-after 2`", 2,
      "contradictory options: --stop-after must be below --epochs")
def cli_train_stop_after(ctx):
    return ["train", "--epochs", "2", "--stop-after", "2"]


@case("cli", "diverging training (NaN loss)", "`--lr 10 --opt sgd --momentum 0.99` on a tiny set", 1,
      "diverged: lower --lr")
def cli_train_diverge(ctx):
    return ["train", "--data-dir", ctx.data, "--model", "fc:64,relu,fc:64,relu,fc:10", "--lr", "10", "--opt", "sgd",
            "--momentum", "0.99", "--sched", "const", "--epochs", "3", "--quiet"]


@case("cli", "unknown option (eval)", "`bitern eval m.btn --dataset mnist --bogus 1`", 2, "unknown option '--bogus'")
def cli_eval_unknown(ctx):
    return ["eval", "m.btn", "--dataset", "mnist", "--bogus", "1"]


@case("cli", "no model (eval)", "`bitern eval --dataset mnist`", 2, "a model file and --dataset are required")
def cli_eval_no_model(ctx):
    return ["eval", "--dataset", "mnist"]


@case("cli", "no dataset (eval)", "`bitern eval m.btn`", 2, "a model file and --dataset are required")
def cli_eval_no_dataset(ctx):
    return ["eval", "m.btn"]


@case("cli", "two models (eval)", "`bitern eval a.btn b.btn`", 2, "more than one model given ('a.btn', 'b.btn')")
def cli_eval_two(ctx):
    return ["eval", "a.btn", "b.btn", "--dataset", "mnist"]


@case("cli", "option without its value (eval)", "`bitern eval m.btn --dataset`", 2, "--dataset needs a value")
def cli_eval_missing_value(ctx):
    return ["eval", "m.btn", "--dataset"]


@case("cli", "unknown dataset (eval)", "`--dataset imagenet`", 2, "--dataset: unknown dataset 'imagenet'")
def cli_eval_dataset(ctx):
    return ["eval", "m.btn", "--dataset", "imagenet"]


@case("cli", "unknown ISA (eval)", "`--isa sse9`", 2, "--isa sse9:")
def cli_eval_isa(ctx):
    return ["eval", "m.btn", "--dataset", "mnist", "--isa", "sse9"]


@case("cli", "out of range (eval)", "`--threads 0`", 2, "--threads: '0' is not an integer in [1, 256]")
def cli_eval_threads(ctx):
    return ["eval", "m.btn", "--dataset", "mnist", "--threads", "0"]


@case("cli", "not a number (eval)", "`--limit 1e3`", 2, "--limit: '1e3' is not an integer")
def cli_eval_limit(ctx):
    return ["eval", "m.btn", "--dataset", "mnist", "--limit", "1e3"]


@case("cli", "data directory does not exist (eval)", "`--data-dir /no/such/dir`", 1,
      "data directory {missing}: No such file or directory")
def cli_eval_no_data(ctx):
    return ["eval", ctx.model(), "--dataset", "mnist", "--data-dir", ctx.missing]


@case("cli", "unknown option (info)", "`bitern info --bogus`", 2, "unknown option '--bogus'")
def cli_info_unknown(ctx):
    return ["info", "--bogus"]


@case("cli", "unknown option (tune)", "`bitern tune --bogus`", 2, "unknown option '--bogus'")
def cli_tune_unknown(ctx):
    return ["tune", "--bogus"]


@case("cli", "cache directory that cannot be created (tune)", "`XDG_CACHE_HOME=/proc/none bitern tune`", 1,
      "cannot create the directory")
def cli_tune_no_cache_dir(ctx):
    ctx.env = {"XDG_CACHE_HOME": "/proc/none"}
    return ["tune", "--quick"]


@case("cli", "unknown command", "`bitern trian`", 2, "unknown command 'trian'")
def cli_unknown_command(ctx):
    return ["trian"]


@case("cli", "unknown ISA in the environment", "`BITERN_ISA=sse9 bitern info`", 1, "BITERN_ISA")
def cli_env_isa(ctx):
    ctx.env = {"BITERN_ISA": "sse9"}
    return ["info"]


# ---------------------------------------------------------------------------------------------- outputs

def readonly_dir(ctx):
    """A directory nobody may create files in: a read-only bind mount when we are root (root ignores mode
    bits), mode 0555 otherwise. Returns (dir, wrapper command prefix or None)."""
    d = os.path.dirname(ctx.path("x"))
    ro = os.path.join(d, "ro")
    os.makedirs(ro)
    if os.geteuid() != 0:
        os.chmod(ro, 0o555)
        return ro, None
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
    probe = subprocess.run(["unshare", "-m", "sh", "-c", script, ro, "true"], capture_output=True)
    if probe.returncode == 0:
        return ro, ["unshare", "-m", "sh", "-c", script, ro]
    return "/sys", None   # sysfs refuses new files even to root


OUT_ARGS = ["--model", "fc:10", "--epochs", "1", "--quiet", "--batch", "64"]


@case("output", "output directory does not exist", "`--out /no/such/dir/m.btn`", 1,
      "--out {missing}/m.btn: directory {missing}: No such file or directory")
def out_no_dir(ctx):
    return ["train", "--data-dir", ctx.data, "--out", ctx.missing + "/m.btn"] + OUT_ARGS


@case("output", "output directory is a file", "`--ckpt model.btn/run.ckpt`", 1, "is not a directory")
def out_dir_is_file(ctx):
    return ["train", "--data-dir", ctx.data, "--ckpt", ctx.model() + "/run.ckpt"] + OUT_ARGS


@case("output", "output is a directory", "`--out /tmp`", 1, ": is a directory")
def out_is_dir(ctx):
    return ["train", "--data-dir", ctx.data, "--out", ctx.tmp] + OUT_ARGS


@case("output", "output is a device", "`--out /dev/null`", 1,
      "--out /dev/null: exists and is not a regular file")
def out_is_device(ctx):
    return ["train", "--data-dir", ctx.data, "--out", "/dev/null"] + OUT_ARGS


@case("output", "read-only output directory", "read-only bind mount (root) or mode 0555", 1,
      "cannot create files in")
def out_readonly(ctx):
    ro, wrap = readonly_dir(ctx)
    ctx.wrap = wrap
    return ["train", "--data-dir", ctx.data, "--out", os.path.join(ro, "m.btn")] + OUT_ARGS


@case("output", "read-only directory for the log", "`--log /proc/m.jsonl`", 1, "--log /proc/m.jsonl: cannot create files in /proc")
def out_log_readonly(ctx):
    return ["train", "--data-dir", ctx.data, "--log", "/proc/m.jsonl"] + OUT_ARGS


@case("output", "log is a device (written atomically, so it must be a regular file)", "`--log /dev/full`", 1,
      "--log /dev/full: exists and is not a regular file")
def out_log_full(ctx):
    return ["train", "--data-dir", ctx.data, "--log", "/dev/full"] + OUT_ARGS


def fsize_limit():
    # A file-size limit makes write() fail with EFBIG, as a full disk fails with ENOSPC, without filling one.
    import resource
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


@case("output", "full disk: model file", "file-size limit of 4 KiB (write fails with EFBIG)", 1,
      "write failed: File too large")
def out_model_full(ctx):
    ctx.preexec = fsize_limit
    return ["train", "--data-dir", ctx.data, "--out", ctx.path("m.btn"), "--model", "fc:32,fc:10", "--epochs", "1",
            "--quiet", "--batch", "64", "--ckpt", ctx.path("tiny-enough.ckpt")]


@case("output", "full disk: checkpoint", "file-size limit of 4 KiB, a checkpoint larger than that", 1,
      "write failed: File too large")
def out_ckpt_full(ctx):
    ctx.preexec = fsize_limit
    return ["train", "--data-dir", ctx.data, "--ckpt", ctx.path("r.ckpt"), "--model", "fc:32,fc:10",
            "--epochs", "2", "--quiet", "--batch", "64"]
