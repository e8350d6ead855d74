# SPDX-License-Identifier: MIT
"""Bad IDX (MNIST, Fashion-MNIST) and CIFAR-10 files, and data directories."""
import gzip
import os
import shutil
import signal
import struct
import subprocess

from fixtures import *  # noqa: F401,F403 (the case DSL and file helpers)


# ------------------------------------------------------------------------------------ IDX (MNIST, Fashion)

def TRAIN(data, *more):
    return ["train", "--dataset", "mnist", "--data-dir", data, "--model", "fc:10", "--epochs", "1", "--quiet"] + \
        list(more)


def idx_case(ctx, edit, gz=False):
    return TRAIN(make_mnist_dir(ctx.path("d"), gz=gz, edit=edit))


def only(name, fn):
    return lambda n, d: fn(d) if n == name else d


@case("idx", "data directory does not exist", "`--data-dir /no/such/dir`", 1,
      "data directory {missing}: No such file or directory")
def idx_no_dir(ctx):
    return TRAIN(ctx.missing)


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
