#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`bitern compare` end to end on real MNIST, small: trains the four models on 1,500 images for 2 epochs, checks
the results folder (tables, CSV, JSON, plots) against itself and against the model files, then runs it again
with --models on the same folder and once more with --init-float, and checks that bad command lines fail with a message.
Usage: test_compare.py BITERN DATA_DIR WORK_DIR. Exit 77 (skip) without the MNIST files."""
import csv
import json
import os
import shutil
import subprocess
import sys

bitern, data_dir, work = sys.argv[1:4]
# $BITERN_DATA, as users set it, over the directory meson passes (-Ddata_dir, default ../shared/data).
data_dir = os.environ.get("BITERN_DATA") or data_dir
if not os.path.exists(os.path.join(data_dir, "mnist", "t10k-images-idx3-ubyte.gz")):
    print(f"skip: no MNIST under {data_dir}")
    sys.exit(77)

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args, timeout=900):
    env = dict(os.environ, BITERN_DATA="/nonexistent")
    return subprocess.run([bitern, "compare", *args], capture_output=True, text=True, timeout=timeout, env=env)


out = os.path.join(work, "compare-test")
shutil.rmtree(out, ignore_errors=True)
p = run("--dataset", "mnist", "--data-dir", data_dir, "--epochs", "2", "--limit-train", "1500", "--threads", "2",
        "--check-n", "40", "--latency-n", "30", "--out", out)
if p.returncode != 0:
    print(p.stderr[-4000:])
check(p.returncode == 0, "compare exits 0")
if p.returncode != 0:
    sys.exit(1)

names = ["float", "binary", "ternary", "sq"]
files = set(os.listdir(out))
for f in ["results.md", "results.csv", "results.json", "plots.gp"] + [n + ".btn" for n in names] + \
         [n + ".jsonl" for n in names]:
    check(f in files, f"{f} written")
have_gnuplot = shutil.which("gnuplot") is not None
for f in ["acc_vs_bytes.png", "latency.png", "sq_depth.png", "beta.png"]:
    if have_gnuplot:
        ok = f in files and open(os.path.join(out, f), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
        check(ok, f"{f} is a PNG")
check(not any(f.endswith(".tmp") or f.endswith(".ckpt") for f in files), "no temporary files or checkpoints left")

md = open(os.path.join(out, "results.md")).read()
check(md in p.stdout, "the printed table is results.md")
res = json.load(open(os.path.join(out, "results.json")))
models = {m["quant"]: m for m in res["models"]}
check(sorted(models) == sorted(names), "results.json has the four models")
for n in names:
    m = models[n]
    top = m["levels"][0]
    check(top["images"] == 10000, f"{n}: the whole test set at the top level")
    check(0.5 < top["accuracy"] <= 1.0, f"{n}: accuracy {top['accuracy']:.4f} is that of a trained model")
    check(abs(top["accuracy"] - m["trainer_accuracy"]) < 0.01,
          f"{n}: engine accuracy {top['accuracy']:.4f} near the trainer's {m['trainer_accuracy']:.4f}")
    check(top["latency_batch1"]["median_us"] > 0 and
          top["latency_batch1"]["p99_us"] >= top["latency_batch1"]["median_us"], f"{n}: latency median <= p99")
    check(all(l["mismatches_vs_top"] == 0 for l in m["levels"]), f"{n}: every level predicts as the top level")
    check(m["model_bytes"] == m["packed_bytes"] + m["scale_bytes"] + m["float_bytes"], f"{n}: bytes add up")
    if n != "float":
        check(len(m["levels"]) >= 2, f"{n}: measured at more than one kernel level")
    check(len(top["layers"]) == len(m["layers"]) and all(l["bare_kernel_us"] > 0 for l in top["layers"]) and
          abs(top["bare_kernels_us"] - sum(l["bare_kernel_us"] for l in top["layers"])) < 0.01 + 1e-3 * top["bare_kernels_us"],
          f"{n}: every GEMM layer's bare kernel time, and their sum")
depths = {n: "".join(l["depth"] for l in models[n]["layers"]) for n in names}
check(depths["float"] == "FFFF" and depths["binary"] == "FBBF" and depths["ternary"] == "FTTF",
      f"depths per model {depths}")
check(set(depths["sq"][1:3]) <= {"B", "T"}, "SQ's quantized layers are binary or ternary")
check(models["binary"]["model_bytes"] < models["ternary"]["model_bytes"] < models["float"]["model_bytes"],
      "binary < ternary < float in bytes")
sq_trace = models["sq"].get("beta_per_epoch", [])
check(len(sq_trace) == 2 and all(len(t["beta"]) == 2 for t in sq_trace), "SQ beta traced per layer and epoch")
check(all(0.785 <= b <= 1.571 for t in sq_trace for b in t["beta"]), "beta within [pi/4, pi/2]")

rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
check(len(rows) == sum(len(models[n]["levels"]) for n in names), "results.csv: one row per model and level")
check(all(r["model"] in names for r in rows), "results.csv: model names")

# Again from the saved models: same models, same bytes and the same accuracy (exact kernels).
again = os.path.join(work, "compare-test-again")
shutil.rmtree(again, ignore_errors=True)
p2 = run("--models", out, "--dataset", "mnist", "--data-dir", data_dir, "--check-n", "20", "--latency-n", "10",
         "--threads", "1", "--out", again)
check(p2.returncode == 0, "compare --models exits 0")
if p2.returncode == 0:
    res2 = {m["quant"]: m for m in json.load(open(os.path.join(again, "results.json")))["models"]}
    for n in names:
        check(res2[n]["model_bytes"] == models[n]["model_bytes"] and
              res2[n]["levels"][0]["accuracy"] == models[n]["levels"][0]["accuracy"],
              f"{n}: --models measures the same model")

# --init-float: float first, then the quantized models start from it for --q-epochs; the report and the logs say so.
fi = os.path.join(work, "compare-test-init")
shutil.rmtree(fi, ignore_errors=True)
p3 = run("--dataset", "mnist", "--data-dir", data_dir, "--epochs", "2", "--q-epochs", "1", "--init-float",
         "--limit-train", "1500", "--threads", "2", "--check-n", "20", "--latency-n", "10", "--out", fi)
check(p3.returncode == 0, "compare --init-float exits 0" + ("" if p3.returncode == 0 else ": " + p3.stderr[-2000:]))
if p3.returncode == 0:
    r3 = json.load(open(os.path.join(fi, "results.json")))
    check(r3["init_from_float"] is True, "results.json: init_from_float")
    md3 = open(os.path.join(fi, "results.md")).read()
    check("float 2 epochs, then binary, ternary and SQ 1 epochs each, starting from the trained float model" in md3,
          "results.md says how the models were trained")
    for n in names:
        start = json.loads(open(os.path.join(fi, n + ".jsonl")).readline())
        check(start["init_from_float"] == (n != "float") and start["epochs"] == (2 if n == "float" else 1),
              f"{n}.jsonl: init_from_float {start['init_from_float']}, epochs {start['epochs']}")
    m3 = {m["quant"]: m for m in r3["models"]}
    check(all(m3[n]["levels"][0]["accuracy"] > 0.5 for n in names), "--init-float models are trained models")

# Bad command lines: a message and status 2 (usage) or 1, never a crash.
bad = [
    (["--dataset", "imagenet"], 2, "unknown dataset 'imagenet'"),
    (["--epochs", "0"], 2, "--epochs: '0' is not an integer"),
    (["--threads", "x"], 2, "--threads: 'x' is not an integer"),
    (["--bogus", "1"], 2, "unknown option '--bogus'"),
    (["--gamma", "-1"], 2, "--gamma: '-1' is not a number"),
    (["--gamma", "nan"], 2, "--gamma: 'nan' is not a number"),
    (["--models", out, "--epochs", "3"], 2, "--models loads trained models"),
    (["--models", out, "--init-float"], 2, "--models loads trained models"),
    (["--q-epochs", "2"], 2, "--q-epochs applies with --init-float only"),
    (["--dataset", "mnist", "--data-dir", "/nonexistent"], 1, "/nonexistent"),
    # not /nonexistent itself: anyone may create that (compare --models did, before it checked)
    (["--models", "/nonexistent/no/such/dir", "--dataset", "mnist", "--data-dir", data_dir], 1,
     "--models /nonexistent/no/such/dir: No such file"),
    (["--models", out, "--dataset", "cifar10", "--data-dir", data_dir], 1, "not on --dataset cifar10"),
    (["--dataset", "mnist", "--data-dir", data_dir, "--out", "/proc/version"], 1, "/proc/version"),
]
for args, status, msg in bad:
    p = run(*args, timeout=120)
    check(p.returncode == status and msg in p.stderr,
          f"{' '.join(args)}: status {p.returncode} (want {status}), message has '{msg}': {p.stderr.strip()[-200:]!r}")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
