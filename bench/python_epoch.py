#!/usr/bin/env python3
"""python_epoch.py - what an epoch costs a Python training loop: the wall time of
``tracker.epoch_start(); tracker.epoch_end()`` through the Python package (python/ of this
source tree) over the library CARBONTRACKER_LIBRARY names, with the log files on (upstream's
two text logs and the JSON-lines log in a temporary directory), verbose=0 and the sampler at
10 s so that it does not run in between. The fixture comes from the environment, as bench/run.sh
sets it (CARBONTRACKER_SYSFS_ROOT, CARBONTRACKER_PROC_ROOT, CARBONTRACKER_ZONE). Prints one
JSON object: medians and 99th percentiles in microseconds over --pairs pairs, after --warmup
pairs that are not counted.

usage: python_epoch.py [--pairs N] [--warmup N] [--out FILE]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "python"))

from carbontracker.tracker import CarbonTracker  # noqa: E402


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=3000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--out")
    a = ap.parse_args()
    logs = tempfile.mkdtemp(prefix="ct-python-epoch-")
    clock = time.perf_counter_ns
    try:
        tracker = CarbonTracker(epochs=a.pairs + a.warmup + 10, log_dir=logs, verbose=0,
                                update_interval=10)
        pair_us, start_us, end_us = [], [], []
        for i in range(a.warmup + a.pairs):
            t0 = clock()
            tracker.epoch_start()
            t1 = clock()
            result = tracker.epoch_end()
            t2 = clock()
            if i >= a.warmup:
                pair_us.append((t2 - t0) / 1e3)
                start_us.append((t1 - t0) / 1e3)
                end_us.append((t2 - t1) / 1e3)
        devices = len(result["devices"])
        tracker.stop()
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    out = {
        "pairs": a.pairs,
        "warmup": a.warmup,
        "devices": devices,
        "python": sys.version.split()[0],
        "pair_us_median": quantile(pair_us, 0.5),
        "pair_us_p99": quantile(pair_us, 0.99),
        "start_us_median": quantile(start_us, 0.5),
        "end_us_median": quantile(end_us, 0.5),
    }
    text = json.dumps(out, indent=1)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
