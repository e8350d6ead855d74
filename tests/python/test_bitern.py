# SPDX-License-Identifier: MIT
"""The Python bindings against NumPy computing the same integers, exactly, at every ISA level this CPU runs and at
the 64-element block edges; then bad input: dtype, shape, contiguity, NaN, non-canonical words, the loader."""
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

import bitern

SIZES = [1, 2, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513, 1000, 2049]
LEVELS = ["scalar", "avx2", "avx512", "neon", "neon-dotprod"]


def _runnable(level):
    try:
        bitern.set_isa(level)
        return True
    except bitern.BiternError:
        return False
    finally:
        bitern.set_isa("native")


@pytest.fixture(params=[lvl for lvl in LEVELS if _runnable(lvl)])
def level(request):
    bitern.set_isa(request.param)
    assert bitern.isa() == request.param
    yield request.param
    bitern.set_isa("native")


def rng_for(*key):
    """A generator seeded from the case itself, so a failure replays (hash() of a str varies per process)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# ---- NumPy's answers: the formats' definitions (bitern.h), written independently of the library ----
def ref_b1(x):
    return np.where(x < 0, -1, 1).astype(np.int64)          # -0.0 < 0 is False: +1, as bitern.h says


def ref_t2(x, thr):
    return np.where(np.abs(x) > np.float32(thr), np.sign(x), 0).astype(np.int64)


def ref_words_b1(vals):
    """bitern.h's B1 layout: element i in word i // 64, bit i % 64, set for -1; padding zero."""
    n = vals.shape[-1]
    words = np.zeros((n + 63) // 64, np.uint64)
    for i in np.flatnonzero(vals == -1):
        words[i // 64] |= np.uint64(1) << np.uint64(i % 64)
    return words


def ref_words_t2(vals):
    """T2: per 64-element block, the non-zero mask word then the sign word."""
    n = vals.shape[-1]
    words = np.zeros(2 * ((n + 63) // 64), np.uint64)
    for i in np.flatnonzero(vals != 0):
        words[2 * (i // 64)] |= np.uint64(1) << np.uint64(i % 64)
    for i in np.flatnonzero(vals == -1):
        words[2 * (i // 64) + 1] |= np.uint64(1) << np.uint64(i % 64)
    return words


def floats(rng, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[:: 7] = 0.0                                         # exact zeros, and -0.0: sign edge cases
    x.flat[3:: 11] = -0.0
    return x


def int8s(rng, shape):
    return rng.integers(-127, 128, shape, dtype=np.int8)       # the full I8 range, -128 excluded


# ---- packing ----
@pytest.mark.parametrize("n", SIZES)
def test_pack_layout_and_roundtrip(n):
    rng = rng_for("pack", n)
    x = floats(rng, n)
    b = bitern.pack_b1(x)
    assert b.shape == (n,) and b.words.shape == (1, (n + 63) // 64)
    assert np.array_equal(b.words[0], ref_words_b1(ref_b1(x)))
    assert np.array_equal(bitern.unpack(b), ref_b1(x))
    assert bitern.unpack(b, np.float32).dtype == np.float32
    t = bitern.pack_t2(x, 0.6)
    assert np.array_equal(t.words[0], ref_words_t2(ref_t2(x, 0.6)))
    assert np.array_equal(t.unpack(), ref_t2(x, 0.6))
    q = int8s(rng, n)
    assert np.array_equal(bitern.unpack(bitern.pack_b1(q)), np.where(q < 0, -1, 1))
    assert np.array_equal(bitern.unpack(bitern.pack_t2(q)), np.sign(q))


def test_pack_threshold_is_strict_and_float32():
    x = np.array([0.5, -0.5, 0.50000006, -0.6, 0.1], np.float32)
    assert list(bitern.unpack(bitern.pack_t2(x, 0.5))) == [0, 0, 1, -1, 0]
    # 0.1 as float32 is above the double 0.1: x == float32(0.1) is not > the threshold rounded the same way.
    assert bitern.unpack(bitern.pack_t2(x, 0.1))[4] == 0


def test_pack_matrix_rows_are_separate_vectors():
    x = floats(rng_for("rows"), (5, 70))
    p = bitern.pack_t2(x, 0.3)
    assert p.shape == (5, 70) and p.words.shape == (5, 4)
    for r in range(5):
        assert np.array_equal(p.words[r], ref_words_t2(ref_t2(x[r], 0.3)))
    assert not p.words.flags.writeable


@pytest.mark.parametrize("n", [1, 64, 100, 1000])
def test_quantize_i8(n):
    x = floats(rng_for("q", n), (3, n)) * np.float32(5)
    q, scale = bitern.quantize_i8(x)
    for r in range(3):
        absmax = np.abs(x[r]).max()
        if absmax == 0:                                        # an all-zero row: q = 0, scale = 0
            assert scale[r] == 0 and not q[r].any()
            continue
        inv = np.float32(127) / absmax
        assert scale[r] == absmax / np.float32(127)
        assert np.array_equal(q[r], np.clip(np.rint(x[r] * inv), -127, 127).astype(np.int8))
    q0, s0 = bitern.quantize_i8(np.zeros(10, np.float32))
    assert s0 == 0 and not q0.any()


# ---- the operations, exactly, at every level ----
def operands(fmt, rng, shape):
    """(the argument bitern takes, its values as NumPy int64)."""
    if fmt == "i8":
        v = int8s(rng, shape)
        return v, v.astype(np.int64)
    x = floats(rng, shape)
    if fmt == "b1":
        return bitern.pack_b1(x), ref_b1(x)
    return bitern.pack_t2(x, 0.4), ref_t2(x, 0.4)


PAIRS = [("b1", "b1"), ("t2", "t2"), ("t2", "b1"), ("b1", "i8"), ("t2", "i8")]


@pytest.mark.parametrize("wf,xf", PAIRS + [("b1", "t2")])
def test_dot(level, wf, xf):
    for k in SIZES:
        rng = rng_for("dot", wf, xf, k)
        w, wv = operands(wf, rng, k)
        x, xv = operands(xf, rng, k)
        assert bitern.dot(w, x) == int(wv @ xv), (level, wf, xf, k)


@pytest.mark.parametrize("wf,xf", PAIRS)
def test_gemv(level, wf, xf):
    for m, k in [(1, 1), (3, 64), (17, 65), (8, 129), (33, 513), (5, 2049)]:
        rng = rng_for("gemv", wf, xf, m, k)
        w, wv = operands(wf, rng, (m, k))
        x, xv = operands(xf, rng, k)
        y = bitern.gemv(w, x)
        assert y.dtype == np.int32 and y.shape == (m,)
        assert np.array_equal(y, wv @ xv), (level, wf, xf, m, k)


@pytest.mark.parametrize("wf,xf", PAIRS)
def test_gemm(level, wf, xf):
    for m, n, k in [(1, 1, 1), (2, 3, 63), (17, 5, 64), (8, 33, 65), (13, 7, 300), (4, 16, 1025)]:
        rng = rng_for("gemm", wf, xf, m, n, k)
        w, wv = operands(wf, rng, (m, k))
        x, xv = operands(xf, rng, (n, k))
        c = bitern.gemm(w, x)
        assert c.dtype == np.int32 and c.shape == (m, n)
        assert np.array_equal(c, wv @ xv.T), (level, wf, xf, m, n, k)


def test_extremes_are_exact():
    # The largest sums the formats make: every product +127 (or -127) over many blocks.
    k = 4096 + 3
    w = bitern.pack_b1(-np.ones(k, np.float32))
    assert bitern.dot(w, np.full(k, -127, np.int8)) == 127 * k
    assert bitern.dot(w, np.full(k, 127, np.int8)) == -127 * k
    t = bitern.pack_t2(np.ones((2, k), np.float32))
    assert np.array_equal(bitern.gemm(t, np.full((3, k), 127, np.int8)), np.full((2, 3), 127 * k))


# ---- contiguity: copied, so the result is that of the contiguous array ----
def test_non_contiguous_inputs_are_copied():
    rng = rng_for("strided")
    big = floats(rng, (6, 400))
    view = big[::2, 1::3]                                      # neither C- nor F-contiguous
    assert not view.flags.c_contiguous
    assert np.array_equal(bitern.pack_t2(view, 0.2).words, bitern.pack_t2(view.copy(), 0.2).words)
    fortran = np.asfortranarray(floats(rng, (9, 130)))
    assert np.array_equal(bitern.pack_b1(fortran).words, bitern.pack_b1(np.ascontiguousarray(fortran)).words)
    acts = int8s(rng, (40, 300))
    w = bitern.pack_b1(floats(rng, (3, 100)))
    assert np.array_equal(bitern.gemm(w, acts[::4, ::3]), bitern.gemm(w, acts[::4, ::3].copy()))
    assert bitern.dot(bitern.pack_b1(big[0, ::4]), acts[0, ::3]) == int(ref_b1(big[0, ::4]) @ acts[0, ::3])


# ---- bad input ----
@pytest.mark.parametrize("bad", [np.zeros(8, np.float64), np.zeros(8, np.float16), np.zeros(8, ">f4"),
                                 np.zeros(8, np.int32), [0.5, -1.0]])
def test_pack_refuses_other_dtypes(bad):
    with pytest.raises(TypeError, match="float32|ndarray"):
        bitern.pack_b1(bad)


def test_dtype_shape_and_length_errors():
    w = bitern.pack_b1(np.ones((2, 10), np.float32))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        bitern.pack_b1(np.ones((2, 2, 2), np.float32))
    with pytest.raises(TypeError, match="int8"):
        bitern.gemv(w, np.ones(10, np.float32))
    with pytest.raises(TypeError, match="float32"):
        bitern.quantize_i8(np.ones(10, np.int8))
    with pytest.raises(ValueError, match="W has 10 elements per row, X has 11"):
        bitern.gemv(w, np.ones(11, np.int8))
    with pytest.raises(ValueError, match="2-D"):
        bitern.gemm(w, np.ones(10, np.int8))
    with pytest.raises(ValueError, match="vector"):
        bitern.dot(w, np.ones(10, np.int8))
    with pytest.raises(ValueError, match="-128"):
        bitern.gemv(w, np.full(10, -128, np.int8))
    with pytest.raises(ValueError, match="no b1t2 kernel"):
        bitern.gemm(w, bitern.pack_t2(np.ones((2, 10), np.float32)))
    with pytest.raises(ValueError, match="threshold"):
        bitern.pack_t2(np.ones(4, np.int8), 0.5)
    with pytest.raises(TypeError, match="bitern.Packed"):
        bitern.gemv(np.ones((2, 10), np.int8), np.ones(10, np.int8))


@pytest.mark.parametrize("bad,name", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
def test_nonfinite_is_the_library_error(bad, name):
    x = np.ones(100, np.float32)
    x[70] = bad
    for fn in (bitern.pack_b1, bitern.pack_t2, bitern.quantize_i8):
        with pytest.raises(bitern.BiternError, match=f"element 70 is .*{name}") as e:
            fn(x)
        assert e.value.status == bitern.ENONFINITE


def test_library_errors_carry_its_message():
    with pytest.raises(bitern.BiternError, match="threshold -1 must be finite and >= 0") as e:
        bitern.pack_t2(np.ones(3, np.float32), -1.0)
    assert e.value.status == bitern.EINVAL and e.value.function == "bitern_pack_t2_f32"
    with pytest.raises(bitern.BiternError) as e:
        bitern.set_isa("pentium")
    assert e.value.status == bitern.ENOTSUP and "pentium" in str(e.value)
    assert bitern.isa() == bitern.isa()   # still usable after a failure
    # Longer than BITERN_MAX_K: the library refuses it (k is checked before any data is read).
    k = bitern.MAX_K + 1
    with pytest.raises(bitern.BiternError, match="exceeds BITERN_MAX_K"):
        bitern.dot(bitern.pack_b1(np.zeros(k, np.int8)), np.zeros(k, np.int8))


def test_from_words_checks_canonical_form():
    good = bitern.pack_t2(np.array([1, -1, 0] * 30, np.float32))
    same = bitern.Packed.from_words("t2", good.words[0], 90)
    assert np.array_equal(same.unpack(), good.unpack())
    words = good.words[0].copy()
    words[2] |= np.uint64(1) << np.uint64(40)                 # a non-zero element past the last one (padding)
    with pytest.raises(bitern.BiternError, match="padding") as e:
        bitern.Packed.from_words("t2", words, 90)
    assert e.value.status == bitern.EFORMAT
    words = good.words[0].copy()
    words[1] |= np.uint64(1) << np.uint64(2)                  # a sign where the element is 0
    with pytest.raises(bitern.BiternError, match="sign bits outside its non-zero mask"):
        bitern.Packed.from_words("t2", words, 90)
    with pytest.raises(bitern.BiternError, match="padding"):
        bitern.Packed.from_words("b1", np.array([1 << 10], np.uint64), 10)
    with pytest.raises(ValueError, match="words per row"):
        bitern.Packed.from_words("b1", np.zeros(3, np.uint64), 64)
    with pytest.raises(TypeError, match="uint64"):
        bitern.Packed.from_words("b1", np.zeros(1, np.int64), 64)


def test_version_matches_the_build():
    # meson's project version, passed by tests/python/meson.build: the one number the C macros come from too.
    assert bitern.version() == bitern.__version__ == os.environ["BITERN_TEST_VERSION"]
    # The source tree's fallback soname (python/bitern/_lib.py) must follow kernels/meson.build's soversion.
    assert bitern.SOVERSION == os.environ["BITERN_TEST_SOVERSION"]
    tool = os.environ.get("BITERN_TEST_TOOL")                 # set where the bitern tool is built
    if tool:
        p = subprocess.run([tool, "--version"], capture_output=True, text=True)
        assert p.returncode == 0 and p.stdout == f"bitern {bitern.version()}\n"


def test_loader_reports_a_missing_library():
    env = dict(os.environ, BITERN_LIBRARY="/nonexistent/libbitern.so.1")
    p = subprocess.run([sys.executable, "-c", "import bitern"], capture_output=True, text=True, env=env)
    assert p.returncode != 0 and "/nonexistent/libbitern.so.1" in p.stderr


def test_docstring_example():
    import doctest
    result = doctest.testmod(bitern)
    assert result.attempted > 0 and result.failed == 0
