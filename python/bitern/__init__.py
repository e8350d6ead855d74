# SPDX-License-Identifier: MIT
"""bitern from Python: bit-packed binary (B1, {-1, +1}) and ternary (T2, {-1, 0, +1}) vectors and their exact
integer dot products, GEMV and GEMM on NumPy arrays, through libbitern's public C API (ctypes, bitern.h).

    >>> import numpy as np, bitern
    >>> w = bitern.pack_t2(np.array([[0.9, -0.1, -0.8]], np.float32), threshold=0.5)   # [[+1, 0, -1]]
    >>> x = np.array([[3, 100, 2]], np.int8)
    >>> bitern.gemm(w, x)                                                               # W . X^T
    array([[1]], dtype=int32)

Inputs are checked before any C call: a wrong dtype is refused (TypeError; nothing is converted, since rounding
float64 to float32 can change a sign or a threshold decision), so is a wrong number of dimensions or a length
mismatch (ValueError), and int8 activations must lie in [-127, 127]. Arrays that are not C-contiguous and
aligned are copied first (np.require), never refused: the result is that of the contiguous copy. Errors the
library finds (NaN or infinity in a float input, a negative threshold, packed words not in canonical form)
raise BiternError with the library's message.
"""
import ctypes

import numpy as np

from ._lib import SOVERSION, BiternError, call, text
from .model import Model

__all__ = ["BiternError", "Model", "Packed", "pack_b1", "pack_t2", "quantize_i8", "unpack", "dot", "gemv", "gemm",
           "version", "isa", "set_isa", "cpu_name", "MAX_K", "SOVERSION"]

# Status codes of bitern.h, as BiternError.status carries them.
EINVAL, ENOTSUP, ENONFINITE, ENOMEM, EFORMAT = -1, -2, -3, -4, -5
MAX_K = 1 << 24
_FORMATS = ("b1", "t2")
# (W format, X format) -> the C op; the 'b1' x 't2' pair has no kernel (see _op).
_OPS = {("b1", "b1"): "b1b1", ("t2", "t2"): "t2t2", ("t2", "b1"): "t2b1", ("b1", "i8"): "b1i8", ("t2", "i8"): "t2i8"}

__version__ = text("version")


def version():
    """The loaded library's version (bitern_version())."""
    return text("version")


def isa():
    """The kernel level in use: 'scalar', 'avx2', 'avx512', 'neon' or 'neon-dotprod'."""
    return text("isa_name")


def set_isa(name):
    """Caps the kernel level ('native' for the best the CPU has); BiternError if unknown or unsupported."""
    call("set_isa", name.encode())


def cpu_name():
    return text("cpu_name")


def _words_per_row(fmt, n):
    blocks = (n + 63) // 64
    return blocks if fmt == "b1" else 2 * blocks


def _array(x, what, dtypes, ndims=(1, 2)):
    """x as a C-contiguous aligned array of one of dtypes with ndim in ndims (copied only if it is not)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{what}: expected a numpy.ndarray, got {type(x).__name__}")
    names = " or ".join(np.dtype(d).name for d in dtypes)
    if not any(x.dtype == np.dtype(d) for d in dtypes):
        raise TypeError(f"{what}: dtype {x.dtype} is not {names} (in native byte order); convert it explicitly, "
                        f"e.g. x.astype(np.{np.dtype(dtypes[0]).name}): bitern never rounds values for you")
    if x.ndim not in ndims:
        raise ValueError(f"{what}: expected {' or '.join(f'{d}-D' for d in ndims)}, got shape {x.shape}")
    return np.require(x, requirements=["C", "A"])


def _ptr(a):
    return ctypes.c_void_p(a.ctypes.data)


class Packed:
    """Bit-packed rows of one format: fmt 'b1' or 't2', n elements per row, words a read-only uint64 array of
    shape (rows, words per row) in bitern.h's layout. shape is (n,) for a vector, (rows, n) for a matrix."""

    __slots__ = ("fmt", "n", "words", "vector")

    def __init__(self, fmt, n, words, vector):
        self.fmt, self.n, self.words, self.vector = fmt, n, words, vector
        words.flags.writeable = False     # canonical form was checked or made; keep it so

    @classmethod
    def from_words(cls, fmt, words, n):
        """Wraps words made elsewhere (a copy): uint64, shape (words per row,) or (rows, words per row) for n
        elements per row, each row checked for canonical form (BiternError with status EFORMAT if not)."""
        if fmt not in _FORMATS:
            raise ValueError(f"fmt must be 'b1' or 't2', got {fmt!r}")
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        a = _array(words, "words", [np.uint64])
        wpr = _words_per_row(fmt, n)
        if a.shape[-1] != wpr:
            raise ValueError(f"words: {a.shape[-1]} words per row, a {fmt.upper()} row of {n} elements has {wpr}")
        vector = a.ndim == 1
        a = np.array(a.reshape(-1, wpr), copy=True)
        for row in a:
            call(fmt + "_check", _ptr(row), n)
        return cls(fmt, int(n), a, vector)

    @property
    def rows(self):
        return self.words.shape[0]

    @property
    def shape(self):
        return (self.n,) if self.vector else (self.rows, self.n)

    def unpack(self, dtype=np.int8):
        return unpack(self, dtype)

    def __repr__(self):
        return f"<bitern.Packed {self.fmt.upper()} shape={self.shape}>"


def _pack(fmt, x, threshold):
    a = _array(x, "x", [np.float32, np.int8])
    rows = a.reshape(-1, a.shape[-1]) if a.ndim == 2 else a.reshape(1, -1)
    n = rows.shape[1]
    out = np.zeros((rows.shape[0], _words_per_row(fmt, n)), np.uint64)
    if a.dtype == np.int8 and threshold != 0:
        raise ValueError("threshold: int8 input packs by sign; a threshold applies to float32 input only")
    for r in range(rows.shape[0]):
        if a.dtype == np.int8:
            call(f"pack_{fmt}_i8", _ptr(rows[r]), n, _ptr(out[r]))
        elif fmt == "b1":
            call("pack_b1_f32", _ptr(rows[r]), n, _ptr(out[r]))
        else:
            call("pack_t2_f32", _ptr(rows[r]), n, float(threshold), _ptr(out[r]))
    return Packed(fmt, n, out, a.ndim == 1)


def pack_b1(x):
    """Packs float32 or int8 values, a vector or one row per vector, to B1: x < 0 -> -1, else +1 (-0.0 is +1).
    NaN or infinity: BiternError (status ENONFINITE)."""
    return _pack("b1", x, 0)


def pack_t2(x, threshold=0.0):
    """Packs to T2: float32 |x| > threshold -> sign(x), else 0 (the threshold is rounded to float32, finite and
    >= 0, else BiternError); int8 x -> sign(x), no threshold. NaN or infinity: BiternError (ENONFINITE)."""
    return _pack("t2", x, threshold)


def quantize_i8(x):
    """float32 -> (q int8 in [-127, 127], scale float32) with x ~= q * scale, per row for a 2-D x (scale then has
    one entry per row): scale = absmax / 127, q = round-half-even(x * 127 / absmax). NaN or infinity: BiternError."""
    a = _array(x, "x", [np.float32])
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    q = np.zeros(rows.shape, np.int8)
    scale = np.zeros(rows.shape[0], np.float32)
    s = ctypes.c_float()
    for r in range(rows.shape[0]):
        call("quantize_i8", _ptr(rows[r]), rows.shape[1], _ptr(q[r]), ctypes.byref(s))
        scale[r] = s.value
    return (q[0], scale[0]) if a.ndim == 1 else (q, scale)


def unpack(p, dtype=np.int8):
    """A Packed back to values in {-1, 0, +1}, as int8 or float32 (exact either way), in p's shape."""
    if not isinstance(p, Packed):
        raise TypeError(f"expected a bitern.Packed, got {type(p).__name__}")
    if np.dtype(dtype) not in (np.dtype(np.int8), np.dtype(np.float32)):
        raise TypeError(f"dtype must be int8 or float32, got {np.dtype(dtype)}")
    out = np.zeros((p.rows, p.n), np.int8)
    for r in range(p.rows):
        call(f"unpack_{p.fmt}_i8", _ptr(p.words[r]), p.n, _ptr(out[r]))
    out = out.astype(dtype, copy=False)
    return out[0] if p.vector else out


def _operand_x(x, what):
    """The right-hand operand: a Packed, or int8 activations -> (format, array of rows, n, is a vector)."""
    if isinstance(x, Packed):
        return x.fmt, x.words, x.n, x.vector
    a = _array(x, what, [np.int8])
    if a.size and a.min() == -128:
        raise ValueError(f"{what}: -128 found; I8 activations lie in [-127, 127] (bitern.quantize_i8 makes them)")
    return "i8", a.reshape(-1, a.shape[-1]) if a.ndim == 2 else a.reshape(1, -1), a.shape[-1], a.ndim == 1


def _op(wfmt, xfmt, what):
    op = _OPS.get((wfmt, xfmt))
    if op is None:
        raise ValueError(f"{what}: W is B1 and X is T2: there is no b1t2 kernel; swap the operands "
                         "(gemm(X, W).T, gemv by gemm) so that the ternary one is W")
    return op


def _check(w, what, vector):
    if not isinstance(w, Packed):
        raise TypeError(f"{what}: W must be a bitern.Packed (pack_b1 / pack_t2), got {type(w).__name__}")
    if w.vector != vector:
        raise ValueError(f"{what}: W must be a packed {'vector' if vector else 'matrix (2-D)'}, got shape {w.shape}")


def _same_k(what, w, k):
    if w.n != k:
        raise ValueError(f"{what}: W has {w.n} elements per row, X has {k}")


def dot(w, x):
    """sum_i w[i] * x[i] as a Python int: w a packed vector, x a packed vector or an int8 vector. B1 . T2 is
    computed as T2 . B1 (the same sum)."""
    _check(w, "dot", True)
    xfmt, xa, k, xvec = _operand_x(x, "dot: x")
    if not xvec:
        raise ValueError(f"dot: x must be a vector, got {k}-element rows")
    _same_k("dot", w, k)
    if (w.fmt, xfmt) == ("b1", "t2"):
        w, xa, xfmt = x, w.words, "b1"
    out = ctypes.c_int32()
    call("dot_" + _OPS[(w.fmt, xfmt)], _ptr(w.words), _ptr(xa), k, ctypes.byref(out))
    return out.value


def gemv(w, x):
    """y[r] = dot(row r of W, x) as int32: W a packed matrix, x a packed or int8 vector."""
    _check(w, "gemv", False)
    xfmt, xa, k, xvec = _operand_x(x, "gemv: x")
    if not xvec:
        raise ValueError("gemv: x must be a vector; for several, gemm(W, X)")
    _same_k("gemv", w, k)
    y = np.zeros(w.rows, np.int32)
    call("gemv_" + _op(w.fmt, xfmt, "gemv"), _ptr(w.words), _ptr(xa), _ptr(y), w.rows, k)
    return y


def gemm(w, x):
    """C = W . X^T as int32 (m x n): W a packed m x k matrix, X a packed or int8 n x k matrix (one row per
    vector, the layout of bitern.h's gemm)."""
    _check(w, "gemm", False)
    xfmt, xa, k, xvec = _operand_x(x, "gemm: X")
    if xvec:
        raise ValueError("gemm: X must be 2-D (n rows of k); for one vector, gemv(W, x)")
    _same_k("gemm", w, k)
    c = np.zeros((w.rows, xa.shape[0]), np.int32)
    call("gemm_" + _op(w.fmt, xfmt, "gemm"), _ptr(w.words), _ptr(xa), _ptr(c), w.rows, xa.shape[0], k)
    return c
