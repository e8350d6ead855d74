# SPDX-License-Identifier: MIT
"""PNG plots for tools/bench-report, drawn by gnuplot from small data files (standard library only)."""
import math
import os
import subprocess

REPR = {"dot": ["k65536", "k16384", "k4096", "k64"], "gemv": ["4096x4096@cache", "512x4096@cache"],
        "gemm": ["1024x1024x4096", "64x64x512"], "pack": ["n1048576", "n4096"]}
HEAD = """set terminal pngcairo size 1280,640 font ",10" noenhanced
set output '%s'
set datafile missing 'NaN'
set key outside right top
set grid ytics
set title '%s'
set ylabel '%s'
"""


def q(s):
    return '"%s"' % s.replace('"', "'")


def num(v):
    return "NaN" if v is None or (isinstance(v, float) and (math.isnan(v) or v <= 0)) else "%.6g" % v


def repr_shape(idx, source, op, kind):
    """The shape an op is summarised at: the first of REPR present in this source."""
    shapes = {r.shape for r in idx.rows if r.source == source and r.op == op}
    for s in REPR.get(kind, []):
        if s in shapes:
            return s
    return sorted(shapes)[-1] if shapes else None


def histogram(out_dir, tmp, gp, png, title, ylabel, cats, series, value, log=False):
    """Clustered bars: one cluster per category, one bar per series; value(cat, series) or None."""
    data = os.path.join(tmp, png + ".dat")
    rows = [[value(c, s) for s in series] for c in cats]
    if not cats or not series or all(v is None for r in rows for v in r):
        return None
    with open(data, "w") as f:
        f.write("cat " + " ".join(q(s) for s in series) + "\n")
        for c, r in zip(cats, rows):
            f.write(q(c) + " " + " ".join(num(v) for v in r) + "\n")
    script = HEAD % (os.path.join(out_dir, png), title, ylabel)
    script += "set style data histogram\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
    script += "set xtics rotate by -35 left\nset bmargin 11\n"
    script += "set logscale y\n" if log else "set yrange [0:*]\n"
    script += "plot for [i=2:%d] '%s' using i:xtic(1) title columnheader(i)\n" % (len(series) + 1, data)
    return run(gp, script, out_dir, png)


def run(gp, script, out_dir, png):
    r = subprocess.run([gp], input=script, text=True, capture_output=True)
    path = os.path.join(out_dir, png)
    if r.returncode != 0 or not os.path.exists(path):
        raise SystemExit("bench-report: gnuplot failed on %s:\n%s" % (png, r.stderr))
    return png


def make_all(idx, srcs, out_dir, tmp, gp):
    pngs = []
    names = [s.name for s in srcs]
    ops = []
    for r in idx.rows:
        if r.op not in ops and r.isa != "openblas":
            ops.append(r.op)

    # 1. speed-up of the best variant of each ISA over scalar, at each op's representative shape, 1 thread.
    isa_series = []
    for s in names:
        for isa in sorted({r.isa for r in idx.rows if r.source == s and r.isa not in ("scalar", "openblas")}):
            isa_series.append((s, isa))

    def speedup(op, si):
        s, isa = si
        shape = repr_shape(idx, s, op, idx_kind(idx, op))
        r = idx.best(s, op, shape, 1, isa=isa) if shape else None
        return idx.speedup_scalar(r) if r else None

    pngs.append(histogram(out_dir, tmp, gp, "speedup.png", "Speed-up over the scalar reference (best variant "
                          "per ISA, 1 thread, representative shape)", "x scalar (log)", ops,
                          ["%s %s" % si for si in isa_series],
                          lambda c, lab: speedup(c, isa_series[["%s %s" % si for si in isa_series].index(lab)]),
                          log=True))

    # 2. ratio over OpenBLAS float at the GEMV shapes and the large GEMM, per source and thread count.
    cats = []
    for r in idx.rows:
        if r.kind in ("gemv", "gemm") and r.isa != "openblas" and (r.kind == "gemv" or "layer" not in r.info):
            c = "%s %s" % (r.op, r.shape)
            if c not in cats:
                cats.append(c)
    tser = ["%s t%d" % (s, t) for s in names for t in sorted({r.threads for r in idx.rows if r.source == s})]

    def blas(c, st):
        op, shape = c.split(" ")
        s, t = st.rsplit(" t", 1)
        r = idx.best(s, op, shape, int(t))
        return idx.ratio_blas(r) if r else None

    pngs.append(histogram(out_dir, tmp, gp, "openblas.png", "OpenBLAS float time / bitern time (best variant; "
                          "> 1 is faster than sgemv/sgemm)", "x OpenBLAS (log)", cats, tser, blas, log=True))

    # 3. the network layers: one cluster per layer, one bar per source x GEMM op (best variant, 1 thread).
    lcats, shape_of = [], {}
    for r in idx.rows:
        if r.kind == "gemm" and "layer" in r.info and r.info["layer"] not in lcats:
            lcats.append(r.info["layer"])
            shape_of[r.info["layer"]] = r.shape
    gemm_ops = [o for o in ops if o.startswith("gemm_")]

    def layer(lay, so):
        s, op = so
        r = idx.best(s, op, shape_of[lay], 1)
        return idx.ratio_blas(r) if r else None

    lser = [(s, op) for s in names for op in gemm_ops if any(layer(lay, (s, op)) for lay in lcats)]
    pngs.append(histogram(out_dir, tmp, gp, "layers.png", "Network layers (im2col GEMM): OpenBLAS sgemm time / "
                          "bitern time, best variant per op, 1 thread", "x OpenBLAS (log)", lcats,
                          ["%s %s" % so for so in lser],
                          lambda c, lab: layer(c, lser[["%s %s" % so for so in lser].index(lab)]), log=True))

    # 4. % of roofline of the best variant, representative shapes, 1 thread.
    def roof(op, s):
        shape = repr_shape(idx, s, op, idx_kind(idx, op))
        r = idx.best(s, op, shape, 1) if shape else None
        return r.c.get("pct_roofline") if r else None

    pngs.append(histogram(out_dir, tmp, gp, "roofline.png", "Best variant as % of its roofline (1 thread, "
                          "representative shape)", "% of roofline", ops, names, roof))

    # 5. dot throughput against K, one line per source x variant.
    for op in [o for o in ops if o.startswith("dot_")]:
        p = dot_lines(idx, out_dir, tmp, gp, op)
        if p:
            pngs.append(p)
    return [p for p in pngs if p]


def idx_kind(idx, op):
    for r in idx.rows:
        if r.op == op:
            return r.kind
    return None


def dot_lines(idx, out_dir, tmp, gp, op):
    series = {}
    for r in idx.rows:
        if r.op == op and r.threads == 1 and "MAC/s" in r.c:
            series.setdefault("%s %s" % (r.source, r.variant), []).append((int(r.shape[1:]), r.c["MAC/s"] / 1e9))
    if not series:
        return None
    png = "%s.png" % op
    plots = []
    for i, (name, pts) in enumerate(sorted(series.items())):
        data = os.path.join(tmp, "%s.%d.dat" % (op, i))
        with open(data, "w") as f:
            for k, v in sorted(pts):
                f.write("%d %.6g\n" % (k, v))
        plots.append("'%s' using 1:2 with linespoints title %s" % (data, q(name)))
    script = HEAD % (os.path.join(out_dir, png), "%s: throughput against K (1 thread, median)" % op,
                     "G MAC/s (log)")
    script += "set logscale xy\nset xlabel 'K (elements)'\nset format x '2^{%L}'\nset logscale x 2\n"
    script += "plot " + ", ".join(plots) + "\n"
    return run(gp, script, out_dir, png)
