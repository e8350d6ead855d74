# SPDX-License-Identifier: MIT
"""bitern.Model: a trained .btn model run by libbitern-model (bitern_model.h) on the kernels.

    >>> m = bitern.Model("lenet-sq.btn")
    >>> [(l.name, l.kernel, l.depth) for l in m.layers]
    >>> logits = m.run(images)            # uint8 pixels (N, C, H, W) or (C, H, W), or normalised float32
    >>> logits.argmax(axis=1)

Logits are bit-identical for every batch size and thread count. Inputs are checked before the C call (dtype,
shape, C-contiguity: non-contiguous arrays are copied); what the library refuses (NaN, a bad file) raises
BiternError with its message.
"""
import ctypes
import os
from collections import namedtuple

import numpy as np

from ._lib import BiternError, _config

MODEL_SONAME = "libbitern-model.so." + getattr(_config, "MODEL_SOVERSION", "1")
Layer = namedtuple("Layer", "name kernel first_layer depth weights bytes")
_DEPTHS = {-1: None, 0: "float", 1: "binary", 2: "ternary"}


class _LayerInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("kernel", ctypes.c_char_p), ("first_layer", ctypes.c_int),
                ("depth", ctypes.c_int), ("weights", ctypes.c_size_t), ("bytes", ctypes.c_size_t)]


def _load():
    """$BITERN_MODEL_LIBRARY, else the file `meson install` recorded, else the soname through the loader."""
    env = os.environ.get("BITERN_MODEL_LIBRARY")
    if env:
        return ctypes.CDLL(env)
    installed = getattr(_config, "MODEL_LIBRARY", None)
    if installed and os.path.exists(installed):
        return ctypes.CDLL(installed)
    try:
        return ctypes.CDLL(MODEL_SONAME)
    except OSError as e:
        raise ImportError(f"bitern.Model needs libbitern-model ({MODEL_SONAME}): {e}. Set BITERN_MODEL_LIBRARY to "
                          "its path (the build tree's is build/engine/" + MODEL_SONAME + ")") from None


_lib = None


def _l():
    global _lib
    if _lib is None:
        lib = _load()
        P, I, S = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
        protos = {
            "bitern_model_load": (I, [ctypes.c_char_p, ctypes.POINTER(P)]),
            "bitern_model_load_memory": (I, [P, S, ctypes.POINTER(P)]),
            "bitern_model_free": (None, [P]),
            "bitern_model_input_shape": (I, [P, ctypes.POINTER(I), ctypes.POINTER(I), ctypes.POINTER(I)]),
            "bitern_model_n_classes": (I, [P]),
            "bitern_model_n_layers": (I, [P]),
            "bitern_model_layer": (I, [P, I, ctypes.POINTER(_LayerInfo)]),
            "bitern_model_size": (I, [P, ctypes.POINTER(S), ctypes.POINTER(S)]),
            "bitern_model_run_f32": (I, [P, P, S, P, I]),
            "bitern_model_run_u8": (I, [P, P, S, P, I]),
            "bitern_model_last_error": (ctypes.c_char_p, []),
        }
        for name, (res, args) in protos.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        _lib = lib
    return _lib


def _call(name, *args):
    status = getattr(_l(), name)(*args)
    if status < 0:
        raise BiternError(name, status, _l().bitern_model_last_error().decode(errors="replace"))
    return status


class Model:
    """A .btn model: Model(path) or Model(data=bytes). .input_shape (C, H, W), .n_classes, .layers, .bytes,
    .run(images, threads=1) -> float32 logits (N, n_classes)."""

    def __init__(self, path=None, *, data=None):
        if (path is None) == (data is None):
            raise TypeError("Model: give a path or data=bytes, not both or neither")
        self._h = ctypes.c_void_p()
        if path is not None:
            _call("bitern_model_load", os.fsencode(path), ctypes.byref(self._h))
        else:
            buf = bytes(data)
            _call("bitern_model_load_memory", buf, len(buf), ctypes.byref(self._h))
        c, h, w = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        _call("bitern_model_input_shape", self._h, ctypes.byref(c), ctypes.byref(h), ctypes.byref(w))
        self.input_shape = (c.value, h.value, w.value)
        self.n_classes = _call("bitern_model_n_classes", self._h)
        layers = []
        for i in range(_call("bitern_model_n_layers", self._h)):
            li = _LayerInfo()
            _call("bitern_model_layer", self._h, i, ctypes.byref(li))
            layers.append(Layer(li.name.decode(), li.kernel.decode(), li.first_layer, _DEPTHS.get(li.depth),
                                li.weights, li.bytes))
        self.layers = tuple(layers)
        nb, nw = ctypes.c_size_t(), ctypes.c_size_t()
        _call("bitern_model_size", self._h, ctypes.byref(nb), ctypes.byref(nw))
        self.bytes, self.weights = nb.value, nw.value

    def close(self):
        if getattr(self, "_h", None):
            _l().bitern_model_free(self._h)
            self._h = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def run(self, images, threads=1):
        """uint8 pixels 0..255 (the model's stored normalisation is applied) or float32 images already
        normalised as the model was trained; shape (N, C, H, W), or (C, H, W) for one image."""
        if not self._h:
            raise ValueError("Model.run: the model was closed")
        if not isinstance(images, np.ndarray):
            raise TypeError(f"Model.run: expected a numpy.ndarray, got {type(images).__name__}")
        if images.dtype not in (np.uint8, np.float32):
            raise TypeError(f"Model.run: dtype {images.dtype} is neither uint8 (pixels) nor float32 (normalised)")
        if not isinstance(threads, int) or threads < 1:
            raise ValueError(f"Model.run: threads = {threads!r}: a positive int")
        x = images[None] if images.ndim == 3 else images
        if x.ndim != 4 or x.shape[1:] != self.input_shape:
            raise ValueError(f"Model.run: images of shape {images.shape}; the model takes (N,) + {self.input_shape}")
        x = np.require(x, requirements=["C", "A"])
        out = np.empty((x.shape[0], self.n_classes), np.float32)
        fn = "bitern_model_run_u8" if x.dtype == np.uint8 else "bitern_model_run_f32"
        _call(fn, self._h, x.ctypes.data, x.shape[0], out.ctypes.data, threads)
        return out

    def __repr__(self):
        depths = "".join({None: "", "float": "F", "binary": "B", "ternary": "T"}[l.depth] for l in self.layers)
        return f"<bitern.Model {self.input_shape} -> {self.n_classes}, depths {depths}, {self.bytes} bytes>"
