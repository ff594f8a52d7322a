#!/usr/bin/env python3
"""The Python side of procpool's comparison (procpool-bench, dev.procpool.bench.Compare).

Runs one workload with each of the process pools Python users pick (the "peers") and prints one JSON
object on stdout: for every figure of the workload and every peer, what the peer ran, each
repetition's figure and their median. The Java runner calls it once per workload, right after running
the same workload in procpool, so that both sides see the same machine, and compares procpool with the
best peer of each figure.

    python3 compare.py WORKLOAD [--reps N] [--peers ID,ID,...] [--iterations N] [--items N] [--chunksize N]

WORKLOAD is one of: info w1 w2 w3 w4 w5 w6 w8 calibrate (and w6-child, w8-child, which w6 and w8 start).

The peers (pools.py says what each runs), all with 2 workers: pool-fork and pool-spawn (multiprocessing.Pool with either start method),
ppe (concurrent.futures.ProcessPoolExecutor, default start method), joblib (Parallel/delayed, loky
backend), loky (loky's get_reusable_executor, the one inside joblib or the loky package) and pebble
(pebble.ProcessPool). The standard library's peers always run; the others when installed, on Debian
with `apt-get install -y python3-joblib python3-pebble` (or `pip install joblib pebble`); a peer that
cannot be imported is listed under "missing" and left out.

Every timed repetition starts from a collected heap (gc.collect()) and follows one untimed run of the
same figure (imports, worker start: Python has no JIT to warm). Module level holds only what
spawn-started workers need to import: keep it light.
"""
import gc
import json
import os
import statistics
import subprocess
import sys
import time

from pools import PEER_IDS, NoForm, available, make_peer

# Workload 6: how many pools follow the first two in one interpreter, as ColdStart.WARM_POOLS in Java.
NEXT_POOLS = 7


# ---------------------------------------------------------------- the functions the workloads apply


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


# ---------------------------------------------------------------- measuring


def _timed(fn):
    gc.collect()  # every timed repetition starts from a collected heap, as System.gc() does on the Java side
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _runs(reps, fn, warmup=1):
    for _ in range(warmup):
        fn()
    return [_timed(fn) for _ in range(reps)]


def _drain(it):
    return sum(1 for _ in it)


def _figure(out, figure, peer, how, runs):
    out.setdefault(figure, {})[peer.id] = {"label": peer.label, "how": how, "runs": runs,
                                           "median": statistics.median(runs)}


def _no_form(out, figure, peer, reason):
    out.setdefault(figure, {})[peer.id] = {"label": peer.label, "how": None, "noForm": reason}


def _each_peer(args, body):
    """Runs body(peer, figures) for every available peer, each with its own pool; returns the result."""
    found, missing = available(args.peers)
    figures = {}
    for peer in found:
        peer.open()
        try:
            body(peer, figures)
        finally:
            peer.shutdown()
    return {"figures": figures, "missing": missing}


def _rate(count, times):
    return [count / t for t in times]


# ---------------------------------------------------------------- workloads


def w1(args):
    items = list(range(1_000_000))

    def body(peer, out):
        _figure(out, "map", peer, peer.how("map", None, len(items)),
                _rate(len(items), _runs(args.reps, lambda: peer.map(square, items))))

    return dict(_each_peer(args, body), unit="items/s")


def w2(args):
    items = list(range(100_000))

    def body(peer, out):
        peer.map(square, range(1000), 1)  # workers started, modules loaded
        _figure(out, "map", peer, peer.how("map", 1, len(items)),
                _rate(len(items), _runs(args.reps, lambda: peer.map(square, items, 1), 0)))
        for figure, op in (("imap", peer.imap), ("imapUnordered", peer.imap_unordered)):
            name = "imap" if figure == "imap" else "imap_unordered"
            try:
                how = peer.how(name, 1, len(items))
            except NoForm as e:
                _no_form(out, figure, peer, str(e))
                continue
            _figure(out, figure, peer, how,
                    _rate(len(items), _runs(args.reps, lambda: _drain(op(square, items, 1)), 0)))

    return dict(_each_peer(args, body), unit="tasks/s")


def w3(args):
    n = 20_000

    def body(peer, out):
        _figure(out, "applyAsync", peer, peer.how("apply_all", 1, n),
                _rate(n, _runs(args.reps, lambda: peer.apply_all(square, range(n)))))

    return dict(_each_peer(args, body), unit="tasks/s")


def w4(args):
    payloads = [bytes([i]) * (10 * 1024 * 1024) for i in range(50)]
    total = sum(len(b) for b in payloads)

    def body(peer, out):
        _figure(out, "map", peer, peer.how("map", None, len(payloads)),
                _rate(total, _runs(args.reps, lambda: peer.map(length, payloads))))

    return dict(_each_peer(args, body), unit="bytes/s")


def calibrate(args):
    """Iterations of spin that take about 0.2 s here."""
    n = 10_000
    while True:
        t = _timed(lambda: spin(n))
        if t > 0.05:
            break
        n *= 2
    t = min([t] + [_timed(lambda: spin(n)) for _ in range(3)])  # best of several: a busy moment must not shrink tasks
    return {"iterations": int(n * 0.2 / t)}


def w5(args):
    n = args.iterations or calibrate(args)["iterations"]
    tasks = [n] * 16
    sequential = _runs(args.reps, lambda: [spin(k) for k in tasks], warmup=0)

    def body(peer, out):
        parallel = _runs(args.reps, lambda: peer.map(spin, tasks, 1))
        speedups = [s / q for s, q in zip(sorted(sequential), sorted(parallel))]
        _figure(out, "speedup", peer, peer.how("map", 1, len(tasks)), speedups)
        # the speed-up of the medians, as the Java side computes it
        out["speedup"][peer.id].update(median=statistics.median(sequential) / statistics.median(parallel),
                                       parallel=parallel)

    return dict(_each_peer(args, body), unit="x", iterations=n, sequential=sequential)


def w6_child(args):
    """In a fresh interpreter, one peer: its first pool to the first result (cold), a second pool with new
    workers, then NEXT_POOLS more pools, each the cheapest way this peer gets another pool (loky and joblib
    keep their workers; the others start new ones). Milliseconds from the call that creates the pool."""
    peer = make_peer(args.peers[0])
    peer.version()

    def to_first_result():
        t0 = time.perf_counter()
        peer.open()
        peer.first()
        return (time.perf_counter() - t0) * 1000

    out = {"first": to_first_result()}
    peer.shutdown()  # the second pool starts new workers, as the Java side's second pool does
    out["second"] = to_first_result()
    nxt = []
    for _ in range(NEXT_POOLS):
        peer.settle()
        peer.close()
        nxt.append(to_first_result())
    peer.shutdown()
    out["next"] = nxt
    return out


def w6(args):
    found, missing = available(args.peers)
    figures = {}
    for peer in found:
        runs = []
        for _ in range(args.reps):
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "w6-child", "--peers", peer.id],
                               capture_output=True, text=True, check=True)
            runs.append(json.loads(r.stdout))
        for figure in ("first", "second"):
            _figure(figures, figure, peer, peer.how("first", None, 1), [r[figure] for r in runs])
            figures[figure][peer.id]["start"] = peer.start
        _figure(figures, "next", peer, peer.how("first", None, 1) + ", " + peer.reuse_note(),
                [t for r in runs for t in r["next"]])
        figures["next"][peer.id]["start"] = peer.start
    return {"unit": "ms", "figures": figures, "missing": missing}


def _vm(field):
    """A figure of this process from /proc/self/status, in bytes (VmRSS now, VmHWM its peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak_rss():
    """Resets VmHWM to the current RSS (Linux 4.0 and later), so that the peak is this run's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def w8_child(args):
    """In a fresh interpreter, one peer's lazy form over an n-item generator, its pool started and warm
    first (as ImapMemory does in Java), after --warm-passes untimed passes over the same input: items/s
    and the growth of this process's peak resident memory."""
    peer = make_peer(args.peers[0])
    peer.version()
    n = args.items
    chunksize = args.chunksize
    how = peer.how("imap", chunksize, n)
    peer.open()
    try:
        peer.map(square, [1, 2, 3, 4])
        for _ in range(args.warm_passes):
            _drain(peer.imap(square, (i for i in range(n)), chunksize))
        gc.collect()
        _reset_peak_rss()
        before = _vm("VmRSS")
        t0 = time.perf_counter()
        count = _drain(peer.imap(square, (i for i in range(n)), chunksize))
        seconds = time.perf_counter() - t0
        peak = _vm("VmHWM")  # per address space: unlike ru_maxrss, not inherited from the process that started us
    finally:
        peer.shutdown()
    return {"how": how, "items": count, "seconds": seconds, "growth": max(0, peak - before) / 1e6,
            "items_per_second": count / seconds, "warm_passes": args.warm_passes}


def w8(args):
    """imap over a 10,000,000-item generator, each peer in a fresh interpreter, after --warm-passes untimed
    passes: peak RSS growth (Python has no separate heap figure) and items/s."""
    found, missing = available(args.peers)
    figures = {}
    for peer in found:
        try:
            how = peer.how("imap", args.chunksize, args.items)
        except NoForm as e:
            _no_form(figures, "imap", peer, str(e))
            _no_form(figures, "growth", peer, str(e))
            continue
        runs = []
        for _ in range(args.reps):
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "w8-child", "--peers", peer.id,
                                "--items", str(args.items), "--chunksize", str(args.chunksize),
                                "--warm-passes", str(args.warm_passes)],
                               capture_output=True, text=True, check=True)
            runs.append(json.loads(r.stdout))
        _figure(figures, "imap", peer, how, [r["items_per_second"] for r in runs])
        _figure(figures, "growth", peer, how, [r["growth"] for r in runs])
    return {"unit": "items/s", "items": args.items, "chunksize": args.chunksize, "warm_passes": args.warm_passes,
            "figures": figures, "missing": missing}


def info(args):
    """The interpreter and which peers run here, with their versions."""
    found, missing = available(args.peers)
    return {"executable": sys.executable, "implementation": sys.implementation.name,
            "peers": {p.id: {"label": p.label, "version": p.version(), "start": p.start} for p in found},
            "missing": missing}


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--peers", default=",".join(PEER_IDS),
                        help="comma-separated peers to run, from: " + ", ".join(PEER_IDS))
    parser.add_argument("--iterations", type=int, default=0, help="w5: spin iterations per task")
    parser.add_argument("--chunksize", type=int, default=1000, help="w8: imap chunk size")
    parser.add_argument("--items", type=int, default=10_000_000, help="w8: generator length")
    parser.add_argument("--warm-passes", type=int, default=0, help="w8: untimed passes before the timed one")
    args = parser.parse_args()
    args.peers = [p for p in args.peers.split(",") if p]
    for p in args.peers:
        make_peer(p)  # an unknown name fails here, with the list of known ones
    workloads = {"info": info, "w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5, "w6": w6, "w6-child": w6_child,
                 "w8": w8, "w8-child": w8_child, "calibrate": calibrate}
    if args.workload not in workloads:
        parser.error(f"unknown workload {args.workload!r}; workloads: {', '.join(workloads)}")
    result = workloads[args.workload](args)
    result["python"] = sys.version.split()[0]
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
