#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Time training epochs of bitern's `mlp` and `cifar-cnn` presets in PyTorch on the CPU, set up as
`bitern-train --quant float` sets them up, so that bench/torch-compare can put the two side by side.

What matches bitern (train/spec.c, train/layer_*.c, train/trainer.c, train/optim.c):
  - layers: mlp = fc:512,bn,relu,fc:256,bn,relu,fc:10; cifar-cnn = 3 x (conv3x3 pad 1 + bias, bn, relu, same
    again, maxpool 2), dropout 0.2, fc:10. BN: batch statistics in training, eps 1e-5, momentum 0.1, unbiased
    running variance (PyTorch's defaults are bitern's choices).
  - init: He normal (sd = sqrt(2 / fan_in)) for every conv/fc weight, biases 0, BN gamma 1 and shift 0.
  - Adam (0.9, 0.999, eps 1e-8, no weight decay) at lr 2e-3 with a per-step cosine schedule over all steps,
    the lr set before each step as bitern's tr_schedule_lr does; softmax cross-entropy, mean over the batch.
  - input: pixel / 255, normalised per channel with bitern's statistics; CIFAR training batches get a random
    crop from a 4-pixel zero-padded image (zero after normalisation = the mean colour) and a horizontal flip,
    per image, as build_batch does. Each epoch reshuffles; --limit-train/--limit-test keep the first N images.
  - threads: torch.set_num_threads(T), one inter-op thread.

What one epoch's time covers, as bitern's "seconds" (run_epoch: from before the shuffle to after the test
pass): shuffle, batch building (uint8 -> float, normalisation, augmentation), forward, loss, backward, the
optimizer step, and the evaluation of the test set at the end of the epoch. Data-file parsing is outside.
The JSON line also gives the training and evaluation parts separately.

Exits 77 ("skip: ...") when torch or numpy cannot be imported, the automake/meson convention for a skip.
"""
import argparse
import ctypes
import gzip
import json
import math
import os
import re
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:  # the comparison is optional: CI and most machines have no torch
    print(f"skip: PyTorch (or numpy) is not importable by {sys.executable}: {e}", flush=True)
    sys.exit(77)

PRESETS = ("mlp", "cifar-cnn")
MNIST_STATS = ((0.1307,), (0.3081,))   # train/data_idx.c
CIFAR_STATS = ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))   # train/data_cifar.c


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    off = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(raw) - off < count:
        raise ValueError(f"{path}: truncated: header says {count} bytes, file has {len(raw) - off}")
    return np.frombuffer(raw, dtype=np.uint8, count=count, offset=off).reshape(dims)


def find(data_dir, sub, name, gz_ok):
    for cand in ([name + ".gz", name] if gz_ok else [name]):
        for d in (os.path.join(data_dir, sub), data_dir):
            p = os.path.join(d, cand)
            if os.path.isfile(p):
                return p
    raise FileNotFoundError(f"{name} not found under {data_dir} or {os.path.join(data_dir, sub)}")


def load_mnist(data_dir, sub="mnist"):
    def pair(prefix):
        x = read_idx(find(data_dir, sub, f"{prefix}-images-idx3-ubyte", True))
        y = read_idx(find(data_dir, sub, f"{prefix}-labels-idx1-ubyte", True))
        return x.reshape(len(x), 1, 28, 28), y
    return pair("train"), pair("t10k"), MNIST_STATS


def load_cifar(data_dir):
    def batches(names):
        recs = []
        for n in names:
            raw = np.fromfile(find(data_dir, "cifar10", n, False), dtype=np.uint8)
            if raw.size == 0 or raw.size % 3073:
                raise ValueError(f"{n}: not a CIFAR-10 binary batch (size {raw.size})")
            recs.append(raw.reshape(-1, 3073))
        r = np.concatenate(recs)
        return r[:, 1:].reshape(-1, 3, 32, 32), r[:, 0].copy()
    return (batches([f"data_batch_{i}.bin" for i in range(1, 6)]), batches(["test_batch.bin"]), CIFAR_STATS)


def build_model(name, in_shape):
    if name == "mlp":
        c, h, w = in_shape
        layers = [nn.Flatten(), nn.Linear(c * h * w, 512), nn.BatchNorm1d(512), nn.ReLU(),
                  nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 10)]
    else:
        layers, c = [], in_shape[0]
        for out in (32, 64, 128):
            for _ in range(2):
                layers += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
                c = out
            layers.append(nn.MaxPool2d(2))
        layers += [nn.Dropout(0.2), nn.Flatten(), nn.Linear(128 * (in_shape[1] // 8) * (in_shape[2] // 8), 10)]
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            # bitern's He init: sd = sqrt(2 / fan_in), normal (PyTorch's default is a uniform Kaiming variant).
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / (m.weight[0].numel())))
            nn.init.zeros_(m.bias)
    return model


class Batcher:
    """bitern's build_batch on whole batches: the same normalisation, padding value, crop range and flip."""

    def __init__(self, x_u8, y, stats):
        self.x = torch.from_numpy(np.array(x_u8))   # a copy: frombuffer arrays are read-only
        self.y = torch.from_numpy(y.astype(np.int64))
        mean, std = stats
        c = self.x.shape[1]
        self.scale = torch.tensor([1.0 / (255.0 * s) for s in std]).view(1, c, 1, 1)
        self.off = torch.tensor([m / s for m, s in zip(mean, std)]).view(1, c, 1, 1)

    def get(self, idx, augment=False, gen=None):
        x = self.x[idx].float() * self.scale - self.off
        if augment:
            n, c, h, w = x.shape
            xp = torch.nn.functional.pad(x, (4, 4, 4, 4))
            dy = torch.randint(0, 9, (n,), generator=gen)
            dx = torch.randint(0, 9, (n,), generator=gen)
            flip = torch.randint(0, 2, (n,), generator=gen).bool()
            cols = torch.arange(w).expand(n, w)
            cols = torch.where(flip[:, None], w - 1 - cols, cols) + dx[:, None]
            rows = torch.arange(h)[None, :] + dy[:, None]
            x = xp[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None],
                   rows[:, None, :, None], cols[:, None, None, :]]
        return x, self.y[idx]


def openblas(threads):
    """Debian's torch reaches OpenBLAS through libblas.so.3 (BLAS_INFO=generic), and OpenBLAS keeps its own
    thread pool, which torch.set_num_threads does not size: pin it to T, and report the core it runs."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_set_num_threads(ctypes.c_int(threads))
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return None


def blas_backend(threads):
    info = {}
    for m in re.finditer(r"\b(BLAS_INFO|LAPACK_INFO|USE_MKLDNN|USE_OPENMP)=([^,\s]+)", torch.__config__.show()):
        info[m.group(1)] = m.group(2)
    m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    info["cpu_capability"] = m.group(1) if m else None
    info["mkldnn_available"] = torch.backends.mkldnn.is_available()
    info["openblas_core"] = openblas(threads)
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=PRESETS, default="mlp")
    ap.add_argument("--dataset", choices=("mnist", "fashion-mnist", "cifar10"), default=None,
                    help="default: mnist for mlp, cifar10 for cifar-cnn")
    ap.add_argument("--data-dir", default=os.environ.get("BITERN_DATA", "../shared/data"))
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--augment", type=int, choices=(-1, 0, 1), default=-1, help="-1: on for CIFAR, as bitern")
    ap.add_argument("--limit-train", type=int, default=0)
    ap.add_argument("--limit-test", type=int, default=0)
    ap.add_argument("--openblas-threads", type=int, default=0, help="OpenBLAS's own pool (default: --threads)")
    ap.add_argument("--show-config", action="store_true", help="print torch.__config__.show() to stderr")
    a = ap.parse_args()
    dataset = a.dataset or ("cifar10" if a.model == "cifar-cnn" else "mnist")

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    if a.show_config:
        print(torch.__config__.show(), file=sys.stderr)

    if dataset == "cifar10":
        (xtr, ytr), (xte, yte), stats = load_cifar(a.data_dir)
    else:
        (xtr, ytr), (xte, yte), stats = load_mnist(a.data_dir, dataset)
    if a.limit_train:
        xtr, ytr = xtr[:a.limit_train], ytr[:a.limit_train]
    if a.limit_test:
        xte, yte = xte[:a.limit_test], yte[:a.limit_test]
    train, test = Batcher(xtr, ytr, stats), Batcher(xte, yte, stats)
    augment = (dataset == "cifar10") if a.augment < 0 else bool(a.augment)

    model = build_model(a.model, tuple(xtr.shape[1:]))
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    lossf = nn.CrossEntropyLoss()
    N, M, B = len(ytr), len(yte), a.batch
    steps = (N + B - 1) // B
    total_steps = steps * a.epochs
    gen = torch.Generator().manual_seed(a.seed)
    common = {"impl": "torch", "torch": torch.__version__, "model": a.model, "dataset": dataset, "batch": B,
              "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
              "train_images": N, "test_images": M, "augment": augment, "blas": blas_backend(a.openblas_threads or a.threads),
              "openblas_threads": a.openblas_threads or a.threads,
              "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE")}
    for epoch in range(a.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        model.train()
        perm = torch.randperm(N, generator=gen)
        loss_sum, correct = 0.0, 0
        for s in range(steps):
            idx = perm[s * B:(s + 1) * B]
            x, y = train.get(idx, augment, gen)
            lr = a.lr * 0.5 * (1.0 + math.cos(math.pi * (epoch * steps + s) / total_steps))
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad(set_to_none=True)
            z = model(x)
            loss = lossf(z, y)
            loss.backward()
            opt.step()
            # .item() syncs nothing on the CPU but costs a little: bitern sums its loss and accuracy too.
            loss_sum += loss.item() * len(idx)
            correct += int((z.argmax(1) == y).sum())
        t1 = time.perf_counter()
        model.eval()
        tcorrect, tloss = 0, 0.0
        with torch.no_grad():
            for s in range(0, M, B):
                idx = torch.arange(s, min(s + B, M))
                x, y = test.get(idx)
                z = model(x)
                tloss += float(lossf(z, y)) * len(idx)
                tcorrect += int((z.argmax(1) == y).sum())
        t2, c2 = time.perf_counter(), time.process_time()
        print(json.dumps({**common, "epoch": epoch + 1, "seconds": round(t2 - t0, 3),
                          "train_seconds": round(t1 - t0, 3), "eval_seconds": round(t2 - t1, 3),
                          "cpu_seconds": round(c2 - c0, 3), "loss": round(loss_sum / N, 6),
                          "train_acc": round(correct / N, 6), "test_acc": round(tcorrect / M, 6),
                          "test_loss": round(tloss / M, 6)}), flush=True)


if __name__ == "__main__":
    main()
