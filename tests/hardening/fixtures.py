#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fixtures of the hardening tests: the case registry, generated datasets, a tiny model, file surgery."""
import argparse
import gzip
import os
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# $BITERN_DATA, as users set it, else what meson passes (-Ddata_dir), else ../shared/data beside the checkout.
REAL_DATA = (os.environ.get("BITERN_DATA") or os.environ.get("BITERN_TEST_DATA")
             or os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data")))

CASES = []


def case(group, kind, example, expect_rc, message, skip_unless=None):
    """Registers a case: fn(ctx) returns the argument list after `bitern`."""
    def reg(fn):
        CASES.append(dict(group=group, name=fn.__name__, kind=kind, example=example, rc=expect_rc, msg=message,
                          fn=fn, skip_unless=skip_unless))
        return fn
    return reg


# ---------------------------------------------------------------------------------------------- fixtures

def idx_bytes(dims, payload, magic=None):
    hdr = magic if magic is not None else bytes([0, 0, 0x08, len(dims)])
    return hdr + b"".join(struct.pack(">I", d) for d in dims) + payload


def synth_images(n, h=28, w=28, seed=1):
    # Label k images are brighter in band k, so the tiny model has something to learn.
    out, labels = bytearray(), bytearray()
    x = seed
    for i in range(n):
        k = i % 10
        labels.append(k)
        for p in range(h * w):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            v = (x >> 16) & 0x3F
            if (p * 10) // (h * w) == k:
                v += 150
            out.append(v)
    return bytes(out), bytes(labels)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


IDX_NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def make_mnist_dir(root, gz=False, n_train=256, n_test=64, edit=None):
    """A valid MNIST-layout directory; edit(name, bytes) -> bytes may corrupt one file."""
    xi, yi = synth_images(n_train)
    xt, yt = synth_images(n_test, seed=2)
    files = {IDX_NAMES[0]: idx_bytes([n_train, 28, 28], xi), IDX_NAMES[1]: idx_bytes([n_train], yi),
             IDX_NAMES[2]: idx_bytes([n_test, 28, 28], xt), IDX_NAMES[3]: idx_bytes([n_test], yt)}
    for name, data in files.items():
        if edit:
            data = edit(name, data)
        if data is None:
            continue
        if gz:
            write(os.path.join(root, "mnist", name + ".gz"), gzip.compress(data, mtime=0))
        else:
            write(os.path.join(root, "mnist", name), data)
    return root


def make_cifar_dir(root, edit=None):
    rec = bytearray()
    for i in range(4):
        rec.append(i % 10)
        rec += bytes([(i * 7 + j) & 0xFF for j in range(3072)])
    for name in ["data_batch_%d.bin" % k for k in range(1, 6)] + ["test_batch.bin"]:
        data = bytes(rec)
        if edit:
            data = edit(name, data)
        if data is not None:
            write(os.path.join(root, "cifar10", name), data)
    return root


class Ctx:
    """Paths to the tools and the generated inputs shared by the cases; files are made on first use."""

    def __init__(self, bitern, rechecksum, tmp):
        self.bitern, self.rechecksum, self.tmp = bitern, rechecksum, tmp
        self._model = None
        self.n = 0
        self.missing = os.path.join(tmp, "no", "such", "dir")   # not /nonexistent: anyone may create that

    def path(self, name):
        self.n += 1
        d = os.path.join(self.tmp, "c%03d" % self.n)
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, name)

    @property
    def data(self):
        d = os.path.join(self.tmp, "good-data")
        if not os.path.isdir(d):
            make_mnist_dir(d)
        return d

    def model(self):
        """A tiny trained model: fc(784->32) float, bn, relu, fc(32->16) binary, bn, relu, fc(16->10) float."""
        if self._model is None:
            out = os.path.join(self.tmp, "tiny.btn")
            r = run(self, ["train", "--dataset", "mnist", "--data-dir", self.data, "--model",
                           "fc:32,bn,relu,fc:16,bn,relu,fc:10", "--quant", "bc", "--epochs", "2", "--batch", "32",
                           "--out", out, "--keep-ckpt", "--quiet"])
            if r.returncode != 0 or not os.path.exists(out + ".ckpt"):
                raise RuntimeError("cannot train the tiny model: " + r.stdout + r.stderr)
            self._model = out
        return self._model

    def ckpt(self):
        return self.model() + ".ckpt"

    def copy(self, src, name):
        dst = self.path(name)
        shutil.copyfile(src, dst)
        return dst

    def fix_checksum(self, path):
        subprocess.run([self.rechecksum, path], check=True)
        return path


# BITERN_TEST_WRAPPER (e.g. "valgrind -q --error-exitcode=99 --leak-check=full") runs bitern under a tool: meson's
# --wrapper would wrap this script's python3 instead.
WRAPPER = shlex.split(os.environ.get("BITERN_TEST_WRAPPER", ""))
VALGRIND_LINE = re.compile(r"^==\d+== ", re.M)


def run(ctx, args, env_extra=None, preexec=None, wrap=None):
    # Only the data the case names: no $BITERN_DATA, no per-user dataset directory.
    env = dict(os.environ, BITERN_DATA=ctx.missing, HOME=ctx.missing, BITERN_NO_REEXEC="1")
    env.pop("XDG_DATA_HOME", None)
    env.update(env_extra or {})
    cmd = (wrap or []) + WRAPPER + [ctx.bitern] + args
    return subprocess.run(cmd, env=env, capture_output=True, text=True, errors="replace",
                          timeout=1200 if WRAPPER else 120, preexec_fn=preexec)


# .btn layout (train/model_file.h): where each layer's fields are.
DENSE, CONV, BN = 1, 2, 3


def btn_layers(data):
    nn = struct.unpack_from("<I", data, 36)[0]
    off = 40 + 8 * nn
    nl = struct.unpack_from("<I", data, 28)[0]
    layers = []
    for _ in range(nl):
        h = struct.unpack_from("<10I", data, off)
        lay = dict(off=off, type=h[0], in_c=h[1], in_h=h[2], in_w=h[3], out_c=h[4], k=h[7])
        p = off + 44
        lay["payload"] = p
        if h[0] in (DENSE, CONV):
            fan = h[1] * h[2] * h[3] if h[0] == DENSE else h[1] * h[7] * h[7]
            depth = struct.unpack_from("<I", data, p)[0]
            lay.update(depth=depth, fan=fan, params=p + 20)
            if depth == 0:
                size = h[4] * fan * 4
            else:
                words = (fan + 63) // 64 * (1 if depth == 1 else 2)
                lay["rows"] = p + 20 + h[4] * 4
                size = h[4] * 4 + h[4] * words * 8
            lay["bias"] = p + 20 + size
            p += 20 + size + h[4] * 4
        elif h[0] == BN:
            lay["eps"] = p
            lay["var"] = p + 4 + 12 * h[1]
            p += 4 + 16 * h[1]
        off = p
        layers.append(lay)
    return layers


def patch(path, off, raw):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(raw)


def model_edit(ctx, name, fn, fix=True):
    p = ctx.copy(ctx.model(), name)
    with open(p, "rb") as f:
        data = f.read()
    fn(p, data, btn_layers(data))
    return ctx.fix_checksum(p) if fix else p


def truncated(ctx, src, name, length):
    p = ctx.path(name)
    with open(src, "rb") as f:
        data = f.read()
    write(p, data[:length] if length >= 0 else data[:len(data) + length])
    return p


def flipped(ctx, src, name, at):
    p = ctx.copy(src, name)
    size = os.path.getsize(p)
    at = at if at >= 0 else size + at
    with open(p, "r+b") as f:
        f.seek(at)
        b = f.read(1)
        f.seek(at)
        f.write(bytes([b[0] ^ 0x40]))
    return p


def EVAL(model, *more):
    return ["eval", model, "--dataset", "mnist", "--limit", "10", "--latency-n", "5"] + list(more)


