# SPDX-License-Identifier: MIT
"""Loads libbitern and declares the C functions the package calls (bitern.h is the reference).

Where the library comes from, first found wins:
1. $BITERN_LIBRARY, a path to libbitern.so.N (the build tree's tests and `meson devenv` set it);
2. the file `meson install` recorded in _config.py (prefix/libdir/libbitern.so.N);
3. libbitern.so.N through the dynamic loader ($LD_LIBRARY_PATH, ld.so.cache).
N is the soversion the package was built for: a library of another ABI is never picked up by accident.
"""
import ctypes
import os

try:
    from . import _config
except ImportError:          # the source tree: no install-time configuration
    _config = None

# Installed: what meson recorded; in the source tree: kernels/meson.build's bitern_soversion, which the tests
# compare with this copy.
SOVERSION = getattr(_config, "SOVERSION", "1")
SONAME = "libbitern.so." + SOVERSION


class BiternError(Exception):
    """A call into libbitern failed: the message is bitern_last_error()'s, the library's own explanation;
    .status is the C status code (BITERN_EINVAL, ...) and .function the C function."""

    def __init__(self, function, status, message):
        super().__init__(message)
        self.function = function
        self.status = status


def _load():
    tried = []
    env = os.environ.get("BITERN_LIBRARY")
    if env:
        # An explicit choice that does not load is an error, not a reason to fall back to another copy.
        return ctypes.CDLL(env)
    installed = getattr(_config, "LIBRARY", None)
    if installed:
        if os.path.exists(installed):
            return ctypes.CDLL(installed)
        tried.append(installed)
    try:
        return ctypes.CDLL(SONAME)
    except OSError as e:
        tried.append(f"{SONAME} through the dynamic loader ({e})")
    raise ImportError("bitern: libbitern not found; tried " + "; ".join(tried) +
                      ". Set BITERN_LIBRARY to the library's path (the build tree's is build/kernels/" +
                      SONAME + ") or add its directory to LD_LIBRARY_PATH.")


lib = _load()

_i, _p, _sz, _f = ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_float
_PROTOTYPES = {
    "bitern_version": (ctypes.c_char_p, []),
    "bitern_last_error": (ctypes.c_char_p, []),
    "bitern_strerror": (ctypes.c_char_p, [_i]),
    "bitern_init": (_i, []),
    "bitern_set_isa": (_i, [ctypes.c_char_p]),
    "bitern_isa_name": (ctypes.c_char_p, []),
    "bitern_cpu_name": (ctypes.c_char_p, []),
    "bitern_pack_b1_f32": (_i, [_p, _sz, _p]),
    "bitern_pack_t2_f32": (_i, [_p, _sz, _f, _p]),
    "bitern_pack_b1_i8": (_i, [_p, _sz, _p]),
    "bitern_pack_t2_i8": (_i, [_p, _sz, _p]),
    "bitern_quantize_i8": (_i, [_p, _sz, _p, _p]),
    "bitern_unpack_b1_i8": (_i, [_p, _sz, _p]),
    "bitern_unpack_t2_i8": (_i, [_p, _sz, _p]),
    "bitern_b1_check": (_i, [_p, _sz]),
    "bitern_t2_check": (_i, [_p, _sz]),
}
for _xy in ("b1b1", "t2t2", "t2b1", "b1i8", "t2i8"):
    _PROTOTYPES["bitern_dot_" + _xy] = (_i, [_p, _p, _sz, _p])
    _PROTOTYPES["bitern_gemv_" + _xy] = (_i, [_p, _p, _p, _sz, _sz])
    _PROTOTYPES["bitern_gemm_" + _xy] = (_i, [_p, _p, _p, _sz, _sz, _sz])
for _name, (_res, _args) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype, _fn.argtypes = _res, _args


def call(name, *args):
    """Calls bitern_<name>; a non-zero status raises BiternError with the library's message."""
    status = getattr(lib, "bitern_" + name)(*args)
    if status != 0:
        msg = lib.bitern_last_error().decode(errors="replace") or lib.bitern_strerror(status).decode()
        raise BiternError("bitern_" + name, status, msg)
    return status


def text(name):
    return getattr(lib, "bitern_" + name)().decode(errors="replace")
