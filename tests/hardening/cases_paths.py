# SPDX-License-Identifier: MIT
"""Paths of one run that name the same file (group alias), and special files where a file is read (group special).

An alias case also checks, after the run, that the file it would have overwritten is byte for byte what it was.
A special-file case runs under the runner's timeout: a FIFO that blocks open() is a failure, not a hang.
"""
import hashlib
import os
import shutil

from fixtures import *  # noqa: F401,F403 (the case DSL and file helpers)

TRAIN = ["train", "--model", "fc:10", "--epochs", "1", "--quiet", "--batch", "64"]


def keep(ctx, path):
    """The run must leave path as it is now."""
    with open(path, "rb") as f:
        before = hashlib.sha256(f.read()).hexdigest()

    def check(r):
        if not os.path.exists(path):
            return "%s was removed" % path
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != before:
                return "%s was changed" % path
        return None
    ctx.after = check
    return path


def victim(ctx, name):
    return keep(ctx, ctx.copy(ctx.model(), name))


# --------------------------------------------------------------------------------- one file, two roles

ALIAS = "are the same file: an output may not name another input or output of the run"


@case("alias", "--log names the --init model", "`--init f.btn --log f.btn`", 2, ALIAS)
def alias_init_log(ctx):
    f = victim(ctx, "f.btn")
    return TRAIN + ["--data-dir", ctx.data, "--init", f, "--log", f]


@case("alias", "--log names the --out model", "`--out m.btn --log m.btn`", 2, ALIAS)
def alias_out_log(ctx):
    m = victim(ctx, "m.btn")
    return TRAIN + ["--data-dir", ctx.data, "--out", m, "--log", m]


@case("alias", "--log names the --resume checkpoint", "`--resume r.ckpt --log r.ckpt`", 2, ALIAS)
def alias_resume_log(ctx):
    r = keep(ctx, ctx.copy(ctx.ckpt(), "r.ckpt"))
    return TRAIN + ["--data-dir", ctx.data, "--resume", r, "--log", r, "--ckpt", r]


@case("alias", "--ckpt names the --init model", "`--ckpt x.btn --init x.btn`", 2, ALIAS)
def alias_ckpt_init(ctx):
    x = victim(ctx, "x.btn")
    return TRAIN + ["--data-dir", ctx.data, "--ckpt", x, "--init", x]


@case("alias", "--out is a hard link to --init", "`--init a.btn --out b.btn`, b a hard link of a", 2, ALIAS)
def alias_hardlink(ctx):
    a = victim(ctx, "a.btn")
    b = os.path.join(os.path.dirname(a), "b.btn")
    os.link(a, b)
    return TRAIN + ["--data-dir", ctx.data, "--init", a, "--out", b]


@case("alias", "--log is a symlink to --init", "`--init f.btn --log l.jsonl`, l.jsonl -> f.btn", 2, ALIAS)
def alias_symlink(ctx):
    f = victim(ctx, "f.btn")
    link = os.path.join(os.path.dirname(f), "l.jsonl")
    os.symlink(f, link)
    return TRAIN + ["--data-dir", ctx.data, "--init", f, "--log", link]


@case("alias", "two spellings of one new file", "`--out d/m.btn --log d/../d/m.btn` (m.btn not there yet)", 2,
      ALIAS)
def alias_new_spellings(ctx):
    d = os.path.dirname(ctx.path("x"))
    return TRAIN + ["--data-dir", ctx.data, "--out", os.path.join(d, "m.btn"),
                    "--log", os.path.join(d, "..", os.path.basename(d), "m.btn")]


@case("alias", "--log names a dataset file", "`--log DATA/mnist/train-labels-idx1-ubyte`", 2, ALIAS)
def alias_dataset(ctx):
    d = make_mnist_dir(os.path.dirname(ctx.path("x")))
    lab = keep(ctx, os.path.join(d, "mnist", IDX_NAMES[1]))
    return TRAIN + ["--data-dir", d, "--log", lab]


@case("alias", "--init names the checkpoint --out implies", "`--out m.btn --init m.btn.ckpt`", 2, ALIAS)
def alias_implied_ckpt(ctx):
    m = ctx.path("m.btn")
    keep(ctx, ctx.copy(ctx.model(), "unused.btn"))
    shutil.copyfile(ctx.model(), m + ".ckpt")
    keep(ctx, m + ".ckpt")
    return TRAIN + ["--data-dir", ctx.data, "--out", m, "--init", m + ".ckpt"]


@case("alias", "--log names the checkpoint --out implies", "`--out m.btn --log m.btn.ckpt`", 2, ALIAS)
def alias_log_implied_ckpt(ctx):
    m = ctx.path("m.btn")
    return TRAIN + ["--data-dir", ctx.data, "--out", m, "--log", m + ".ckpt"]


@case("alias", "--log and --ckpt the same new file", "`--log x --ckpt x`", 2, ALIAS)
def alias_log_ckpt(ctx):
    x = ctx.path("x")
    return TRAIN + ["--data-dir", ctx.data, "--log", x, "--ckpt", x]


# ------------------------------------------------------------------------------ special files as inputs

FIFO = "is a FIFO, not a regular file"


def fifo(ctx, name):
    p = ctx.path(name)
    os.mkfifo(p)
    return p


@case("special", "FIFO as the model (eval)", "`bitern eval fifo.btn`", 1, FIFO)
def special_eval(ctx):
    return EVAL(fifo(ctx, "m.btn"))


@case("special", "FIFO as the model (train --eval)", "`bitern train --eval fifo.btn`", 1, FIFO)
def special_train_eval(ctx):
    return ["train", "--data-dir", ctx.data, "--eval", fifo(ctx, "m.btn")]


@case("special", "FIFO as --init", "`--init fifo.btn`", 1, FIFO)
def special_init(ctx):
    return TRAIN + ["--data-dir", ctx.data, "--model", "fc:32,bn,relu,fc:16,bn,relu,fc:10", "--init",
                    fifo(ctx, "f.btn")]


@case("special", "FIFO as --resume", "`--resume fifo.ckpt`", 1, FIFO)
def special_resume(ctx):
    f = fifo(ctx, "r.ckpt")
    return TRAIN + ["--data-dir", ctx.data, "--resume", f, "--ckpt", f + ".new"]


@case("special", "FIFO as --log", "`--log fifo`", 1, "exists and is not a regular file (it would be replaced by a rename)")
def special_log(ctx):
    return TRAIN + ["--data-dir", ctx.data, "--log", fifo(ctx, "log")]


@case("special", "FIFO as an IDX label file", "train-labels-idx1-ubyte is a FIFO", 1, FIFO)
def special_idx(ctx):
    d = make_mnist_dir(os.path.dirname(ctx.path("x")), edit=lambda n, b: None if n == IDX_NAMES[1] else b)
    os.mkfifo(os.path.join(d, "mnist", IDX_NAMES[1]))
    return TRAIN + ["--data-dir", d]


@case("special", "FIFO as a test image file (eval)", "t10k-images-idx3-ubyte is a FIFO", 1, FIFO)
def special_idx_eval(ctx):
    d = make_mnist_dir(os.path.dirname(ctx.path("x")), edit=lambda n, b: None if n == IDX_NAMES[2] else b)
    os.mkfifo(os.path.join(d, "mnist", IDX_NAMES[2]))
    return EVAL(ctx.model(), "--data-dir", d)


@case("special", "FIFO as a CIFAR-10 batch", "test_batch.bin is a FIFO", 1, "not a regular file")
def special_cifar(ctx):
    d = make_cifar_dir(os.path.dirname(ctx.path("x")), edit=lambda n, b: None if n == "test_batch.bin" else b)
    os.mkfifo(os.path.join(d, "cifar10", "test_batch.bin"))
    return ["train", "--dataset", "cifar10", "--data-dir", d, "--model", "fc:10", "--quiet"]


@case("special", "FIFO in `bitern data verify`", "mnist/t10k-labels-idx1-ubyte.gz is a FIFO", 1, FIFO)
def special_data_verify(ctx):
    d = make_mnist_dir(os.path.dirname(ctx.path("x")), gz=True,
                       edit=lambda n, b: None if n == IDX_NAMES[3] else b)
    os.mkfifo(os.path.join(d, "mnist", IDX_NAMES[3] + ".gz"))
    return ["data", "verify", "mnist", "--data-dir", d]


@case("special", "character device as the model", "`bitern eval /dev/zero`", 1,
      "/dev/zero: is a character device, not a regular file")
def special_chardev(ctx):
    return EVAL("/dev/zero")


@case("special", "FIFO as a compare log", "`compare --models D`, D/sq.jsonl a FIFO", 1, "not a regular file")
def special_compare_log(ctx):
    d = os.path.dirname(ctx.path("x"))
    for k in ("float", "binary", "ternary", "sq"):
        shutil.copyfile(ctx.model(), os.path.join(d, k + ".btn"))
    os.mkfifo(os.path.join(d, "sq.jsonl"))
    return ["compare", "--dataset", "mnist", "--data-dir", ctx.data, "--models", d, "--check-n", "5",
            "--latency-n", "5", "--threads", "1"]


@case("special", "FIFO as a compare model", "`compare --models D`, D/float.btn a FIFO", 1, FIFO)
def special_compare_model(ctx):
    d = os.path.dirname(ctx.path("x"))
    for k in ("binary", "ternary", "sq"):
        shutil.copyfile(ctx.model(), os.path.join(d, k + ".btn"))
    os.mkfifo(os.path.join(d, "float.btn"))
    return ["compare", "--dataset", "mnist", "--data-dir", ctx.data, "--models", d, "--check-n", "5",
            "--latency-n", "5", "--threads", "1"]


@case("special", "FIFO in a local download mirror", "`data download mnist --mirror D`, D/mnist/*.gz FIFOs", 1,
      "not a regular file")
def special_mirror(ctx):
    m = os.path.dirname(ctx.path("x"))
    os.makedirs(os.path.join(m, "mnist"))
    for n in IDX_NAMES:
        os.mkfifo(os.path.join(m, "mnist", n + ".gz"))
    ctx.env = {"BITERN_DATA_TIMEOUT": "5"}
    return ["data", "download", "mnist", "--mirror", m, "--data-dir", os.path.join(m, "out")]
