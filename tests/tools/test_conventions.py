#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The command-line conventions every bitern command keeps (README, "CLI"): for each command `bitern --help`
lists, `-h` and `--help` print its usage on stdout and exit 0 with nothing on stderr, `--version` prints what
`bitern --version` prints, an unknown option is named as unknown on stderr with status 2, and `--opt=value`
is the same as `--opt value`. The bench executable keeps the first three too.

    test_conventions.py BITERN [BITERN_BENCH]
"""
import os
import re
import subprocess
import sys

fails = passes = 0


def check(ok, what):
    global fails, passes
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
    passes += bool(ok)


def run(*argv):
    env = dict(os.environ, BITERN_NO_REEXEC="1")
    return subprocess.run(list(argv), capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)


bitern = sys.argv[1]
top = run(bitern, "--help")
check(top.returncode == 0 and top.stdout.startswith("usage: bitern"), "bitern --help")
commands = re.findall(r"^  (\w+) ", top.stdout.split("commands:", 1)[1].split("\n\n", 1)[0], re.M)
check(len(commands) >= 2 and "info" in commands, "bitern --help lists the commands: " + " ".join(commands))
version = run(bitern, "--version")
check(version.returncode == 0 and re.fullmatch(r"bitern \d+\.\d+\.\d+\n", version.stdout) is not None,
      "bitern --version: " + version.stdout.strip())

for cmd in commands:
    for h in ("-h", "--help"):
        r = run(bitern, cmd, h)
        check(r.returncode == 0 and r.stdout.startswith("usage:") and r.stderr == "",
              "bitern %s %s: usage on stdout, status %d, stderr %r" % (cmd, h, r.returncode, r.stderr[:80]))
    r = run(bitern, cmd, "--version")
    check(r.returncode == 0 and r.stdout == version.stdout and r.stderr == "",
          "bitern %s --version: %r, status %d" % (cmd, r.stdout.strip(), r.returncode))
    r = run(bitern, cmd, "--no-such-option")
    check(r.returncode == 2 and "unknown option '--no-such-option'" in r.stderr and r.stdout == "",
          "bitern %s --no-such-option: status %d, %r" % (cmd, r.returncode, r.stderr.strip()[:100]))

# --opt=value is --opt value: the same refusal of the same bad value, named the same way.
for cmd, opt, bad in (("train", "--epochs", "zero"), ("eval", "--threads", "x"), ("compare", "--seed", "-")):
    if cmd not in commands:
        continue
    a = run(bitern, cmd, opt, bad)
    b = run(bitern, cmd, opt + "=" + bad)
    check(a.returncode == b.returncode == 2 and a.stderr == b.stderr and opt in a.stderr,
          "bitern %s %s=%s as %s %s: status %d / %d, %r" % (cmd, opt, bad, opt, bad, a.returncode, b.returncode,
                                                           b.stderr.strip()[:100]))

if len(sys.argv) > 2:
    bench = sys.argv[2]
    r = run(bench, "--help")
    check(r.returncode == 0 and r.stdout.startswith("usage: bitern-bench"), "bitern-bench --help")
    r = run(bench, "--version")
    check(r.returncode == 0 and r.stdout == version.stdout, "bitern-bench --version: %r" % r.stdout.strip())

print("%d passed, %d failed" % (passes, fails))
sys.exit(1 if fails else 0)
