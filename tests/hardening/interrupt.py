#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Interrupted training: SIGINT/SIGTERM stop cleanly, SIGKILL never leaves a broken checkpoint, and resuming
always ends with exactly the model of an uninterrupted run (same seed, one thread).

    interrupt.py --bitern B --rechecksum R --mode sigint [--rounds N] [--seed S]
    interrupt.py --bitern B --rechecksum R --mode kill   [--rounds N] [--seed S]

sigint: chains of runs, each stopped by SIGINT (or SIGTERM) at a random moment and resumed from the checkpoint
it wrote (mid-epoch or at an epoch boundary), must exit with 128 + signal, print how to resume, and end with a
model byte-identical to the reference.

kill: runs that are SIGKILLed at random moments, half of them the moment a checkpoint's temporary file appears
(during a save). After each kill the checkpoint must be absent (nothing saved yet) or whole (its checksum
matches) and load (a resume of it into scratch files); each next run resumes from it. Finally a run without kill ends the training, and its model must be
byte-identical to the reference.
"""
import argparse
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixtures import make_mnist_dir  # noqa: E402

# SQ with dropout and batch norm: beta, the regularizer ramp, the depth decision, the quantized fine-tuning
# and the dropout stream all have to resume exactly.
TRAIN = ["--dataset", "mnist", "--model", "fc:64,bn,relu,drop:0.1,fc:32,bn,relu,fc:10", "--quant", "sq",
         "--quant-all", "--batch", "32", "--threads", "1", "--seed", "7"]


class Run:
    def __init__(self, args, tmp):
        self.bitern, self.rechecksum, self.tmp = args.bitern, args.rechecksum, tmp
        self.data = make_mnist_dir(os.path.join(tmp, "data"), n_train=args.n_train, n_test=128)
        self.train = TRAIN + ["--data-dir", self.data, "--epochs", str(args.epochs)]
        self.env = dict(os.environ, BITERN_NO_REEXEC="1", BITERN_DATA=os.path.join(tmp, "none"),
                        HOME=os.path.join(tmp, "none"))
        self.env.pop("XDG_DATA_HOME", None)

    def cmd(self, out, ckpt, resume=False, log=None):
        c = [self.bitern, "train"] + self.train + ["--out", out, "--ckpt", ckpt, "--quiet"]
        if resume:
            c += ["--resume", ckpt]
        if log:
            c += ["--log", log]
        return c

    def start(self, cmd):
        return subprocess.Popen(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def reference(self):
        out = os.path.join(self.tmp, "ref.btn")
        t0 = time.monotonic()
        r = subprocess.run(self.cmd(out, os.path.join(self.tmp, "ref.ckpt")), env=self.env, capture_output=True,
                           text=True)
        if r.returncode != 0:
            sys.exit("reference run failed: " + r.stderr)
        return read(out), time.monotonic() - t0

    def whole(self, path):
        return subprocess.run([self.rechecksum, "--check", path], capture_output=True).returncode == 0

    def loads(self, ckpt, epochs):
        """Resumes from ckpt into scratch files for at most one epoch: status 0 means the trainer loaded it."""
        done = struct.unpack_from("<I", read(ckpt), 20)[0]   # epochs_done, after magic, version, fingerprint
        scratch = ckpt + ".verify"
        c = [self.bitern, "train"] + self.train + ["--out", scratch + ".btn", "--ckpt", scratch, "--quiet",
                                                   "--resume", ckpt]
        if done + 1 < epochs:
            c += ["--stop-after", str(done + 1)]
        r = subprocess.run(c, env=self.env, capture_output=True, text=True)
        return r.returncode == 0, r.stderr.strip()[-300:]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sigint_mode(args, R, ref, t_ref, rng):
    fails = 0
    for chain in range(args.rounds):
        d = tempfile.mkdtemp(dir=R.tmp, prefix="int%d-" % chain)
        out, ckpt, log = os.path.join(d, "m.btn"), os.path.join(d, "run.ckpt"), os.path.join(d, "log.jsonl")
        stops, resume = 0, False
        while True:
            p = R.start(R.cmd(out, ckpt, resume, log))
            sig = signal.SIGTERM if (chain + stops) % 4 == 3 else signal.SIGINT
            time.sleep(rng.uniform(0.05, 0.6 * t_ref))
            p.send_signal(sig)
            _, err = p.communicate(timeout=300)
            if p.returncode == 0:
                break      # it finished before the signal came
            expect = 128 + sig
            if p.returncode != expect or "--resume " + ckpt not in err:
                print("FAIL chain %d: %s gave status %d (expected %d), stderr: %s" % (chain, sig.name, p.returncode,
                                                                                      expect, err.strip()[-400:]))
                fails += 1
                break
            if not R.whole(ckpt):
                print("FAIL chain %d: checkpoint after %s is not whole" % (chain, sig.name))
                fails += 1
                break
            where = err.strip().splitlines()[0]
            print("  chain %d: %s -> %d: %s" % (chain, sig.name, p.returncode, where.split(": ", 2)[-1]))
            stops += 1
            resume = True
            if stops > 12:
                break
        if os.path.exists(out):
            same = read(out) == ref
            print("%s chain %d: %d stop(s), final model %s the reference" % ("ok  " if same else "FAIL", chain, stops,
                                                                            "equals" if same else "DIFFERS from"))
            fails += not same
        elif p.returncode == 0 or stops > 12:
            print("FAIL chain %d: no model written" % chain)
            fails += 1
    return fails


def kill_mode(args, R, ref, t_ref, rng):
    d = tempfile.mkdtemp(dir=R.tmp, prefix="kill-")
    out, ckpt = os.path.join(d, "m.btn"), os.path.join(d, "run.ckpt")
    fails = kills = during_save = loaded = 0
    for k in range(args.rounds):
        resume = os.path.exists(ckpt)
        p = R.start(R.cmd(out, ckpt, resume))
        # short lives, so that most rounds end in a kill rather than the training's end
        deadline = time.monotonic() + rng.uniform(0.02, 0.05 * t_ref)
        at_save = k % 2 == 1
        saw_tmp = False
        while time.monotonic() < deadline and p.poll() is None:
            if at_save and any(n.startswith("run.ckpt.tmp.") for n in os.listdir(d)):
                saw_tmp = True
                break
            time.sleep(0.0005 if at_save else 0.01)
        if p.poll() is not None:
            _, err = p.communicate()
            if p.returncode != 0:
                print("FAIL round %d: exited by itself with %d: %s" % (k, p.returncode, err.strip()[-300:]))
                fails += 1
            if os.path.exists(out):
                break        # training completed between kills: the end is checked below
            continue
        p.kill()
        p.communicate()
        kills += 1
        during_save += saw_tmp
        if os.path.exists(out):
            os.unlink(out)   # killed after writing the model: train on from the checkpoint anyway
        if os.path.exists(ckpt):
            if not R.whole(ckpt):
                print("FAIL round %d: checkpoint not whole after SIGKILL" % k)
                fails += 1
                break
            ok, err = R.loads(ckpt, args.epochs)
            if not ok:
                print("FAIL round %d: checkpoint does not load after SIGKILL: %s" % (k, err))
                fails += 1
                break
            loaded += 1
    stale = [n for n in os.listdir(d) if ".tmp." in n and ".verify" not in n]
    if not os.path.exists(out):
        r = subprocess.run(R.cmd(out, ckpt, os.path.exists(ckpt)), env=R.env, capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL final resume: status %d: %s" % (r.returncode, r.stderr.strip()[-300:]))
            return fails + 1
    same = read(out) == ref
    print("%d SIGKILLs (%d while a checkpoint's temporary file existed); the checkpoint loaded after %d of them (none "
          "written yet after the others); %d stale temporary files left; final model %s the reference" % (
              kills, during_save, loaded, len(stale), "equals" if same else "DIFFERS from"))
    return fails + (not same)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bitern", required=True)
    ap.add_argument("--rechecksum", required=True)
    ap.add_argument("--mode", choices=["sigint", "kill"], required=True)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--n-train", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    # kill: many short epochs, so that saves are frequent; sigint: longer epochs, so that most stops are mid-epoch
    if args.mode == "kill":
        args.rounds = args.rounds or 120
        args.epochs = args.epochs or 200
        args.n_train = args.n_train or 256
    else:
        args.rounds = args.rounds or 4
        args.epochs = args.epochs or 4
        args.n_train = args.n_train or 4096
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print("seed %d (replay with --seed %d)" % (seed, seed))
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="bitern-interrupt-")
    try:
        R = Run(args, tmp)
        ref, t_ref = R.reference()
        print("reference run: %.2f s, %d epochs of %d examples" % (t_ref, args.epochs, args.n_train))
        fails = (sigint_mode if args.mode == "sigint" else kill_mode)(args, R, ref, t_ref, rng)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("FAILED" if fails else "passed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
