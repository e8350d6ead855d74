#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A ternary dense layer from Python: float weights packed to T2, a batch of inputs quantized to int8, one exact
GEMM on bitern's kernels, checked against NumPy computing the same integers. Exits 1 if they differ."""
import sys

import numpy as np

import bitern

rng = np.random.default_rng(1)
weights = rng.standard_normal((64, 784)).astype(np.float32)       # 64 outputs, 784 inputs (an MNIST layer)
images = rng.random((8, 784), dtype=np.float32)                  # a batch of 8

w = bitern.pack_t2(weights, threshold=0.7 * float(np.abs(weights).mean()))   # TWN's threshold
q, scales = bitern.quantize_i8(images)                           # one scale per image
acc = bitern.gemm(w, q)                                          # int32, 64 x 8: W . Q^T
logits = acc.T * scales[:, None]                                 # back to real values, 8 x 64

want = bitern.unpack(w).astype(np.int64) @ q.astype(np.int64).T
print(f"bitern {bitern.version()} on {bitern.isa()}: {w} x {q.shape[0]} inputs, "
      f"{w.words.nbytes} bytes of weights (float: {weights.nbytes})")
print("class of each input:", logits.argmax(axis=1))
print("exact:", np.array_equal(acc, want))
sys.exit(0 if np.array_equal(acc, want) else 1)
