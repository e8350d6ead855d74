# SPDX-License-Identifier: MIT
"""`bitern compare --models D`: a folder whose files do not hold what their names say, and folders that are not
there. The models are tiny ones trained on the synthetic set (float, bc for binary, twn for ternary)."""
import os
import re
import shutil

from fixtures import *  # noqa: F401,F403 (the case DSL and file helpers)

SPEC = "fc:32,bn,relu,fc:16,bn,relu,fc:10"


def trained(ctx, quant):
    out = os.path.join(ctx.tmp, "cmp-%s.btn" % quant)
    if not os.path.exists(out):
        r = run(ctx, ["train", "--dataset", "mnist", "--data-dir", ctx.data, "--model", SPEC, "--quant", quant,
                      "--epochs", "1", "--batch", "32", "--out", out, "--quiet"])
        if r.returncode != 0:
            raise RuntimeError("cannot train the %s model: %s" % (quant, r.stderr))
    return out


def folder(ctx, **override):
    """A --models folder: float, binary (bc), ternary (twn), sq (bc) unless override names another source."""
    d = os.path.dirname(ctx.path("x"))
    src = dict(float="float", binary="bc", ternary="twn", sq="bc")
    src.update(override)
    for role, quant in src.items():
        shutil.copyfile(trained(ctx, quant), os.path.join(d, role + ".btn"))
    return d


def COMPARE(ctx, d, *more):
    return ["compare", "--dataset", "mnist", "--data-dir", ctx.data, "--models", d, "--check-n", "8",
            "--latency-n", "4", "--threads", "1"] + list(more)


@case("compare", "a ternary model copied to binary.btn", "D/binary.btn is a --quant twn model", 1,
      "is the binary model of the folder, but it has ternary layers")
def compare_ternary_as_binary(ctx):
    return COMPARE(ctx, folder(ctx, binary="twn"))


@case("compare", "a binary model copied to ternary.btn", "D/ternary.btn is a --quant bc model", 1,
      "is the ternary model of the folder, but it has binary layers")
def compare_binary_as_ternary(ctx):
    return COMPARE(ctx, folder(ctx, ternary="bc"))


@case("compare", "a float model copied to sq.btn", "D/sq.btn is a float model", 1,
      "is the sq model of the folder, but it has no quantized layer")
def compare_float_as_sq(ctx):
    return COMPARE(ctx, folder(ctx, sq="float"))


@case("compare", "a quantized model copied to float.btn", "D/float.btn is a --quant bc model", 1,
      "is the float model of the folder, but it has quantized layers")
def compare_sq_as_float(ctx):
    return COMPARE(ctx, folder(ctx, float="bc"))


@case("compare", "a log of another kind beside a model", "D/binary.jsonl says --quant ternary", 1,
      "says its model was trained --quant ternary, not binary")
def compare_log_kind(ctx):
    d = folder(ctx)
    write(os.path.join(d, "binary.jsonl"),
          b'{"start":true,"dataset":"mnist","model":"' + SPEC.encode() + b'","quant":"ternary","epochs":1}\n'
          b'{"epoch":1,"phase":"quant","loss":1.0,"layers":[]}\n')
    return COMPARE(ctx, d)


@case("compare", "--models names no directory, and none is created", "`compare --models /no/such/dir`", 1,
      "--models {missing}: No such file or directory")
def compare_models_missing(ctx):
    def check(r):
        return "%s was created" % ctx.missing if os.path.exists(ctx.missing) else None
    ctx.after = check
    return COMPARE(ctx, ctx.missing)


@case("compare", "--models names a file", "`compare --models m.btn`", 1, "not a directory")
def compare_models_file(ctx):
    return COMPARE(ctx, ctx.model())


@case("compare", "BITERN_ISA=scalar caps the levels compare measures", "`BITERN_ISA=scalar compare --models D`", 0,
      "results in")
def compare_isa_scalar(ctx):
    ctx.env = {"BITERN_ISA": "scalar"}

    def check(r):
        levels = set(re.findall(r"model at (\S+):", r.stderr))
        levels.discard("OpenBLAS")
        return None if levels == {"scalar"} else "measured at %s, not only at scalar" % sorted(levels)
    ctx.after = check
    return COMPARE(ctx, folder(ctx))
