#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every kind of bad input bitern must refuse, each with the exit status and message it must give.

Runs `bitern train`, `bitern eval` and `bitern info` on generated bad files and command lines and checks, for
every case: the process exited by itself (not by a signal) with the expected non-zero status, and its output
contains the expected message. Each case passes or fails on its own; the exit status is the number of failures.

    bad_inputs.py --bitern B --rechecksum R [--group G]...   run the cases (all groups by default)
    bad_inputs.py --markdown                                 the catalogue table of docs/bad-inputs.md

The inputs are generated: small synthetic IDX and CIFAR-10 sets and a tiny model trained on them, so the cases
run without the real datasets. Real files are cut too when ../shared/data has them (those cases are skipped,
and said so, without it).
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import CASES, Ctx, VALGRIND_LINE, run  # noqa: E402
import cases_files  # noqa: E402,F401 (each registers its cases)
import cases_data  # noqa: E402,F401
import cases_cli  # noqa: E402,F401
import cases_paths  # noqa: E402,F401
import cases_checks  # noqa: E402,F401
import cases_compare  # noqa: E402,F401


# --------------------------------------------------------------------------------------------- the runner

def run_cases(args):
    tmp = tempfile.mkdtemp(prefix="bitern-hardening-")
    ctx = Ctx(os.path.abspath(args.bitern), os.path.abspath(args.rechecksum), tmp)
    fails = skipped = passed = 0
    try:
        for c in CASES:
            if args.group and c["group"] not in args.group:
                continue
            if args.case and c["name"] not in args.case:
                continue
            label = "%s/%s" % (c["group"], c["name"])
            if c["skip_unless"] and not os.path.exists(c["skip_unless"]):
                print("SKIP %s (no %s)" % (label, c["skip_unless"]))
                skipped += 1
                continue
            ctx.env, ctx.preexec, ctx.wrap, ctx.after = None, None, None, None
            try:
                argv = c["fn"](ctx)
                r = run(ctx, argv, ctx.env, ctx.preexec, ctx.wrap)
            except Exception as e:   # a fixture that cannot be built is this case's failure, not the run's
                print("FAIL %s: %s: %s" % (label, type(e).__name__, e))
                fails += 1
                continue
            out = r.stderr + r.stdout
            problems = []
            if r.returncode < 0:
                problems.append("killed by signal %d" % -r.returncode)
            elif r.returncode != c["rc"]:
                problems.append("exit status %d, expected %d" % (r.returncode, c["rc"]))
            msg = c["msg"].format(missing=ctx.missing)
            if msg not in out:
                problems.append("message lacks %r" % msg)
            if "AddressSanitizer" in out or "runtime error:" in out:
                problems.append("sanitizer report")
            if VALGRIND_LINE.search(r.stderr) or r.returncode == 99:
                problems.append("valgrind report")
            if ctx.after:   # what the run must have left alone (a file it was not to touch)
                why = ctx.after(r)
                if why:
                    problems.append(why)
            if problems:
                fails += 1
                print("FAIL %s: %s\n  command: bitern %s\n  output: %s" % (
                    label, "; ".join(problems), " ".join(argv)[:300], out.strip()[-600:].replace("\n", "\n          ")))
            else:
                passed += 1
                print("ok   %s (%d): %s" % (label, r.returncode, out.strip().splitlines()[-1][:150]))
    finally:
        if args.keep:
            print("inputs kept in", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (passed, fails, skipped))
    return 1 if fails else 0


def markdown():
    groups = {"model": "`.btn` model files (`bitern eval`, `bitern train --eval`, `--init`)",
              "ckpt": "Checkpoints (`bitern train --resume`)",
              "idx": "IDX files: MNIST, Fashion-MNIST (`bitern train`, `bitern eval`)",
              "cifar": "CIFAR-10 binary batches",
              "spec": "Model spec (`bitern train --model`)",
              "cli": "Command-line options and environment (`bitern train`, `eval`, `info`)",
              "output": "Output files (`--out`, `--ckpt`, `--log`)",
              "alias": "One file in two roles of a run (every path of `train` and `compare`, by identity)",
              "special": "Special files where a file is read (FIFOs, devices: refused before a blocking open)",
              "compare": "`bitern compare --models DIR`: files that are not what their names say"}
    for g, title in groups.items():
        print("\n### %s\n" % title)
        print("| input | example | what bitern says (excerpt) | exit | test |")
        print("|---|---|---|---|---|")
        for c in CASES:
            if c["group"] == g:
                msg = c["msg"].format(missing="/no/such/dir").replace("|", "\\|")
                print("| %s | %s | `%s` | %d | `%s` |" % (c["kind"], c["example"], msg, c["rc"], c["name"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bitern")
    ap.add_argument("--rechecksum")
    ap.add_argument("--group", action="append")
    ap.add_argument("--case", action="append")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if args.markdown:
        markdown()
        return 0
    if not args.bitern or not args.rechecksum:
        ap.error("--bitern and --rechecksum are required")
    return run_cases(args)


if __name__ == "__main__":
    sys.exit(main())
