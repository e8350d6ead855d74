# SPDX-License-Identifier: MIT
"""What the writer and the loader agree on (spec limits), stored fields that must be honoured or refused, options
that would do nothing, and the environment: the classes of issue 16 beyond paths and special files."""
import re
import struct

from fixtures import *  # noqa: F401,F403 (the case DSL and file helpers)
from cases_files import RESUME, ckpt_edit  # noqa: E402


def SPEC(ctx, spec, *more):
    return ["train", "--data-dir", ctx.data, "--model", spec, "--epochs", "1", "--quiet"] + list(more)


# ------------------------------------------------------ specs the trainer would write and the loader refuse

LIMIT = "exceeds the model file's limit 65536"


@case("spec", "more layers than a model file holds", "`relu` x 4999 then `fc:10` (5000 layers)", 1,
      "5000 layers: a model file holds 1 to 4096")
def spec_5000_layers(ctx):
    return SPEC(ctx, ",".join(["relu"] * 4999 + ["fc:10"]))


@case("spec", "4097 layers, just over", "`drop:0.1` x 4096 then `fc:10`", 1, "4097 layers: a model file holds")
def spec_4097_layers(ctx):
    return SPEC(ctx, ",".join(["drop:0.1"] * 4096 + ["fc:10"]))


@case("spec", "stride beyond the file's limit", "`conv3x3:8:s70000`", 1, LIMIT)
def spec_stride_limit(ctx):
    return SPEC(ctx, "conv3x3:8:s70000,fc:10")


@case("spec", "dense outputs beyond the file's limit", "`fc:65537`", 1, LIMIT)
def spec_fc_limit(ctx):
    return SPEC(ctx, "fc:65537,fc:10")


@case("spec", "dense outputs beyond the limit, quantized", "`fc:65537` with `--quant binary`", 1, LIMIT)
def spec_fc_limit_binary(ctx):
    return SPEC(ctx, "fc:65537,fc:10", "--quant", "binary")


@case("spec", "conv channels beyond the file's limit", "`conv1x1:65537:s28` (1x1 output)", 1, LIMIT)
def spec_conv_limit(ctx):
    return SPEC(ctx, "conv1x1:65537:s28,fc:10")


@case("spec", "padding beyond the file's limit", "`conv3x3:4:p65537:s65536`", 1, LIMIT)
def spec_pad_limit(ctx):
    return SPEC(ctx, "conv3x3:4:p65537:s65536,fc:10")


# ------------------------------------------------------------------- stored fields, checked behind the checksum

def named(fn, name):
    """Cases made in a loop: each its own name (the runner's --case, the catalogue's test column)."""
    fn.__name__ = name
    return fn


def layer_field(kind, rel, fmt, value, name):
    """A model whose first layer of `kind` has `value` at payload + rel."""
    def edit(p, data, layers):
        lay = [x for x in layers if x["type"] == kind][0]
        base = lay["payload"] if kind != BN else lay["eps"]
        patch(p, base + rel, struct.pack(fmt, value))
    return named(lambda ctx: EVAL(model_edit(ctx, name, edit)), "model_" + name.replace(".btn", ""))


for _rel, _field in ((8, "beta"), (12, "s"), (16, "thr")):
    for _v, _vn in ((float("nan"), "NaN"), (float("inf"), "Inf")):
        case("model", "%s in a layer's %s field" % (_vn, _field), "first dense layer's %s = %s" % (_field, _vn), 1,
             "bad quantizer fields")(layer_field(DENSE, _rel, "<f", _v, "q%s%s.btn" % (_field, _vn)))

case("model", "negative scale field s", "first dense layer's s = -1", 1, "bad quantizer fields")(
    layer_field(DENSE, 12, "<f", -1.0, "sneg.btn"))

for _pc in (2, 0xFFFFFFFF):
    case("model", "nonsense per_channel value", "per_channel = %d" % _pc, 1,
         "per_channel is %d (0 or 1)" % _pc)(layer_field(DENSE, 4, "<I", _pc, "pc%d.btn" % _pc))


def bn_edit(field_off, value, name):
    """BN channel 0: field_off 0 eps, 1 gamma, 2 shift, 3 mean, 4 var (in units of the channel arrays)."""
    def edit(p, data, layers):
        lay = [x for x in layers if x["type"] == BN][0]
        c = lay["in_c"]
        off = lay["eps"] if field_off == 0 else lay["eps"] + 4 + (field_off - 1) * 4 * c
        patch(p, off, struct.pack("<f", value))
    return lambda ctx: EVAL(model_edit(ctx, name, edit))


for _fo, _v, _what in ((1, 1e30, "gamma 1e30"), (2, -1e30, "shift -1e30"), (3, 3e37, "running mean 3e37"),
                       (0, 1e-45, "eps 1e-45 with a zero variance"), (0, 1e30, "eps 1e30")):
    def _mk(fo=_fo, v=_v, what=_what):
        name = "bn%d.btn" % fo

        def fn(ctx):
            if "zero variance" in what:
                def edit(p, data, layers):
                    lay = [x for x in layers if x["type"] == BN][0]
                    c = lay["in_c"]
                    patch(p, lay["eps"], struct.pack("<f", v))
                    patch(p, lay["eps"] + 4, struct.pack("<f", 1e10))            # gamma
                    patch(p, lay["eps"] + 4 + 12 * c, struct.pack("<f", 0.0))    # var
                return EVAL(model_edit(ctx, name, edit))
            return bn_edit(fo, v, name)(ctx)
        case("model", "absurd batch-norm parameters: " + what, what, 1, "(bn) channel 0: absurd parameters")(
            named(fn, "model_bn_%d_%s" % (fo, "zerovar" if "zero" in what else "%g" % v)))
    _mk()


def same_accuracy_as_train_eval(ctx, model):
    """eval's accuracy must be train --eval's: both normalise the inputs with the model's stored statistics."""
    def check(r):
        t = run(ctx, ["train", "--data-dir", ctx.data, "--eval", model, "--quiet"])
        m = re.search(r"accuracy ([0-9.]+)", t.stdout)
        e = re.search(r"accuracy +([0-9.]+)%", r.stdout)
        if not m or not e:
            return "no accuracy in the output of train --eval or eval: %r %r" % (t.stdout[-200:], r.stdout[-200:])
        if abs(100.0 * float(m.group(1)) - float(e.group(1))) > 0.01:
            return "eval says %s%%, train --eval %s" % (e.group(1), m.group(1))
        return None
    ctx.after = check


for _mean, _std in ((0.9, 0.3), (-3.0, 0.05), (0.0, 10.0)):
    def _mk(mean=_mean, std=_std):
        def fn(ctx):
            def edit(p, d, layers):
                patch(p, 40, struct.pack("<f", mean))
                patch(p, 44, struct.pack("<f", std))
            m = model_edit(ctx, "norm.btn", edit)
            same_accuracy_as_train_eval(ctx, m)
            return ["eval", m, "--dataset", "mnist", "--data-dir", ctx.data, "--latency-n", "5"]
        case("model", "stored input normalisation (mean %g, std %g): eval agrees with train --eval" % (mean, std),
             "mean/std of the file edited, valid checksum", 0, "accuracy")(named(fn, "model_norm_%g_%g" % (mean, std)))
    _mk()


def ck(off, fmt, value, name):
    return named(lambda ctx: RESUME(ctx, ckpt_edit(ctx, name, lambda p, d: patch(p, off, struct.pack(fmt, value)))),
                 "ckpt_counter_" + name.replace(".ckpt", ""))


COUNTERS = "checkpoint counters out of range for its position"
for _off, _fmt, _v, _what in ((32, "<Q", 17, "optimizer steps one too many"), (32, "<Q", 0, "optimizer steps 0"),
                              (32, "<Q", 1 << 40, "optimizer steps 2^40"), (40, "<Q", 3, "beta steps in a bc run"),
                              (24, "<I", 0, "quantized flag cleared in a bc run")):
    case("ckpt", "counter out of range: " + _what, _what, 1, COUNTERS)(ck(_off, _fmt, _v, "c%d%d.ckpt" % (_off, _v % 97)))


# ------------------------------------------------------------------------- options that would do nothing

for _opt in (["--limit-test", "5"], ["--model", "mlp"], ["--quant", "binary"], ["--epochs", "3"], ["--seed", "2"],
             ["--threads", "2"], ["--quant-all"]):
    def _mk(opt=_opt):
        def fn(ctx):
            return ["train", "--data-dir", ctx.data, "--eval", ctx.model()] + opt
        case("cli", "train --eval with %s, which does not apply" % opt[0], "`--eval m.btn %s`" % " ".join(opt), 2,
             "--eval measures a saved model: %s does not apply" % opt[0])(named(fn, "cli_train_eval_" + opt[0][2:].replace("-", "_")))
    _mk()


@case("cli", "--stop-after with nowhere to save", "`--stop-after 1 --epochs 2` (no --out, no --ckpt)", 2,
      "--stop-after ends the run before the model is saved: it needs --ckpt or --out")
def cli_stop_after_nothing(ctx):
    return ["train", "--data-dir", ctx.data, "--stop-after", "1", "--epochs", "2"]


@case("cli", "--keep-ckpt with no checkpoint", "`--keep-ckpt --epochs 1` (no --out, no --ckpt)", 2,
      "--keep-ckpt keeps the checkpoint of --ckpt or --out: neither is given")
def cli_keep_ckpt_nothing(ctx):
    return ["train", "--data-dir", ctx.data, "--keep-ckpt", "--epochs", "1"]


@case("cli", "unknown option last (train)", "`bitern train --epochs 1 --bogus`", 2, "unknown option '--bogus'")
def cli_unknown_last(ctx):
    return ["train", "--epochs", "1", "--bogus"]


@case("cli", "unknown option with =value (train)", "`bitern train --bogus=1`", 2, "unknown option '--bogus=1'")
def cli_unknown_eq(ctx):
    return ["train", "--bogus=1"]


@case("cli", "bad --opt=value (train)", "`bitern train --epochs=x`", 2, "--epochs: 'x' is not an integer")
def cli_eq_value(ctx):
    return ["train", "--epochs=x"]


@case("cli", "argument after -- (train)", "`bitern train -- --epochs`", 2, "unexpected argument '--epochs'")
def cli_dashdash(ctx):
    return ["train", "--", "--epochs"]


@case("cli", "unknown option last (eval)", "`bitern eval m.btn --dataset mnist --bogus`", 2,
      "unknown option '--bogus'")
def cli_eval_unknown_last(ctx):
    return ["eval", "m.btn", "--dataset", "mnist", "--bogus"]


@case("cli", "unknown option last (compare)", "`bitern compare --bogus`", 2, "unknown option '--bogus'")
def cli_compare_unknown_last(ctx):
    return ["compare", "--bogus"]


for _cmd in (["train", "--quiet"], ["eval", "m.btn", "--dataset", "mnist"], ["compare", "--models", "."],
             ["data", "list"]):
    def _mk(cmd=_cmd):
        def fn(ctx):
            ctx.env = {"BITERN_ISA": "sse9"}
            return cmd
        case("cli", "bad BITERN_ISA (%s)" % cmd[0], "`BITERN_ISA=sse9 bitern %s`" % cmd[0], 2,
             "bitern %s: BITERN_ISA: unknown ISA level 'sse9'" % cmd[0])(named(fn, "cli_isa_" + cmd[0]))
    _mk()
