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


# ------------------------------------------------------------------------- one run per folder (manifest)

def measured(ctx):
    """A folder with a manifest: a legacy folder (models only) measured once by compare --models, which writes
    the manifest of what it measured."""
    d = folder(ctx)
    r = run(ctx, COMPARE(ctx, d))
    if r.returncode != 0 or not os.path.exists(os.path.join(d, "manifest")):
        raise RuntimeError("compare --models on a fresh folder failed or wrote no manifest: " + r.stderr[-400:])
    return d


@case("compare", "a folder left unfinished", "`compare --models D`, D/compare-incomplete there", 1,
      "holds an unfinished run (compare-incomplete is there")
def compare_marker(ctx):
    d = measured(ctx)
    write(os.path.join(d, "compare-incomplete"), b"bitern-compare-folder 1 incomplete\nconfig x\n")
    return COMPARE(ctx, d)


@case("compare", "a model replaced after the run", "D/ternary.btn overwritten by another ternary model", 1,
      "differs from the one its run wrote")
def compare_replaced(ctx):
    d = measured(ctx)
    r = run(ctx, ["train", "--dataset", "mnist", "--data-dir", ctx.data, "--model", SPEC, "--quant", "twn",
                  "--epochs", "1", "--batch", "32", "--seed", "7", "--out", os.path.join(d, "ternary.btn"), "--quiet"])
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return COMPARE(ctx, d)


@case("compare", "a log added after the run", "D/sq.jsonl not in the manifest", 1, "not in the folder's manifest")
def compare_unlisted(ctx):
    d = measured(ctx)
    write(os.path.join(d, "sq.jsonl"), b'{"start":true,"dataset":"mnist","quant":"sq"}\n')
    return COMPARE(ctx, d)


@case("compare", "a model of the manifest missing", "D/float.btn removed", 1, "listed in the manifest but missing")
def compare_missing(ctx):
    d = measured(ctx)
    os.unlink(os.path.join(d, "float.btn"))
    return COMPARE(ctx, d)


@case("compare", "a damaged manifest", "D/manifest with a bad line", 1, "expected 'file NAME SIZE HASH'")
def compare_bad_manifest(ctx):
    d = measured(ctx)
    with open(os.path.join(d, "manifest"), "ab") as f:
        f.write(b"file float.btn twelve 00\n")
    return COMPARE(ctx, d)


@case("compare", "a measured folder measures again", "`compare --models D` twice", 0, "results in")
def compare_twice(ctx):
    return COMPARE(ctx, measured(ctx))


# 32 epochs of 256 images: each model trains for ~0.1 s (a few ms per epoch), so a signal 0-0.04 s after the
# "training the sq model" line lands in that training even when this script is scheduled late; with 4 epochs
# the last model's training and the measuring could be over before it came (compare then rightly ends with 0).
def TRAIN_COMPARE(ctx, d):
    return ["compare", "--dataset", "mnist", "--data-dir", ctx.data, "--model", SPEC, "--epochs", "32",
            "--limit-train", "256", "--check-n", "8", "--latency-n", "4", "--threads", "1", "--out", d]


@case("compare", "SIGTERM while training: the folder reads as unfinished, the rerun resumes",
      "SIGTERM 0-0.04 s into one model's training, then --models D, then the same command", 0, "results in")
def compare_sigterm(ctx):
    import random
    import signal
    import subprocess
    import time
    d = os.path.dirname(ctx.path("x"))
    env = dict(os.environ, BITERN_DATA=ctx.missing, HOME=ctx.missing, BITERN_NO_REEXEC="1")
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    kind, delay = rng.choice(["float", "binary", "ternary", "sq"]), rng.uniform(0.0, 0.04)
    p = subprocess.Popen(WRAPPER + [ctx.bitern] + TRAIN_COMPARE(ctx, d), env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    err = ""
    for line in p.stderr:   # the moment: `delay` s into the training of `kind`
        err += line
        if "training the %s model" % kind in line:
            time.sleep(delay)
            p.send_signal(signal.SIGTERM)
            break
    err += p.stderr.read()   # not communicate(): the loop's read-ahead would be lost
    p.wait(timeout=300)
    delay = "%s + %.2fs" % (kind, delay)
    stopped = p.returncode == 128 + signal.SIGTERM

    def check(r):
        if p.returncode not in (0, 128 + signal.SIGTERM):
            return "SIGTERM at %s (seed %d): status %d: %s" % (delay, seed, p.returncode, err[-300:])
        if stopped and "stopped while" not in err:
            return "SIGTERM: no message saying compare stopped: %s" % err[-300:]
        if os.path.exists(os.path.join(d, "compare-incomplete")) or not os.path.exists(os.path.join(d, "manifest")):
            return "after the rerun the folder is not marked complete"
        order = ["float", "binary", "ternary", "sq"]
        for k in order[:order.index(kind)]:   # finished before the stop: kept, not trained again
            if "the %s model was finished by the interrupted run: kept" % k not in r.stderr:
                return "the rerun trained the %s model again (stopped in %s)" % (k, delay)
        return None
    ctx.after = check
    if not stopped:
        raise RuntimeError("SIGTERM at %s (seed %d) did not stop compare: status %d" % (delay, seed, p.returncode))
    if stopped:   # before the rerun: the interrupted folder must not read as a finished run
        q = run(ctx, COMPARE(ctx, d))
        if q.returncode == 0 or "unfinished run" not in q.stderr:
            raise RuntimeError("an interrupted folder was accepted by --models: %s" % q.stderr[-300:])
    return TRAIN_COMPARE(ctx, d)


@case("compare", "stored input normalisation honoured by compare", "D/float.btn's mean edited (valid checksum)", 0,
      "results in")
def compare_norm(ctx):
    import json
    import struct
    d = folder(ctx)
    f = os.path.join(d, "float.btn")
    patch(f, 40, struct.pack("<f", 0.9))
    ctx.fix_checksum(f)

    def check(r):
        t = run(ctx, ["train", "--data-dir", ctx.data, "--eval", f, "--quiet"])
        m = re.search(r"accuracy ([0-9.]+)", t.stdout)
        res = json.load(open(os.path.join(d, "results.json")))
        acc = [x for x in res["models"] if x["quant"] == "float"][0]["levels"][0]["accuracy"]
        if not m or abs(float(m.group(1)) - acc) > 1e-4:
            return "compare says %.4f for the float model, train --eval %s" % (acc, m.group(1) if m else t.stdout)
        return None
    ctx.after = check
    return COMPARE(ctx, d)


@case("compare", "--act: an unknown value", "`compare --act sign`", 2,
      "--act: unknown value 'sign' (none, binary, ternary)")
def compare_act_unknown(ctx):
    return TRAIN_COMPARE(ctx, ctx.path("act-unknown")) + ["--act", "sign"]


@case("compare", "--act with --models", "`compare --models D --act binary`", 2,
      "--models loads trained models: --model, --epochs, --q-epochs, --init-float, --gamma, --act")
def compare_act_models(ctx):
    return COMPARE(ctx, folder(ctx), "--act", "binary")


@case("compare", "--act binary: the quantized layer runs on packed activations", "`compare --act binary` (trains)", 0,
      "results in")
def compare_act_binary(ctx):
    import json
    d = ctx.path("act-binary")

    def check(r):
        res = json.load(open(os.path.join(d, "results.json")))
        if res.get("act") != "binary":
            return "results.json says act %r" % res.get("act")
        got = {m["quant"]: [l["kernel"] for l in m["layers"]] for m in res["models"]}
        want = {"float": ["f32", "f32", "f32"], "binary": ["f32", "b1b1", "f32"], "ternary": ["f32", "t2b1", "f32"]}
        for q, k in want.items():
            if got.get(q) != k:
                return "%s model's kernels %s, expected %s" % (q, got.get(q), k)
        return None
    ctx.after = check
    return ["compare", "--dataset", "mnist", "--data-dir", ctx.data, "--model", SPEC, "--epochs", "2", "--act",
            "binary", "--limit-train", "256", "--check-n", "8", "--latency-n", "4", "--threads", "1", "--out", d]
