#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every kind of bad input bitern must refuse, each with the exit status and message it must give.

Runs `bitern train`, `bitern eval` and `bitern info` on generated bad files and command lines and checks, for
every case: the process exited by itself (not by a signal) with the expected non-zero status, and its output
contains the expected message. Each case passes or fails on its own; the exit status is the number of failures.

    bad_inputs.py --bitern B --rechecksum R [--group G]...   run the cases (all groups by default)
    bad_inputs.py --markdown                                 the catalogue table of docs/bad-inputs.md

The inputs are generated: small synthetic IDX and CIFAR-10 sets and a tiny model trained on them, so the cases
run without the real datasets. Real files are cut too when ../shared/data has them (those cases are skipped,
and said so, without it).
"""
import argparse
import gzip
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REAL_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))

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
                           "--out", out, "--quiet"])
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


def run(ctx, args, env_extra=None, preexec=None, wrap=None):
    env = dict(os.environ, BITERN_DATA="/nonexistent", BITERN_NO_REEXEC="1")
    env.update(env_extra or {})
    cmd = (wrap or []) + [ctx.bitern] + args
    return subprocess.run(cmd, env=env, capture_output=True, text=True, errors="replace", timeout=120,
                          preexec_fn=preexec)


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


# ---------------------------------------------------------------------------------------- .btn model files

@case("model", "missing file", "`bitern eval /nonexistent/m.btn`", 1, "cannot open: No such file or directory")
def model_missing(ctx):
    return EVAL("/nonexistent/m.btn")


@case("model", "a directory instead of a file", "`bitern eval /tmp`", 1, "not a regular file")
def model_is_dir(ctx):
    return EVAL(ctx.tmp)


@case("model", "empty file", "0 bytes", 1, "empty file (0 bytes), not a bitern model file")
def model_empty(ctx):
    p = ctx.path("empty.btn")
    write(p, b"")
    return EVAL(p)


@case("model", "truncated inside the magic", "first 5 bytes", 1, "truncated bitern model file (5 bytes)")
def model_trunc_5(ctx):
    return EVAL(truncated(ctx, ctx.model(), "t5.btn", 5))


@case("model", "truncated after the magic", "first 12 bytes", 1, "truncated bitern model file (12 bytes)")
def model_trunc_12(ctx):
    return EVAL(truncated(ctx, ctx.model(), "t12.btn", 12))


@case("model", "truncated in the header", "first 40 bytes", 1, "checksum mismatch (file corrupted or truncated)")
def model_trunc_40(ctx):
    return EVAL(truncated(ctx, ctx.model(), "t40.btn", 40))


@case("model", "truncated in the weights", "half the file", 1, "checksum mismatch (file corrupted or truncated)")
def model_trunc_half(ctx):
    return EVAL(truncated(ctx, ctx.model(), "th.btn", os.path.getsize(ctx.model()) // 2))


@case("model", "truncated in the checksum", "last byte missing", 1, "checksum mismatch")
def model_trunc_last(ctx):
    return EVAL(truncated(ctx, ctx.model(), "tl.btn", -1))


@case("model", "truncated, checksum recomputed", "last layer cut off, valid checksum", 1, "truncated")
def model_trunc_rechecked(ctx):
    def cut(p, data, layers):
        write(p, data[:layers[-1]["bias"]] + data[-8:])
    return EVAL(model_edit(ctx, "trc.btn", cut))


@case("model", "oversized: bytes appended", "16 zero bytes after the checksum", 1, "checksum mismatch")
def model_appended(ctx):
    p = ctx.copy(ctx.model(), "app.btn")
    with open(p, "ab") as f:
        f.write(bytes(16))
    return EVAL(p)


@case("model", "oversized: bytes appended, checksum recomputed", "16 bytes before a valid checksum", 1,
      "16 unexpected bytes after the last layer")
def model_appended_rechecked(ctx):
    def grow(p, data, layers):
        write(p, data[:-8] + bytes(16) + data[-8:])
    return EVAL(model_edit(ctx, "appc.btn", grow))


@case("model", "oversized: larger than any model", "sparse 17 GiB file", 1, "file too large")
def model_huge(ctx):
    p = ctx.path("huge.btn")
    with open(p, "wb") as f:
        f.truncate(17 << 30)
    return EVAL(p)


@case("model", "corrupted: one byte flipped", "a weight byte XOR 0x40", 1,
      "checksum mismatch (file corrupted or truncated)")
def model_flip_weight(ctx):
    return EVAL(flipped(ctx, ctx.model(), "fw.btn", 400))


@case("model", "corrupted: checksum byte flipped", "last byte XOR 0x40", 1, "checksum mismatch")
def model_flip_checksum(ctx):
    return EVAL(flipped(ctx, ctx.model(), "fc.btn", -1))


@case("model", "wrong magic", "an IDX file given as a model", 1, "not a bitern model file (bad magic)")
def model_wrong_magic(ctx):
    return EVAL(os.path.join(ctx.data, "mnist", IDX_NAMES[1]))


@case("model", "wrong magic: a text file", "`bitern train --eval meson.build`", 1, "not a bitern model file (bad magic)")
def model_text(ctx):
    return ["train", "--eval", os.path.join(HERE, "meson.build"), "--data-dir", ctx.data]


@case("model", "wrong magic: a checkpoint", "`bitern eval run.ckpt`", 1, "not a bitern model file (bad magic)")
def model_is_ckpt(ctx):
    return EVAL(ctx.ckpt())


@case("model", "wrong version", "version 99, valid checksum", 1, "unsupported model file version 99 (this build reads 1)")
def model_version(ctx):
    return EVAL(model_edit(ctx, "v99.btn", lambda p, d, l: patch(p, 8, struct.pack("<I", 99))))


@case("model", "dimensions that overflow", "input 4294967295 x 4294967295 x 4294967295", 1,
      "bad input shape 4294967295x4294967295x4294967295")
def model_dims_overflow(ctx):
    return EVAL(model_edit(ctx, "dims.btn", lambda p, d, l: patch(p, 12, struct.pack("<3I", *[0xFFFFFFFF] * 3))))


@case("model", "layer count out of range", "4294967295 layers", 1, "bad layer count 4294967295")
def model_nlayers(ctx):
    return EVAL(model_edit(ctx, "nl.btn", lambda p, d, l: patch(p, 28, struct.pack("<I", 0xFFFFFFFF))))


@case("model", "unknown layer type", "type 77", 1, "layer 0: bad type 77")
def model_layer_type(ctx):
    return EVAL(model_edit(ctx, "lt.btn", lambda p, d, l: patch(p, l[0]["off"], struct.pack("<I", 77))))


@case("model", "weight size overflows", "fc with out_c 65536 and a 2^32-wide input", 1,
      "truncated model file")
def model_weight_overflow(ctx):
    def big(p, data, layers):
        patch(p, layers[0]["off"] + 4, struct.pack("<3I", 65535, 65535, 65535))
    return EVAL(model_edit(ctx, "wo.btn", big))


@case("model", "shapes that do not chain", "layer 3 says 31 inputs, layer 0 gives 32", 1,
      "layer 3 (fc): stored shape 31x1x1 -> 16x1x1 does not match the computed one")
def model_no_chain(ctx):
    return EVAL(model_edit(ctx, "chain.btn", lambda p, d, l: patch(p, l[3]["off"] + 4, struct.pack("<I", 31))))


@case("model", "last layer is not the class count", "11 classes declared, fc:10 at the end", 1,
      "inconsistent layers: the last layer gives 10 x 1 x 1 outputs, the dataset has 11 classes")
def model_classes(ctx):
    return EVAL(model_edit(ctx, "cls.btn", lambda p, d, l: patch(p, 24, struct.pack("<I", 11))))


@case("model", "NaN weight", "a float weight of layer 0 set to NaN", 1, "layer 0: non-finite weight")
def model_nan_weight(ctx):
    return EVAL(model_edit(ctx, "nan.btn", lambda p, d, l: patch(p, l[0]["params"] + 40, struct.pack("<f", float("nan")))))


@case("model", "Inf weight", "a float weight of the last layer set to -Inf", 1, "layer 6: non-finite weight")
def model_inf_weight(ctx):
    return EVAL(model_edit(ctx, "inf.btn", lambda p, d, l: patch(p, l[6]["params"], struct.pack("<f", float("-inf")))))


@case("model", "NaN bias", "bias of layer 0", 1, "layer 0: non-finite bias or metadata")
def model_nan_bias(ctx):
    return EVAL(model_edit(ctx, "nanb.btn", lambda p, d, l: patch(p, l[0]["bias"], struct.pack("<f", float("nan")))))


@case("model", "Inf scale of a packed layer", "row scale of the binary layer", 1, "layer 3: bad scale inf for row 0")
def model_inf_scale(ctx):
    return EVAL(model_edit(ctx, "infs.btn", lambda p, d, l: patch(p, l[3]["params"], struct.pack("<f", float("inf")))))


@case("model", "NaN in batch norm", "running variance of layer 1", 1, "layer 1 (bn): non-finite or negative parameters")
def model_nan_bn(ctx):
    return EVAL(model_edit(ctx, "nanbn.btn", lambda p, d, l: patch(p, l[1]["var"], struct.pack("<f", float("nan")))))


@case("model", "NaN input normalisation", "mean of channel 0", 1, "bad input normalisation for channel 0")
def model_nan_norm(ctx):
    return EVAL(model_edit(ctx, "nann.btn", lambda p, d, l: patch(p, 40, struct.pack("<f", float("nan")))))


@case("model", "non-canonical packed row", "padding bits set in a B1 row", 1, "packed weights not canonical")
def model_padding_bits(ctx):
    # fan-in 32: the row's upper 32 bits are padding and must be zero
    return EVAL(model_edit(ctx, "pad.btn", lambda p, d, l: patch(p, l[3]["rows"] + 4, b"\xff\xff\xff\xff")))


@case("model", "model input does not fit the dataset", "an MNIST model on CIFAR-10", 1,
      "takes 1x28x28 images, cifar10 has 3x32x32")
def model_wrong_dataset(ctx):
    d = make_cifar_dir(os.path.join(ctx.tmp, "cifar-ok"))
    return ["eval", ctx.model(), "--dataset", "cifar10", "--data-dir", d]


@case("model", "`bitern train --eval` of a corrupted model", "a byte flipped", 1, "checksum mismatch")
def model_train_eval(ctx):
    return ["train", "--eval", flipped(ctx, ctx.model(), "te.btn", 300), "--data-dir", ctx.data]


# ------------------------------------------------------------------------------------------- checkpoints

def RESUME(ctx, ckpt, *more):
    return ["train", "--dataset", "mnist", "--data-dir", ctx.data, "--model", "fc:32,bn,relu,fc:16,bn,relu,fc:10",
            "--quant", "bc", "--epochs", "2", "--batch", "32", "--quiet", "--resume", ckpt] + list(more)


def ckpt_edit(ctx, name, fn):
    p = ctx.copy(ctx.ckpt(), name)
    with open(p, "rb") as f:
        data = f.read()
    fn(p, data)
    return ctx.fix_checksum(p)


# v2 header: magic 8, version 4, fingerprint 8, epochs_done 4, quantized 4, n_layers 4, t 8, beta t 8, step 4,
# rng 32, drop rng 32, loss_sum 8, reg_sum 8, correct 8 = 140; then layer 0: type 4, depth 4, thr 4, beta 4, s 4.
# The tiny model's layers take 104116 bytes (fc 784x32, bn 32, relu, fc 32x16, bn 16, relu, fc 16x10), then the
# optimizer's parameter count and its first moment array.
CK_EPOCHS, CK_QUANT, CK_HDR = 20, 24, 140
CK_W0 = CK_HDR + 20
CK_MOMENTS = CK_HDR + 104116 + 4


@case("ckpt", "missing file", "`--resume /nonexistent/run.ckpt`", 1, "cannot open: No such file or directory")
def ckpt_missing(ctx):
    return RESUME(ctx, "/nonexistent/run.ckpt")


@case("ckpt", "empty file", "0 bytes", 1, "empty file (0 bytes), not a bitern checkpoint")
def ckpt_empty(ctx):
    p = ctx.path("e.ckpt")
    write(p, b"")
    return RESUME(ctx, p)


@case("ckpt", "truncated", "first 100 bytes", 1, "checksum mismatch (file corrupted or truncated)")
def ckpt_trunc(ctx):
    return RESUME(ctx, truncated(ctx, ctx.ckpt(), "t.ckpt", 100))


@case("ckpt", "truncated, checksum recomputed", "end of the optimizer state cut off, valid checksum", 1,
      "truncated checkpoint")
def ckpt_trunc_rechecked(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "tc.ckpt", lambda p, d: write(p, d[:-108] + d[-8:])))


@case("ckpt", "corrupted: one byte flipped", "a weight byte XOR 0x40", 1, "checksum mismatch")
def ckpt_flip(ctx):
    return RESUME(ctx, flipped(ctx, ctx.ckpt(), "f.ckpt", 500))


@case("ckpt", "oversized: bytes appended, checksum recomputed", "8 bytes before a valid checksum", 1,
      "checkpoint does not match the model's parameters")
def ckpt_appended(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "a.ckpt", lambda p, d: write(p, d[:-8] + bytes(8) + d[-8:])))


@case("ckpt", "wrong magic: a model file", "`--resume model.btn`", 1, "not a bitern checkpoint (bad magic)")
def ckpt_is_model(ctx):
    return RESUME(ctx, ctx.model())


@case("ckpt", "wrong version", "version 7, valid checksum", 1, "unsupported checkpoint version 7")
def ckpt_version(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "v.ckpt", lambda p, d: patch(p, 8, struct.pack("<I", 7))))


@case("ckpt", "written with other settings", "resumed with --seed 9", 1,
      "checkpoint was written with different settings")
def ckpt_other_settings(ctx):
    return RESUME(ctx, ctx.ckpt(), "--seed", "9")


@case("ckpt", "position beyond the run", "epochs_done 1000 of 2", 1,
      "checkpoint position (epoch 1000, batch 0) lies outside this run")
def ckpt_epochs(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "ep.ckpt", lambda p, d: patch(p, CK_EPOCHS, struct.pack("<I", 1000))))


@case("ckpt", "bad header flag", "quantized flag 5", 1, "bad header (quantized flag 5")
def ckpt_flag(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "q.ckpt", lambda p, d: patch(p, CK_QUANT, struct.pack("<I", 5))))


@case("ckpt", "layer count differs", "n_layers 3", 1, "checkpoint has 3 layers, the model 7")
def ckpt_layers(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "nl.ckpt", lambda p, d: patch(p, 28, struct.pack("<I", 3))))


@case("ckpt", "NaN weight", "first weight of layer 0", 1, "layer 0 (fc) holds NaN or Inf")
def ckpt_nan(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "nan.ckpt", lambda p, d: patch(p, CK_W0, struct.pack("<f", float("nan")))))


@case("ckpt", "Inf weight", "a weight of layer 0 set to +Inf", 1, "layer 0 (fc) holds NaN or Inf")
def ckpt_inf(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "inf.ckpt", lambda p, d: patch(p, CK_W0 + 400, struct.pack("<f", float("inf")))))


@case("ckpt", "NaN optimizer moment", "an Adam moment of layer 0's weights", 1, "optimizer state 0 holds NaN or Inf")
def ckpt_nan_moment(ctx):
    return RESUME(ctx, ckpt_edit(ctx, "nanm.ckpt", lambda p, d: patch(p, CK_MOMENTS + 100, struct.pack("<f", float("nan")))))


# ------------------------------------------------------------------------------------ IDX (MNIST, Fashion)

def TRAIN(data, *more):
    return ["train", "--dataset", "mnist", "--data-dir", data, "--model", "fc:10", "--epochs", "1", "--quiet"] + \
        list(more)


def idx_case(ctx, edit, gz=False):
    return TRAIN(make_mnist_dir(ctx.path("d"), gz=gz, edit=edit))


def only(name, fn):
    return lambda n, d: fn(d) if n == name else d


@case("idx", "data directory does not exist", "`--data-dir /nonexistent`", 1,
      "data directory /nonexistent: No such file or directory")
def idx_no_dir(ctx):
    return TRAIN("/nonexistent")


@case("idx", "data directory is a file", "`--data-dir some.btn`", 1, "not a directory")
def idx_dir_is_file(ctx):
    return TRAIN(ctx.model())


@case("idx", "a file missing", "no t10k-labels", 1, "dataset mnist not found")
def idx_missing(ctx):
    return idx_case(ctx, lambda n, d: None if n == IDX_NAMES[3] else d)


@case("idx", "empty file", "train-images of 0 bytes", 1, "truncated IDX magic: expected 4 bytes, got 0")
def idx_empty(ctx):
    return idx_case(ctx, only(IDX_NAMES[0], lambda d: b""))


@case("idx", "truncated header", "train-images cut to 10 bytes", 1, "truncated IDX dimensions")
def idx_trunc_hdr(ctx):
    return idx_case(ctx, only(IDX_NAMES[0], lambda d: d[:10]))


@case("idx", "truncated data", "train-images missing its last 100 bytes", 1,
      "truncated IDX data: header says 200704 bytes, file has 200604")
def idx_trunc_data(ctx):
    return idx_case(ctx, only(IDX_NAMES[0], lambda d: d[:-100]))


@case("idx", "truncated gzip stream", "train-images.gz cut in half", 1, "train-images-idx3-ubyte.gz: truncated IDX data")
def idx_trunc_gz(ctx):
    d = make_mnist_dir(ctx.path("d"), gz=True)
    p = os.path.join(d, "mnist", IDX_NAMES[0] + ".gz")
    with open(p, "rb") as f:
        data = f.read()
    write(p, data[:len(data) // 2])
    return TRAIN(d)


@case("idx", "corrupted gzip stream", "a byte of the compressed data flipped", 1, "train-labels-idx1-ubyte.gz: ")
def idx_corrupt_gz(ctx):
    d = make_mnist_dir(ctx.path("d"), gz=True)
    p = os.path.join(d, "mnist", IDX_NAMES[1] + ".gz")
    with open(p, "rb") as f:
        data = bytearray(f.read())
    data[-12] ^= 0xFF   # inside the deflate stream or its CRC: either way gzip must complain
    write(p, bytes(data))
    return TRAIN(d)


@case("idx", "oversized: trailing bytes", "10 bytes after the labels", 1,
      "trailing bytes after the 256 bytes of IDX data the header announces")
def idx_trailing(ctx):
    return idx_case(ctx, only(IDX_NAMES[1], lambda d: d + bytes(10)))


@case("idx", "wrong magic", "first bytes 'PK'", 1, "bad IDX magic 50 4b")
def idx_magic(ctx):
    return idx_case(ctx, only(IDX_NAMES[0], lambda d: b"PK" + d[2:]))


@case("idx", "wrong element type (float IDX, could hold NaN)", "type 0x0d", 1,
      "IDX element type 0x0d is not unsigned byte (0x08)")
def idx_type(ctx):
    return idx_case(ctx, only(IDX_NAMES[0], lambda d: d[:2] + b"\x0d" + d[3:]))


@case("idx", "wrong rank", "labels with rank 2", 1, "IDX rank 2, expected 1")
def idx_rank(ctx):
    return idx_case(ctx, only(IDX_NAMES[1], lambda d: d[:3] + b"\x02" + d[4:]))


@case("idx", "dimensions that overflow size_t", "4294967295 x 4294967295 x 4294967295", 1,
      "IDX dimensions overflow size_t when multiplied")
def idx_overflow(ctx):
    return idx_case(ctx, only(IDX_NAMES[0], lambda d: idx_bytes([0xFFFFFFFF] * 3, d[16:])))


@case("idx", "huge dimensions, file short", "2^32-1 images announced", 1,
      "truncated IDX data: header says 3367254359280 bytes")
def idx_lying_header(ctx):
    return idx_case(ctx, only(IDX_NAMES[0], lambda d: idx_bytes([0xFFFFFFFF, 28, 28], d[16:])))


@case("idx", "zero dimension", "0 images", 1, "IDX dimension 0 is zero")
def idx_zero(ctx):
    return idx_case(ctx, only(IDX_NAMES[2], lambda d: idx_bytes([0, 28, 28], b"")))


@case("idx", "implausible image size", "1 image of 1 x 5000", 1, "implausible image size 1x5000")
def idx_image_size(ctx):
    return idx_case(ctx, lambda n, d: idx_bytes([1, 1, 5000], bytes(5000)) if n == IDX_NAMES[0] else
                    idx_bytes([1], b"\x01") if n == IDX_NAMES[1] else d)


@case("idx", "label count does not match images", "256 images, 255 labels", 1, "has 256 images but")
def idx_count(ctx):
    return idx_case(ctx, only(IDX_NAMES[1], lambda d: idx_bytes([255], d[8:-1])))


@case("idx", "label out of range", "label 10 at example 7", 1, "label 10 of example 7 is not below 10")
def idx_label(ctx):
    return idx_case(ctx, only(IDX_NAMES[1], lambda d: d[:15] + b"\x0a" + d[16:]))


@case("idx", "label out of range (255)", "last test label 255", 1, "label 255 of example 63 is not below 10")
def idx_label_255(ctx):
    return idx_case(ctx, only(IDX_NAMES[3], lambda d: d[:-1] + b"\xff"))


@case("idx", "train and test image sizes differ", "test images 27 x 28", 1, "training images are 28x28 but test images 27x28")
def idx_sizes_differ(ctx):
    return idx_case(ctx, only(IDX_NAMES[2], lambda d: idx_bytes([64, 27, 28], d[16:16 + 64 * 27 * 28])))


@case("idx", "real MNIST file truncated", "train-images.gz cut at 1 MB", 1,
      "train-images-idx3-ubyte.gz: truncated IDX data", skip_unless=os.path.join(REAL_DATA, "mnist"))
def idx_real_trunc(ctx):
    d = ctx.path("real")
    d = os.path.dirname(d)
    os.makedirs(os.path.join(d, "mnist"))
    for n in IDX_NAMES:
        src = os.path.join(REAL_DATA, "mnist", n + ".gz")
        dst = os.path.join(d, "mnist", n + ".gz")
        if n == IDX_NAMES[0]:
            with open(src, "rb") as f:
                write(dst, f.read(1 << 20))
        else:
            shutil.copyfile(src, dst)
    return TRAIN(d)


@case("idx", "Fashion-MNIST file corrupted", "train-labels with its magic zeroed", 1, "IDX rank 0, expected 1",
      skip_unless="/usr/share/datasets/fashion-mnist")
def idx_fashion(ctx):
    d = os.path.dirname(ctx.path("x"))
    os.makedirs(os.path.join(d, "fashion-mnist"))
    for n in IDX_NAMES:
        src = os.path.join("/usr/share/datasets/fashion-mnist", n + ".gz")
        dst = os.path.join(d, "fashion-mnist", n + ".gz")
        if n == IDX_NAMES[1]:
            with gzip.open(src, "rb") as f:
                data = f.read()
            write(dst, gzip.compress(data[:3] + b"\x00" + data[4:], mtime=0))
        else:
            shutil.copyfile(src, dst)
    return ["train", "--dataset", "fashion-mnist", "--data-dir", d, "--epochs", "1", "--quiet"]


# --------------------------------------------------------------------------------------------- CIFAR-10

def CIFAR(ctx, edit):
    d = make_cifar_dir(ctx.path("c"), edit=edit)
    return ["train", "--dataset", "cifar10", "--data-dir", d, "--model", "fc:10", "--epochs", "1", "--quiet"]


@case("cifar", "a batch file missing", "no data_batch_3.bin", 1, "dataset cifar10 not found")
def cifar_missing(ctx):
    return CIFAR(ctx, lambda n, d: None if n == "data_batch_3.bin" else d)


@case("cifar", "empty file", "data_batch_1.bin of 0 bytes", 1,
      "data_batch_1.bin: size 0 is not a positive multiple of the CIFAR-10 record size 3073")
def cifar_empty(ctx):
    return CIFAR(ctx, lambda n, d: b"" if n == "data_batch_1.bin" else d)


@case("cifar", "truncated", "test_batch.bin missing 1000 bytes", 1,
      "test_batch.bin: size 11292 is not a positive multiple of the CIFAR-10 record size 3073")
def cifar_trunc(ctx):
    return CIFAR(ctx, lambda n, d: d[:-1000] if n == "test_batch.bin" else d)


@case("cifar", "oversized", "data_batch_2.bin with 7 extra bytes", 1, "size 12299 is not a positive multiple")
def cifar_oversized(ctx):
    return CIFAR(ctx, lambda n, d: d + bytes(7) if n == "data_batch_2.bin" else d)


@case("cifar", "label out of range", "record 2 of data_batch_4.bin labelled 200", 1,
      "data_batch_4.bin: label 200 of record 2 is not below 10")
def cifar_label(ctx):
    return CIFAR(ctx, lambda n, d: d[:2 * 3073] + b"\xc8" + d[2 * 3073 + 1:] if n == "data_batch_4.bin" else d)


@case("cifar", "not a CIFAR file", "an MNIST IDX file named data_batch_1.bin", 1, "not a positive multiple")
def cifar_wrong_file(ctx):
    return CIFAR(ctx, lambda n, d: idx_bytes([256, 28, 28], bytes(256 * 784)) if n == "data_batch_1.bin" else d)


@case("cifar", "a directory in place of a batch file", "data_batch_5.bin/ is a directory", 1, "not a regular file")
def cifar_dir(ctx):
    d = make_cifar_dir(ctx.path("c"), edit=lambda n, x: None if n == "data_batch_5.bin" else x)
    os.makedirs(os.path.join(d, "cifar10", "data_batch_5.bin"))
    return ["train", "--dataset", "cifar10", "--data-dir", d, "--epochs", "1", "--quiet"]


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


@case("cli", "contradictory: --out and --ckpt the same file", "`--out m --ckpt m`", 2,
      "contradictory options: --out and --ckpt name the same file")
def cli_train_out_ckpt(ctx):
    return ["train", "--out", "m", "--ckpt", "m"]


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


@case("cli", "data directory does not exist (eval)", "`--data-dir /nonexistent`", 1,
      "data directory /nonexistent: No such file or directory")
def cli_eval_no_data(ctx):
    return ["eval", ctx.model(), "--dataset", "mnist", "--data-dir", "/nonexistent"]


@case("cli", "unknown option (info)", "`bitern info --bogus`", 2, "unknown option '--bogus'")
def cli_info_unknown(ctx):
    return ["info", "--bogus"]


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


@case("output", "output directory does not exist", "`--out /nonexistent/m.btn`", 1,
      "--out /nonexistent/m.btn: directory /nonexistent: No such file or directory")
def out_no_dir(ctx):
    return ["train", "--data-dir", ctx.data, "--out", "/nonexistent/m.btn"] + OUT_ARGS


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


@case("output", "full disk: log", "`--log /dev/full`", 1, "/dev/full: cannot write the log: No space left on device")
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


# --------------------------------------------------------------------------------------------- the runner

def run_cases(args):
    tmp = tempfile.mkdtemp(prefix="bitern-hardening-")
    ctx = Ctx(os.path.abspath(args.bitern), os.path.abspath(args.rechecksum), tmp)
    fails = skipped = passed = 0
    try:
        for c in CASES:
            if args.group and c["group"] not in args.group:
                continue
            if args.case and c["name"] not in args.case:
                continue
            label = "%s/%s" % (c["group"], c["name"])
            if c["skip_unless"] and not os.path.exists(c["skip_unless"]):
                print("SKIP %s (no %s)" % (label, c["skip_unless"]))
                skipped += 1
                continue
            ctx.env, ctx.preexec, ctx.wrap = None, None, None
            try:
                argv = c["fn"](ctx)
                r = run(ctx, argv, ctx.env, ctx.preexec, ctx.wrap)
            except Exception as e:   # a fixture that cannot be built is this case's failure, not the run's
                print("FAIL %s: %s: %s" % (label, type(e).__name__, e))
                fails += 1
                continue
            out = r.stderr + r.stdout
            problems = []
            if r.returncode < 0:
                problems.append("killed by signal %d" % -r.returncode)
            elif r.returncode != c["rc"]:
                problems.append("exit status %d, expected %d" % (r.returncode, c["rc"]))
            if c["msg"] not in out:
                problems.append("message lacks %r" % c["msg"])
            if "AddressSanitizer" in out or "runtime error:" in out:
                problems.append("sanitizer report")
            if problems:
                fails += 1
                print("FAIL %s: %s\n  command: bitern %s\n  output: %s" % (
                    label, "; ".join(problems), " ".join(argv)[:300], out.strip()[-600:].replace("\n", "\n          ")))
            else:
                passed += 1
                print("ok   %s (%d): %s" % (label, r.returncode, out.strip().splitlines()[-1][:150]))
    finally:
        if args.keep:
            print("inputs kept in", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (passed, fails, skipped))
    return 1 if fails else 0


def markdown():
    groups = {"model": "`.btn` model files (`bitern eval`, `bitern train --eval`)",
              "ckpt": "Checkpoints (`bitern train --resume`)",
              "idx": "IDX files: MNIST, Fashion-MNIST (`bitern train`, `bitern eval`)",
              "cifar": "CIFAR-10 binary batches",
              "spec": "Model spec (`bitern train --model`)",
              "cli": "Command-line options and environment (`bitern train`, `eval`, `info`)",
              "output": "Output files (`--out`, `--ckpt`, `--log`)"}
    for g, title in groups.items():
        print("\n### %s\n" % title)
        print("| input | example | what bitern says (excerpt) | exit | test |")
        print("|---|---|---|---|---|")
        for c in CASES:
            if c["group"] == g:
                print("| %s | %s | `%s` | %d | `%s` |" % (c["kind"], c["example"], c["msg"].replace("|", "\\|"),
                                                        c["rc"], c["name"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bitern")
    ap.add_argument("--rechecksum")
    ap.add_argument("--group", action="append")
    ap.add_argument("--case", action="append")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if args.markdown:
        markdown()
        return 0
    if not args.bitern or not args.rechecksum:
        ap.error("--bitern and --rechecksum are required")
    return run_cases(args)


if __name__ == "__main__":
    sys.exit(main())
