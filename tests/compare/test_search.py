#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`bitern compare --search` end to end on real MNIST, tiny: a 2-layer net (4 assignments, exhaustive) and a
5-layer MLP (greedy: 1 + 15 runs) on a few hundred images for 1 epoch. Checks the folder's files, that the
Pareto flags are the non-dominated search models, the epochs counted, that --models reproduces the table, and
that bad option combinations fail with a message.
Usage: test_search.py BITERN DATA_DIR WORK_DIR. Exit 77 (skip) without the MNIST files."""
import csv
import json
import os
import shutil
import subprocess
import sys

bitern, data_dir, work = sys.argv[1:4]
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


def rows(folder):
    with open(os.path.join(folder, "search.csv")) as f:
        return list(csv.DictReader(f))


def front_ok(rs, key):
    """the front flags are exactly the search models no other search model dominates"""
    s = [r for r in rs if r["approach"] == "search"]
    for r in s:
        x, y = float(r[key]), float(r["test_acc"])
        dom = any(float(o[key]) <= x and float(o["test_acc"]) >= y and (float(o[key]) < x or float(o["test_acc"]) > y)
                  for o in s if o is not r)
        flag = r["front_bytes" if key == "model_bytes" else "front_latency"] == "1"
        if flag == dom:
            return False
    return True


# 1. exhaustive, 2 quantized layers
out = os.path.join(work, "search-test")
shutil.rmtree(out, ignore_errors=True)
common = ["--dataset", "mnist", "--data-dir", data_dir, "--threads", "1", "--latency-n", "20"]
p = run("--search", *common, "--model", "conv3x3:4,relu,pool2,fc:10", "--epochs", "1", "--limit-train", "300",
        "--gammas", "0.05,0.2", "--out", out)
if p.returncode != 0:
    print(p.stderr[-4000:])
check(p.returncode == 0, "compare --search exits 0")
if p.returncode != 0:
    sys.exit(1)
files = set(os.listdir(out))
for f in ["search.md", "search.csv", "search.json", "search.gp", "float.btn", "BB.btn", "BT.btn", "TB.btn", "TT.btn",
          "sq-g0.05.btn", "sq-g0.2.btn", "TT.jsonl"]:
    check(f in files, f"{f} written")
if shutil.which("gnuplot"):
    for f in ["search_bytes.png", "search_latency.png"]:
        check(f in files and os.path.getsize(os.path.join(out, f)) > 1000, f"{f} drawn")
check(not any(f.endswith(".tmp") or f.endswith(".ckpt") for f in files), "no temporary files or checkpoints left")
rs = rows(out)
names = [r["model"] for r in rs]
check(sorted(n for n in names if n not in ("float",) and not n.startswith("sq")) == ["BB", "BT", "TB", "TT"],
      f"the four assignments: {names}")
check(all(r["depths"] == r["model"] for r in rs if r["approach"] == "search"), "each assignment has its depths")
check(all(r["epochs"] == "1" for r in rs), "every model counted at 1 epoch")
check(front_ok(rs, "model_bytes") and front_ok(rs, "latency_us"), "Pareto flags = the non-dominated search models")
bb = next(r for r in rs if r["model"] == "BB")
tt = next(r for r in rs if r["model"] == "TT")
check(int(bb["model_bytes"]) < int(tt["model_bytes"]), "BB has fewer bytes than TT")
check(bb["front_bytes"] == "1", "the smallest model is on the bytes front")
md = open(os.path.join(out, "search.md")).read()
check("exhaustive, 4 of its 4 assignments present, 4 training epochs in all" in md, "the search's epochs counted")
check("SQ: 2 runs (one per gamma), 1 epochs each (2 in all)" in md, "SQ's epochs counted")
check("## SQ against the search's front" in md and "sq-g0.05:" in md, "SQ placed against the front")
j = json.load(open(os.path.join(out, "search.json")))
check(j["scheme"] == "exhaustive" and j["quantized_layers"] == 2 and len(j["models"]) == 7, "search.json")
check(all("freeze" in m for m in j["models"] if m["approach"] == "sq"), "SQ's freeze accuracies in the JSON")

# 2. --models: the same models measured again give the same accuracies and bytes
out2 = os.path.join(work, "search-test-models")
shutil.rmtree(out2, ignore_errors=True)
p = run("--search", "--models", out, "--dataset", "mnist", "--data-dir", data_dir, "--threads", "1",
        "--latency-n", "20", "--out", out2)
check(p.returncode == 0, "--search --models exits 0")
if p.returncode == 0:
    a = {r["model"]: (r["test_acc"], r["model_bytes"], r["epochs"]) for r in rs}
    b = {r["model"]: (r["test_acc"], r["model_bytes"], r["epochs"]) for r in rows(out2)}
    check(a == b, "--models reproduces accuracy, bytes and epochs of every model")

# 3. greedy beyond 4 layers: 1 (all ternary) + 5 + 4 + 3 + 2 + 1 runs, each round one more binary layer
out3 = os.path.join(work, "search-test-greedy")
shutil.rmtree(out3, ignore_errors=True)
p = run("--search", *common, "--model", "fc:8,relu,fc:8,relu,fc:8,relu,fc:8,relu,fc:10", "--epochs", "1",
        "--limit-train", "200", "--gammas", "0.05", "--out", out3)
check(p.returncode == 0, "greedy search exits 0")
if p.returncode == 0:
    g = [r for r in rows(out3) if r["approach"] == "search"]
    check(len(g) == 16, f"greedy: 16 runs, got {len(g)}")
    check(g[0]["model"] == "TTTTT", "greedy starts from all ternary")
    nb = [r["model"].count("B") for r in g]
    check(nb == [0] + [1] * 5 + [2] * 4 + [3] * 3 + [4] * 2 + [5], f"greedy rounds: {nb}")
    # each round starts from the best of the previous one
    start = 1
    for size in (5, 4, 3, 2):
        rnd = g[start:start + size]
        best = max(rnd, key=lambda r: float(r["test_acc"]))
        nxt = g[start + size:start + size + size - 1]
        check(all(all(a == "B" or a == c for a, c in zip(n["model"], best["model"])) for n in nxt),
              f"round after {best['model']} extends it")
        start += size
    check("greedy" in open(os.path.join(out3, "search.md")).read(), "the report names the greedy scheme")

# 4. bad combinations
for args, msg in [(["--search", "--gamma", "0.1"], "--gamma do not apply"),
                  (["--gammas", "0.1"], "--gammas and --sq-price apply with --search only"),
                  (["--search", "--gammas", "0.1,x"], "--gammas '0.1,x'"),
                  (["--search", "--sq-price", "bits"], "--sq-price: unknown value 'bits'")]:
    p = run(*args, "--dataset", "mnist", "--data-dir", data_dir)
    check(p.returncode == 2 and msg in p.stderr, f"{' '.join(args)}: exit 2 with '{msg}' (got {p.returncode}: "
                                                 f"{p.stderr.strip()[-200:]})")

empty = os.path.join(work, "search-test-empty")
shutil.rmtree(empty, ignore_errors=True)
os.makedirs(empty)
p = run("--search", "--models", empty, "--dataset", "mnist", "--data-dir", data_dir)
check(p.returncode == 1 and "holds no training log to name the architecture" in p.stderr,
      f"--models of an empty folder: exit 1 with a message (got {p.returncode}: {p.stderr.strip()[-200:]})")
shutil.rmtree(empty, ignore_errors=True)

shutil.rmtree(out, ignore_errors=True)
shutil.rmtree(out2, ignore_errors=True)
shutil.rmtree(out3, ignore_errors=True)
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
