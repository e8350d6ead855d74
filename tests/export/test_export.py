#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`bitern export` end to end: for models of every preset and depth kind, trained briefly here,
  - onnx.checker (full check, with shape inference) accepts the file, the opset is 13, and the metadata names
    each conv/dense layer's depth as the model file has it;
  - ONNX Runtime (onnxruntime-node, CPU, run by Node.js) gives the same class as `bitern eval --predictions` on
    >= 99.9% of the test images (bitern's engine quantizes int8 activations per example, the exported graph
    runs float activations: a few borderline images may differ, and the count is printed);
  - bad input: a corrupt model, the output naming the input, a missing argument, an unknown option.
Skips (77) without Debian's python3-onnx, Node.js or tools/onnxrt/node_modules (tools/install-deps installs
them), or without the datasets.

  test_export.py BITERN DATA_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "onnxrt"))
from bitern_onnx import dataset_dir, ort_classify, ort_missing, write_test_pixels  # noqa: E402

# (name, dataset, model spec, bitern train options); each trains for one short epoch.
CASES = [
    ("mlp-float", "mnist", "mlp", ["--quant", "float"]),
    ("mlp-binary", "mnist", "mlp", ["--quant", "binary"]),
    ("mlp-sq-act-binary", "mnist", "mlp", ["--quant", "sq", "--act", "binary"]),
    ("lenet-float", "mnist", "lenet", ["--quant", "float"]),
    ("lenet-binary", "mnist", "lenet", ["--quant", "binary"]),
    ("lenet-ternary-all", "fashion-mnist", "lenet", ["--quant", "ternary", "--quant-all"]),
    ("lenet-sq", "mnist", "lenet", ["--quant", "sq"]),
    ("lenet-ternary-act-ternary", "mnist", "lenet", ["--quant", "ternary", "--act", "ternary"]),
    ("cnn-htanh-drop", "mnist", "conv3x3:8:p1:s2,bn,htanh,drop:0.2,conv5x5:8:p0,bn,relu,pool2,fc:10",
     ["--quant", "binary"]),
    ("cifar-cnn-binary", "cifar10", "cifar-cnn", ["--quant", "binary", "--limit-train", "512"]),
    # residual blocks (identity and option-A shortcuts) and global average pooling
    ("resnet20-ternary", "cifar10", "resnet20", ["--quant", "ternary", "--limit-train", "512"]),
]

failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg, flush=True)
    return cond


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    bitern, data_dir = sys.argv[1], os.environ.get("BITERN_DATA") or sys.argv[2]   # as the C tests do
    try:
        import onnx
    except ImportError:
        print("SKIP: no python3-onnx (Debian package python3-onnx) for this python:", sys.executable)
        return 77
    missing = ort_missing()
    if missing:
        print("SKIP: ONNX Runtime needs", missing)
        return 77
    if not dataset_dir(data_dir, "mnist"):
        print("SKIP: no MNIST under", data_dir)
        return 77
    limit = 10000
    td = tempfile.mkdtemp(prefix="bitern-export-")
    try:
        pixels = {}
        checked = 0
        for name, ds, spec, opts in CASES:
            if not dataset_dir(data_dir, ds):
                print(f"{name}: no {ds} dataset, not run")
                continue
            btn, onx = os.path.join(td, name + ".btn"), os.path.join(td, name + ".onnx")
            tr = opts if "--limit-train" in opts else opts + ["--limit-train", "3000"]
            r = run([bitern, "train", "--dataset", ds, "--data-dir", data_dir, "--model", spec, "--epochs", "1",
                     "--seed", "3", "--quiet", "--limit-test", "500", "--out", btn] + tr)
            if not check(r.returncode == 0, f"{name}: bitern train failed: {r.stderr.strip()}"):
                continue
            r = run([bitern, "export", btn, onx])
            if not check(r.returncode == 0, f"{name}: bitern export failed: {r.stderr.strip()}"):
                continue
            m = onnx.load(onx)
            try:
                onnx.checker.check_model(m, full_check=True)
            except Exception as e:  # the checker's own exception types vary between versions
                check(False, f"{name}: onnx.checker: {e}")
                continue
            check(any(o.domain in ("", "ai.onnx") and o.version == 13 for o in m.opset_import), f"{name}: opset")
            meta = {p.key: p.value for p in m.metadata_props}
            depths = meta.get("bitern.depths", "").split()
            want = "F" if opts[1] == "float" else None
            check(len(depths) >= 2, f"{name}: metadata bitern.depths = {depths}")
            if want:
                check(set(depths) == {"F"}, f"{name}: a float model's depths are {depths}")
            elif "--quant-all" in opts:
                check("F" not in depths, f"{name}: --quant-all but depths {depths}")
            else:
                check(depths[0] == "F" and depths[-1] == "F" and "F" not in depths[1:-1],
                      f"{name}: depths {depths}: first and last float, the others quantized")

            pf = os.path.join(td, ds + ".f32")
            if ds not in pixels:
                pixels[ds] = write_test_pixels(data_dir, ds, limit, pf)
            n = pixels[ds][0]
            try:
                ort_cls = ort_classify(onx, pf, pixels[ds])
            except RuntimeError as e:
                check(False, f"{name}: {e}")
                continue
            pred = os.path.join(td, name + ".pred")
            r = run([bitern, "eval", btn, "--dataset", ds, "--data-dir", data_dir, "--limit", str(n),
                     "--latency-n", "1", "--predictions", pred])
            if not check(r.returncode == 0, f"{name}: bitern eval: {r.stderr.strip()}"):
                continue
            eng = [int(v) for v in open(pred).read().split()]
            if not check(len(eng) == n and len(ort_cls) == n, f"{name}: {len(eng)} / {len(ort_cls)} classes, {n} images"):
                continue
            same = sum(a == b for a, b in zip(eng, ort_cls))
            print(f"{name}: depths {' '.join(depths)}; ONNX Runtime and bitern agree on {same}/{n} images")
            check(same >= 0.999 * n, f"{name}: ONNX Runtime and bitern eval agree on {same}/{n} (< 99.9%)")
            checked += 1

        # bad input: each must fail with a message and leave what existed untouched
        good = next((os.path.join(td, n + ".btn") for n, *_ in CASES if os.path.exists(os.path.join(td, n + ".btn"))), None)
        if good:
            before = open(good, "rb").read()
            r = run([bitern, "export", good, good])
            check(r.returncode != 0 and open(good, "rb").read() == before,
                  f"export onto its own input: rc {r.returncode}, model {'kept' if open(good, 'rb').read() == before else 'LOST'}")
            bad = os.path.join(td, "corrupt.btn")
            with open(bad, "wb") as f:
                f.write(before[:len(before) // 2])
            out = os.path.join(td, "corrupt.onnx")
            r = run([bitern, "export", bad, out])
            check(r.returncode == 1 and r.stderr.strip() and not os.path.exists(out),
                  f"truncated model: rc {r.returncode}, stderr '{r.stderr.strip()}', output left: {os.path.exists(out)}")
        for args, rc in [([], 2), (["only-one.btn"], 2), (["--bogus", "a", "b"], 2)]:
            r = run([bitern, "export"] + args)
            check(r.returncode == rc and "bitern export" in r.stderr, f"export {args}: rc {r.returncode}, '{r.stderr.strip()}'")
        r = run([bitern, "export", "--help"])
        check(r.returncode == 0 and "usage" in r.stdout, "export --help")
        check(checked > 0, "no model was checked")
    finally:
        shutil.rmtree(td, ignore_errors=True)
    print(f"{checked} models exported and run; {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
