# SPDX-License-Identifier: MIT
"""What tests/export and bench/infer-compare share: a dataset's test pixels as the exported graph takes them, and
ONNX Runtime (onnxruntime-node, run by Node.js through run.mjs beside this file)."""
import gzip
import json
import os
import shutil
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def ort_missing():
    """None when Node.js and onnxruntime-node are there, else what is missing."""
    if not shutil.which("node"):
        return "Node.js (Debian nodejs)"
    if not os.path.isdir(os.path.join(HERE, "node_modules", "onnxruntime-node")):
        return "onnxruntime-node in tools/onnxrt (npm install --ignore-scripts there; tools/install-deps does it)"
    return None


def dataset_dir(data_dir, name):
    for d in [os.path.join(data_dir, name) if data_dir else None, os.path.join("/usr/share/datasets", name)]:
        if d and os.path.isdir(d):
            return d
    return None


def write_test_pixels(data_dir, name, limit, path):
    """The first `limit` test images of a dataset as float32 pixels 0..255, NCHW, written to path; returns
    (n, c, h, w)."""
    d = dataset_dir(data_dir, name)
    if d is None:
        raise FileNotFoundError(f"no {name} dataset under {data_dir} or /usr/share/datasets")
    if name == "cifar10":
        with open(os.path.join(d, "test_batch.bin"), "rb") as f:
            raw = f.read()
        n = min(limit, len(raw) // 3073)
        px = b"".join(raw[i * 3073 + 1:(i + 1) * 3073] for i in range(n))
        c, h, w = 3, 32, 32
    else:
        with gzip.open(os.path.join(d, "t10k-images-idx3-ubyte.gz")) as f:
            raw = f.read()
        magic, count, h, w = struct.unpack(">IIII", raw[:16])
        if magic != 0x803:
            raise ValueError(f"{name}: not an IDX image file (magic {magic:#x})")
        n = min(count, limit)
        px = raw[16:16 + n * h * w]
        c = 1
    with open(path, "wb") as f:
        f.write(struct.pack("<%df" % len(px), *px))
    return n, c, h, w


def _run(args):
    r = subprocess.run(["node", os.path.join(HERE, "run.mjs")] + [str(a) for a in args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"onnxruntime: {r.stderr.strip()}")
    return r.stdout


def ort_classify(model, pixels, shape, threads=1):
    return [int(v) for v in _run(["classify", model, pixels, *shape, "--threads", threads]).split()]


def ort_time(model, pixels, shape, batch, threads, runs, warmup=10):
    return json.loads(_run(["time", model, pixels, *shape, "--batch", batch, "--threads", threads, "--runs", runs,
                            "--warmup", warmup]))
