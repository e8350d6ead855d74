# SPDX-License-Identifier: MIT
"""bitern.Model (libbitern-model through ctypes) on small models trained here by `bitern train`: the same
classes as `bitern eval --predictions`, uint8 pixels equal to float32 images normalised by hand, bit for bit,
logits independent of threads and batching, a model from bytes equal to one from its path; then bad input.
Skips without the bitern tool, libbitern-model or MNIST."""
import gzip
import os
import subprocess

import numpy as np
import pytest

import bitern

TOOL = os.environ.get("BITERN_TEST_TOOL")
DATA = os.environ.get("BITERN_DATA") or os.environ.get("BITERN_TEST_DATA", "")
MNIST = os.path.join(DATA, "mnist")
N = 500

pytestmark = pytest.mark.skipif(not TOOL or not os.environ.get("BITERN_MODEL_LIBRARY") or not os.path.isdir(MNIST),
                                reason="needs the bitern tool, libbitern-model and MNIST")


@pytest.fixture(scope="module", params=["binary", "ternary", "float"])
def trained(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    path = str(d / f"lenet-{request.param}.btn")
    subprocess.run([TOOL, "train", "--dataset", "mnist", "--data-dir", DATA, "--model", "lenet", "--quant",
                    request.param, "--epochs", "1", "--limit-train", "1000", "--limit-test", "200", "--seed", "2",
                    "--quiet", "--out", path], check=True, stdout=subprocess.DEVNULL)
    pred = str(d / "pred.txt")
    subprocess.run([TOOL, "eval", path, "--dataset", "mnist", "--data-dir", DATA, "--limit", str(N),
                    "--latency-n", "1", "--predictions", pred], check=True, stdout=subprocess.DEVNULL)
    return request.param, path, np.loadtxt(pred, dtype=np.int64)


@pytest.fixture(scope="module")
def images():
    with gzip.open(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    return np.frombuffer(raw, np.uint8, count=N * 784, offset=16).reshape(N, 1, 28, 28)


def test_model_matches_bitern_eval(trained, images):
    depth, path, pred = trained
    m = bitern.Model(path)
    assert m.input_shape == (1, 28, 28) and m.n_classes == 10 and m.bytes > 0
    kinds = {l.depth for l in m.layers if l.depth}
    assert kinds == ({"float"} if depth == "float" else {"float", depth}), m.layers
    assert np.array_equal(m.run(images, threads=2).argmax(axis=1), pred)


def test_u8_equals_float_normalised(trained, images):
    m = bitern.Model(trained[1])
    mean, std = np.float32(0.1307), np.float32(0.3081)    # MNIST's, which bitern train stores in the model
    inv, off = np.float32(1) / (np.float32(255) * std), mean / std
    x = images.astype(np.float32) * inv - off
    assert np.array_equal(m.run(images), m.run(x))


def test_threads_and_batches_bit_identical(trained, images):
    m = bitern.Model(trained[1])
    z = m.run(images[:9])
    assert np.array_equal(z, m.run(images[:9], threads=2))
    assert np.array_equal(z, m.run(images[:9], threads=3))
    assert np.array_equal(z, np.concatenate([m.run(images[i]) for i in range(9)]))


def test_from_bytes(trained, images):
    with open(trained[1], "rb") as f:
        data = f.read()
    assert np.array_equal(bitern.Model(data=data).run(images[:4]), bitern.Model(trained[1]).run(images[:4]))
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 1
    with pytest.raises(bitern.BiternError, match="checksum"):
        bitern.Model(data=bytes(bad))
    with pytest.raises(bitern.BiternError, match="truncated|checksum"):
        bitern.Model(data=data[:-3])


def test_bad_input(trained, images, tmp_path):
    m = bitern.Model(trained[1])
    with pytest.raises(TypeError, match="float64"):
        m.run(images.astype(np.float64))
    with pytest.raises(TypeError, match="ndarray"):
        m.run(images.tolist())
    with pytest.raises(ValueError, match="shape"):
        m.run(images[:, :, :27, :])
    with pytest.raises(ValueError, match="threads"):
        m.run(images[:2], threads=0)
    x = images[:3].astype(np.float32)
    x[2, 0, 5, 5] = np.nan
    with pytest.raises(bitern.BiternError, match="image 2"):
        m.run(x)
    assert np.array_equal(m.run(images[:, :, ::-1, :][:5]), m.run(np.ascontiguousarray(images[:, :, ::-1, :][:5])))
    m.close()
    with pytest.raises(ValueError, match="closed"):
        m.run(images[:1])
    with pytest.raises(bitern.BiternError, match="cannot open|No such"):
        bitern.Model(str(tmp_path / "missing.btn"))
    not_model = tmp_path / "x.btn"
    not_model.write_bytes(b"not a model at all, just text")
    with pytest.raises(bitern.BiternError, match="bad magic"):
        bitern.Model(str(not_model))
    with pytest.raises(TypeError):
        bitern.Model()
