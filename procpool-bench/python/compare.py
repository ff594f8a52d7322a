#!/usr/bin/env python3
"""The Python side of procpool's comparison (procpool-bench, dev.procpool.bench.Compare).

Runs one workload of issue 4 with multiprocessing.Pool and prints one JSON object on stdout: the
median figure and every repetition's figure. Standard library only. The Java runner calls it once per
workload, right after running the same workload in procpool, so that both sides see the same machine.

    python3 compare.py WORKLOAD [--reps N] [--iterations N]

WORKLOAD is one of: w1 w2 w3 w4 w5 w6 w8 calibrate (and w6-child, which w6 starts itself).
Module level holds only what spawn-started workers need to import: keep it light.
"""
import json
import os
import statistics
import subprocess
import sys
import time


def square(x):
    return x * x


def length(b):
    return len(b)


def spin(n):
    """About 0.2 s of pure arithmetic for the calibrated n: xorshift64, the same loop as Work.spin in Java."""
    x = 0x9E3779B97F4A7C15
    acc = 0
    mask = 0xFFFFFFFFFFFFFFFF
    for _ in range(n):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        acc += x & 1023
    return acc


def one(_=None):
    return 1


def _pool(processes=2, method=None):
    import multiprocessing
    ctx = multiprocessing.get_context(method) if method else multiprocessing
    return ctx.Pool(processes)


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _runs(reps, fn, warmup=1):
    for _ in range(warmup):
        fn()
    return [_timed(fn) for _ in range(reps)]


def _warm(p):
    """Starts the workers and loads the modules: Python has no JIT to warm, so one small map is enough."""
    p.map(square, range(1000), chunksize=1)


def w1(reps, _args):
    items = list(range(1_000_000))
    with _pool() as p:
        times = _runs(reps, lambda: p.map(square, items))
    return {"unit": "items/s", "runs": [len(items) / t for t in times]}


def w2(reps, _args):
    items = list(range(100_000))
    out = {}
    with _pool() as p:
        _warm(p)
        out["map"] = [len(items) / t for t in _runs(reps, lambda: p.map(square, items, chunksize=1), 0)]
        out["imap"] = [len(items) / t for t in
                       _runs(reps, lambda: sum(1 for _ in p.imap(square, items, chunksize=1)), 0)]
        out["imapUnordered"] = [len(items) / t for t in
                                _runs(reps, lambda: sum(1 for _ in p.imap_unordered(square, items, chunksize=1)), 0)]
    return {"unit": "tasks/s", "runs": out}


def w3(reps, _args):
    n = 20_000

    def run(p):
        results = [p.apply_async(square, (i,)) for i in range(n)]
        for r in results:
            r.get()

    with _pool() as p:
        times = _runs(reps, lambda: run(p))
    return {"unit": "tasks/s", "runs": [n / t for t in times]}


def w4(reps, _args):
    payloads = [bytes([i]) * (10 * 1024 * 1024) for i in range(50)]
    total = sum(len(b) for b in payloads)
    with _pool() as p:
        times = _runs(reps, lambda: p.map(length, payloads))
    return {"unit": "bytes/s", "runs": [total / t for t in times]}


def calibrate(_reps, _args):
    """Iterations of spin that take about 0.2 s here."""
    n = 10_000
    while True:
        t = _timed(lambda: spin(n))
        if t > 0.05:
            break
        n *= 2
    t = min([t] + [_timed(lambda: spin(n)) for _ in range(3)])  # best of several: a busy moment must not shrink tasks
    return {"iterations": int(n * 0.2 / t)}


def w5(reps, args):
    n = args.iterations or calibrate(0, args)["iterations"]
    tasks = [n] * 16
    sequential = _runs(reps, lambda: [spin(k) for k in tasks], warmup=0)
    with _pool() as p:
        parallel = _runs(reps, lambda: p.map(spin, tasks, chunksize=1))
    return {"unit": "x", "iterations": n, "sequential": sequential, "parallel": parallel,
            "runs": [s / q for s, q in zip(sorted(sequential), sorted(parallel))],
            "speedup": statistics.median(sequential) / statistics.median(parallel)}


def w6_child(_reps, _args):
    """In a fresh interpreter: a spawn pool created to its first result, twice; and the same with fork."""
    out = {}
    for method in ("spawn", "spawn", "fork"):
        t0 = time.perf_counter()
        p = _pool(2, method)
        p.apply(one)
        first = time.perf_counter() - t0
        p.close()
        p.join()
        key = method if method not in out else method + "-second"
        out[key] = first * 1000
    return out


def w6(reps, _args):
    runs = []
    for _ in range(reps):
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "w6-child"], capture_output=True, text=True,
                           check=True)
        runs.append(json.loads(r.stdout))
    keys = [k for k in runs[0] if k != "python"]
    return {"unit": "ms", "runs": {k: [r[k] for r in runs] for k in keys}}


def _vm(field):
    """A figure of this process from /proc/self/status, in bytes (VmRSS now, VmHWM its peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def w8(_reps, args):
    """imap over a 10,000,000-item generator: peak resident memory growth (Python has no separate heap figure)."""
    n = args.items
    chunksize = args.chunksize
    before = _vm("VmRSS")
    t0 = time.perf_counter()
    with _pool() as p:
        count = 0
        for _ in p.imap(square, (i for i in range(n)), chunksize=chunksize):
            count += 1
    seconds = time.perf_counter() - t0
    peak = _vm("VmHWM")  # per address space: unlike ru_maxrss, not inherited from the process that started us
    return {"unit": "MB", "items": count, "chunksize": chunksize, "seconds": seconds,
            "growth": max(0, peak - before) / 1e6, "items_per_second": count / seconds}


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=0, help="w5: spin iterations per task")
    parser.add_argument("--chunksize", type=int, default=1000, help="w8: imap chunk size")
    parser.add_argument("--items", type=int, default=10_000_000, help="w8: generator length")
    args = parser.parse_args()
    workloads = {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5, "w6": w6, "w6-child": w6_child, "w8": w8,
                 "calibrate": calibrate}
    result = workloads[args.workload](args.reps, args)
    result["python"] = sys.version.split()[0]
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
