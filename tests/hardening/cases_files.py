# SPDX-License-Identifier: MIT
"""Bad .btn model files and checkpoints."""
import gzip
import os
import shutil
import signal
import struct
import subprocess

from fixtures import *  # noqa: F401,F403 (the case DSL and file helpers)


# ---------------------------------------------------------------------------------------- .btn model files

@case("model", "missing file", "`bitern eval /no/such/dir/m.btn`", 1, "m.btn: cannot open: No such file or directory")
def model_missing(ctx):
    return EVAL(ctx.missing + "/m.btn")


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


@case("model", "truncated, checksum recomputed", "last layer cut off, valid checksum", 1, "truncated model file")
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


@case("model", "weight size overflows size_t", "fc 65535x65535x65535 -> 65535: 4 * 65535^4 bytes", 1,
      "layer 0: weight size overflows")
def model_weight_overflow(ctx):
    def big(p, data, layers):
        patch(p, layers[0]["off"] + 4, struct.pack("<4I", 65535, 65535, 65535, 65535))
    return EVAL(model_edit(ctx, "wo.btn", big))


@case("model", "weights larger than the file", "fc 65535x65535x65535 -> 32", 1, "truncated model file")
def model_weight_huge(ctx):
    def big(p, data, layers):
        patch(p, layers[0]["off"] + 4, struct.pack("<3I", 65535, 65535, 65535))
    return EVAL(model_edit(ctx, "wh.btn", big))


@case("model", "shapes that do not chain", "layer 3 says 31 inputs, layer 0 gives 32", 1,
      "layer 3 (fc): stored shape 31x1x1 -> 16x1x1 does not match the computed one")
def model_no_chain(ctx):
    return EVAL(model_edit(ctx, "chain.btn", lambda p, d, l: patch(p, l[3]["off"] + 4, struct.pack("<I", 31))))


@case("model", "last layer is not the class count", "11 classes declared, fc:10 at the end", 1,
      "inconsistent layers: the last layer gives 10 x 1 x 1 outputs, the model has 11 classes")
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


def INIT(ctx, init, spec="fc:32,bn,relu,fc:16,bn,relu,fc:10"):
    return ["train", "--dataset", "mnist", "--data-dir", ctx.data, "--model", spec, "--quant", "ternary",
            "--epochs", "1", "--batch", "32", "--quiet", "--init", init]


@case("model", "`bitern train --init` of a missing file", "`--init /no/such/dir/f.btn`", 1,
      "f.btn: cannot open: No such file or directory")
def model_init_missing(ctx):
    return INIT(ctx, ctx.missing + "/f.btn")


@case("model", "`bitern train --init` of a quantized model", "the tiny model (its fc 32->16 binary)", 1,
      "layer 3 is binary: --init takes a float model")
def model_init_quantized(ctx):
    return INIT(ctx, ctx.model())


@case("model", "`bitern train --init` of another architecture", "a 784-32-16-10 model into 784-64-16-10", 1,
      "layer 0 is fc 1x28x28 -> 32x1x1, this model's is fc 1x28x28 -> 64x1x1")
def model_init_shape(ctx):
    return INIT(ctx, ctx.model(), "fc:64,bn,relu,fc:16,bn,relu,fc:10")


@case("model", "`bitern train --init` of a corrupted model", "a byte flipped", 1, "checksum mismatch")
def model_init_flipped(ctx):
    return INIT(ctx, flipped(ctx, ctx.model(), "fi.btn", 300))


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


@case("ckpt", "missing file", "`--resume /no/such/dir/run.ckpt`", 1, "run.ckpt: cannot open: No such file or directory")
def ckpt_missing(ctx):
    return RESUME(ctx, ctx.missing + "/run.ckpt")


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
