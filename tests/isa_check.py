#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every x86 variant executes only instructions of the CPU flags it declares.

Dispatch runs a variant on any CPU that has the flags the variant lists (kernels/x86/variants_*.c); the compiler
was free to use anything its library was built with. This check ties the two: variant_flags (linked with the
kernels) names each variant, its declared flags and its entry point; nm turns the entry point into a symbol;
objdump disassembles it and every function it calls or jumps to inside the program; each instruction is sorted
into the extension it needs, and one outside the declared flags fails the check.

    isa_check.py VARIANT_FLAGS_EXE

What it classifies (enough for the extensions bitern's build flags enable): AVX-512 (a zmm or opmask register,
or an EVEX-only operand), the Ice Lake extras (VPOPCNTDQ, BITALG, VNNI, VBMI, by mnemonic), AVX/AVX2/FMA (a ymm
register, or a VEX 'v' mnemonic), BMI1/BMI2, LZCNT, POPCNT. Baseline x86-64 SSE2 code is not classified further.
"""
import re
import subprocess
import sys

# What each declared flag allows (the AVX2 level is AVX + AVX2 + FMA + BMI1 + BMI2, bitern.h).
ALLOWS = {
    "popcnt": {"popcnt"},
    "avx2": {"avx", "bmi"},
    "avx512": {"avx512"},
    "avx512_vpopcntdq": {"vpopcntdq"},
    "avx512_vnni": {"vnni"},
    "avx512_bitalg": {"bitalg"},
    "avx512_vbmi": {"vbmi"},
}
MNEMONICS = {
    "vpopcntdq": {"vpopcntd", "vpopcntq"},
    "bitalg": {"vpopcntb", "vpopcntw", "vpshufbitqmb"},
    "vnni": {"vpdpbusd", "vpdpbusds", "vpdpwssd", "vpdpwssds"},
    "vbmi": {"vpermb", "vpermi2b", "vpermt2b", "vpmultishiftqb"},
    "bmi": {"andn", "bextr", "blsi", "blsmsk", "blsr", "tzcnt", "bzhi", "mulx", "pdep", "pext", "rorx", "sarx",
            "shlx", "shrx"},
    "lzcnt": {"lzcnt"},
    "popcnt": {"popcnt"},
}
# Opmask instructions are AVX-512 whatever their operands.
AVX512_MNEMONIC = re.compile(r"^k(mov|and|or|xor|not|shift|test|ortest|add|unpck|andn|xnor)[bwdq]")


def needs(mnem, ops):
    """The extensions one instruction needs (a set; empty for baseline code)."""
    base = mnem.split(".")[0]
    out = set()
    for ext, names in MNEMONICS.items():
        if base in names or base.rstrip("bwlq") in names and ext in ("bmi", "lzcnt", "popcnt"):
            out.add(ext)
    if re.search(r"%zmm|%k[0-7]|\{1to\d+\}|\{%k", ops) or AVX512_MNEMONIC.match(base):
        out.add("avx512")
    elif re.search(r"%ymm", ops) or (base.startswith("v") and base not in ("verr", "verw")):
        out.add("avx")
    return out


def functions(exe):
    """{symbol: [(mnemonic, operands)]} from objdump, and {address: symbol}."""
    text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-M", "att", exe], capture_output=True, text=True,
                          check=True).stdout
    funcs, addr_of, cur = {}, {}, None
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]+) <([^>]+)>:$", line)
        if m:
            cur = m.group(2)
            funcs[cur] = []
            addr_of[int(m.group(1), 16)] = cur
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)
        if m and cur:
            funcs[cur].append((m.group(1), m.group(2)))
    return funcs, addr_of


def reachable(start, funcs):
    """start and every function it calls or jumps to by name, transitively (PLT stubs and libc excluded)."""
    seen, todo = set(), [start]
    while todo:
        f = todo.pop()
        if f in seen or f not in funcs:
            continue
        seen.add(f)
        for mnem, ops in funcs[f]:
            m = re.search(r"<([^>+@]+)(\+0x[0-9a-f]+)?>", ops)
            if m and (mnem.startswith("call") or mnem.startswith("j")) and m.group(1) != f:
                todo.append(m.group(1))
    return seen


def main():
    exe = sys.argv[1]
    listing = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split("\n")
    nm = subprocess.run(["nm", exe], capture_output=True, text=True, check=True).stdout
    sym_addr = {}
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tT":
            sym_addr.setdefault(int(parts[0], 16), parts[2])
    main_addr = [a for a, s in sym_addr.items() if s == "main"][0]
    funcs, _ = functions(exe)
    checked = fails = 0
    for line in listing:
        if not line:
            continue
        op, name, off, *flags = line.split()
        sym = sym_addr.get(main_addr + int(off))
        if sym is None or sym not in funcs:
            print("FAIL %s %s: no symbol at main%+d" % (op, name, int(off)))
            fails += 1
            continue
        allowed = set().union(*(ALLOWS.get(f, set()) for f in flags)) if flags else set()
        bad = {}
        for f in reachable(sym, funcs):
            for mnem, ops in funcs[f]:
                for ext in needs(mnem, ops) - allowed:
                    bad.setdefault(ext, "%s: %s %s" % (f, mnem, ops))
        checked += 1
        if bad:
            fails += 1
            for ext, where in sorted(bad.items()):
                print("FAIL %s %s (declares: %s) executes %s: %s" % (op, name, " ".join(flags) or "nothing", ext, where))
    print("%d variants disassembled; each executes only its declared extensions: %s" %
          (checked, "yes" if not fails else "NO"))
    print("%d passed, %d failed" % (checked - fails, fails))
    return 1 if fails or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
