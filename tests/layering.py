#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No include runs upward: kernels <- model <- {train, engine} <- compare <- tools (docs/architecture.md).

Every source and header of a layer may include its own layer's headers and those of the layers below it, always
with the layer in the path ("model/btn.h"); kernels/ is reached through <bitern.h> (and, inside kernels/, its
internal.h). bench/ sits beside tools/ and may use tools/openblas_core.h, the one choice of OpenBLAS core, and model/pool.h, the one thread pool. Tests
and fuzz targets may include anything. A same-directory include without the layer ("nn.h") is refused too: it is
how an upward include hid before.

    layering.py SOURCE_ROOT
"""
import pathlib
import re
import sys

BELOW = {
    "kernels": set(),
    "model": {"kernels"},
    "train": {"model", "kernels"},
    "engine": {"model", "kernels"},
    "compare": {"train", "engine", "model", "kernels"},
    "tools": {"compare", "train", "engine", "model", "kernels"},
    "bench": {"kernels"},
}
# Single headers a layer may use from outside its rule, each with its reason.
EXTRA = {
    ("bench", "tools/openblas_core.h"),   # bitern-bench makes the commands' OpenBLAS core choice
    ("bench", "model/pool.h"),            # and runs its threads on the project's one pool
}
# Headers of a layer's own folder that are generated or local to a file group, included bare. kernels/, the bottom
# layer, includes its own headers bare (its ISA templates beside their tiers): the list is made from its files.
BARE_OK = {
    "bench": {"bench.h", "roofline.h", "ceil_lut.h", "internal.h"},   # internal.h: the kernels' variant table
    "tools": {"onnx.pb-c.h"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    root = pathlib.Path(sys.argv[1])
    BARE_OK["kernels"] = {p.name for p in (root / "kernels").rglob("*.h")} | {"bitern_version.h"}
    bad = []
    checked = 0
    for layer in BELOW:
        for path in sorted((root / layer).rglob("*")):
            if path.suffix not in (".c", ".h", ".cc"):
                continue
            checked += 1
            for inc in INCLUDE.findall(path.read_text(errors="replace")):
                rel = path.relative_to(root)
                if "/" not in inc:
                    if inc not in BARE_OK.get(layer, set()):
                        bad.append(f"{rel}: \"{inc}\" without its layer in the path")
                    continue
                top = inc.split("/")[0]
                if top == layer or top in BELOW[layer] or (layer, inc) in EXTRA:
                    continue
                if top in BELOW or top == "..":
                    bad.append(f"{rel}: \"{inc}\" runs upward or sideways ({layer} may include "
                               f"{', '.join(sorted(BELOW[layer] | {layer}))})")
    for b in bad:
        print(b)
    print(f"{checked} files checked, {len(bad)} includes against the layering")
    return 1 if bad or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
