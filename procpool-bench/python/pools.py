"""Python's process pools as compare.py drives them (the "peers" of procpool's comparison): each
operation of a workload in each pool's closest honest form, and what that form is.

The peers, all with WORKERS workers: pool-fork and pool-spawn (multiprocessing.Pool with either start
method), ppe (concurrent.futures.ProcessPoolExecutor, default start method), joblib (Parallel/delayed,
loky backend), loky (loky's get_reusable_executor, the one inside joblib or the loky package) and
pebble (pebble.ProcessPool). Libraries are imported when a pool opens, never at module level: a
spawn-started worker imports this module, and a cold start counts the import.
"""
import os
import time

WORKERS = 2
PEER_IDS = ("pool-fork", "pool-spawn", "ppe", "joblib", "loky", "pebble")


def one(_=None):
    return 1


def worker_pid(_=None):
    """A worker's process id, after a pause long enough that a second call goes to another idle worker."""
    time.sleep(0.01)
    return os.getpid()


def _only_chunks_of_one(chunksize):
    """The executors and pebble chunk only their ordered map; their unordered form here is a task per item,
    which is all the comparison asks of it."""
    if chunksize != 1:
        raise ValueError(f"the unordered form of this peer takes chunks of one, not {chunksize}")


def pool_chunksize(n):
    """multiprocessing.Pool.map's rule, ceil(n / (4 * workers)), which procpool's map uses too: the chunk
    size given to the peers that have no rule of their own (their default, 1, would be a round trip per
    item)."""
    size, extra = divmod(n, 4 * WORKERS)
    return max(1, size + 1 if extra else size)


# ---------------------------------------------------------------- the peers


class NoForm(Exception):
    """The peer has no form of an operation; the message says which and why."""


class Peer:
    """One of Python's process pools. open() starts a pool (or takes the one kept from before), close()
    ends it or keeps it for the next open() as the peer does by design, shutdown() ends it for good.

    start is how its workers start: "fork" (a copy of this interpreter) or "interpreter" (a new one, as a
    JVM worker must). how(op, chunksize, n) says what the peer runs for an operation, or raises NoForm.
    """

    id = label = start = None

    def version(self):
        return "standard library"

    def open(self):
        raise NotImplementedError

    def close(self):
        self.shutdown()

    def shutdown(self):
        raise NotImplementedError

    def reuse_note(self):
        return "a new pool"

    def settle(self):
        """Untimed, before the next pool of workload 6: nothing for a peer that starts new workers each time."""

    def _await_workers(self, run_pair):
        """Until every kept worker has answered (a worker still starting must not be timed in the next pool,
        just as the Java side waits for its parked workers before it closes a pool): run_pair() returns the
        process ids of WORKERS calls made at once."""
        seen = set()
        for _ in range(500):
            seen.update(run_pair())
            if len(seen) >= WORKERS:
                return
        raise RuntimeError(f"{self.label}: {WORKERS} workers never answered")


class PoolPeer(Peer):
    def __init__(self, method):
        self.method = method
        self.id = "pool-" + method
        self.label = f"Pool ({method})"
        self.start = "fork" if method in ("fork", "forkserver") else "interpreter"
        self.pool = None

    def version(self):
        import multiprocessing
        if self.method not in multiprocessing.get_all_start_methods():
            raise ImportError(f"start method {self.method} is not available here")
        return "standard library"

    def open(self):
        import multiprocessing
        self.pool = multiprocessing.get_context(self.method).Pool(WORKERS)

    def shutdown(self):
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def how(self, op, chunksize, n):
        size = "default chunksize" if chunksize is None else f"chunksize {chunksize}"
        return {"map": f"Pool.map, {size}", "imap": f"Pool.imap, {size}",
                "imap_unordered": f"Pool.imap_unordered, {size}", "apply_all": "Pool.apply_async",
                "first": "Pool(2), apply"}[op]

    def map(self, fn, items, chunksize=None):
        return self.pool.map(fn, items, chunksize)

    def imap(self, fn, items, chunksize):
        return self.pool.imap(fn, items, chunksize)

    def imap_unordered(self, fn, items, chunksize):
        return self.pool.imap_unordered(fn, items, chunksize)

    def apply_all(self, fn, args):
        results = [self.pool.apply_async(fn, (a,)) for a in args]
        return [r.get() for r in results]

    def first(self):
        return self.pool.apply(one)


class ExecutorPeer(Peer):
    """concurrent.futures' interface: ProcessPoolExecutor and loky's executors."""

    executor = None
    name = "Executor"

    def how(self, op, chunksize, n):
        if op in ("map", "imap"):
            size = f"chunksize {pool_chunksize(n)} (Pool's rule)" if chunksize is None else f"chunksize {chunksize}"
            if op == "map":
                return f"{self.name}.map, {size}"
            return f"{self.name}.map, {size}, iterated (submits the whole input before the first result)"
        if op == "imap_unordered":
            _only_chunks_of_one(chunksize)
            return f"{self.name}.submit per item, as_completed"
        return {"apply_all": f"{self.name}.submit", "first": f"{self.name}(2), submit"}[op]

    def map(self, fn, items, chunksize=None):
        return list(self.imap(fn, items, chunksize or pool_chunksize(len(items))))

    def imap(self, fn, items, chunksize):
        return self.executor.map(fn, items, chunksize=chunksize)

    def imap_unordered(self, fn, items, chunksize):
        from concurrent.futures import as_completed
        _only_chunks_of_one(chunksize)
        return (f.result() for f in as_completed([self.executor.submit(fn, x) for x in items]))

    def apply_all(self, fn, args):
        futures = [self.executor.submit(fn, a) for a in args]
        return [f.result() for f in futures]

    def first(self):
        return self.executor.submit(one).result()


class ProcessPoolExecutorPeer(ExecutorPeer):
    id = "ppe"
    label = "ProcessPoolExecutor"
    name = "ProcessPoolExecutor"

    def version(self):
        import multiprocessing
        method = multiprocessing.get_start_method()
        self.start = "fork" if method in ("fork", "forkserver") else "interpreter"
        return f"standard library, {method}"

    def open(self):
        from concurrent.futures import ProcessPoolExecutor
        self.executor = ProcessPoolExecutor(WORKERS)

    def shutdown(self):
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None


def _loky():
    try:
        from joblib.externals import loky
    except ImportError:
        import loky
    return loky


class LokyPeer(ExecutorPeer):
    """loky's reusable executor: close() keeps its workers for the next open(), which is its point."""

    id = "loky"
    label = "loky reusable"
    name = "loky executor"
    start = "interpreter"

    def version(self):
        return "loky " + _loky().__version__

    def open(self):
        self.executor = _loky().get_reusable_executor(max_workers=WORKERS)

    def close(self):
        self.executor = None

    def shutdown(self):
        self.executor = None
        _shutdown_reusable_executor()

    def reuse_note(self):
        return "get_reusable_executor: the kept workers"

    def settle(self):
        ex = _loky().get_reusable_executor(max_workers=WORKERS)
        self._await_workers(lambda: [f.result() for f in [ex.submit(worker_pid) for _ in range(WORKERS)]])


def _shutdown_reusable_executor():
    """Ends the reusable executor that loky keeps for the process (joblib's too), if any."""
    try:
        loky = _loky()
    except ImportError:
        return
    import importlib
    # loky has no public "is there one?": get_reusable_executor would start one to shut it down.
    module = importlib.import_module(loky.__name__ + ".reusable_executor")
    if getattr(module, "_executor", None) is not None:
        loky.get_reusable_executor(reuse=True).shutdown(wait=True)


class JoblibPeer(Peer):
    """joblib.Parallel with its loky backend, which keeps its workers between calls (loky's reusable
    executor): close() keeps them, as a joblib user gets by default."""

    id = "joblib"
    label = "joblib/loky"
    start = "interpreter"

    def version(self):
        import joblib
        return "joblib " + joblib.__version__ + ", loky " + _loky().__version__

    def open(self):
        import joblib  # noqa: F401 (the import is part of a cold start)

    def close(self):
        pass

    def shutdown(self):
        _shutdown_reusable_executor()

    def reuse_note(self):
        return "Parallel again: loky's kept workers"

    def settle(self):
        from joblib import delayed
        self._await_workers(lambda: self._parallel(1)(delayed(worker_pid)() for _ in range(WORKERS)))

    def _parallel(self, batch_size="auto", return_as=None):
        from joblib import Parallel
        if return_as is None:
            return Parallel(n_jobs=WORKERS, backend="loky", batch_size=batch_size)
        try:
            return Parallel(n_jobs=WORKERS, backend="loky", batch_size=batch_size, return_as=return_as)
        except (TypeError, ValueError) as e:
            import joblib
            raise NoForm(f"joblib {joblib.__version__} has no return_as={return_as!r}") from e

    def how(self, op, chunksize, n):
        size = "batch_size='auto'" if chunksize is None else f"batch_size={chunksize}"
        if op == "map":
            return f"Parallel(delayed), {size}"
        if op in ("imap", "imap_unordered"):
            form = "generator" if op == "imap" else "generator_unordered"
            self._parallel(return_as=form)  # raises NoForm if this joblib has none
            return f"Parallel(return_as='{form}'), {size}"
        return {"apply_all": "Parallel(delayed), batch_size=1 (no async form): a task per call",
                "first": "Parallel(n_jobs=2) of one call"}[op]

    def map(self, fn, items, chunksize=None):
        from joblib import delayed
        return self._parallel("auto" if chunksize is None else chunksize)(delayed(fn)(x) for x in items)

    def _lazy(self, fn, items, chunksize, form):
        from joblib import delayed
        return self._parallel(chunksize, form)(delayed(fn)(x) for x in items)

    def imap(self, fn, items, chunksize):
        return self._lazy(fn, items, chunksize, "generator")

    def imap_unordered(self, fn, items, chunksize):
        return self._lazy(fn, items, chunksize, "generator_unordered")

    def apply_all(self, fn, args):
        from joblib import delayed
        return self._parallel(1)(delayed(fn)(a) for a in args)

    def first(self):
        from joblib import delayed
        return self._parallel()([delayed(one)()])


class PebblePeer(Peer):
    id = "pebble"
    label = "pebble"

    def __init__(self):
        self.pool = None

    def version(self):
        import multiprocessing
        import pebble
        method = multiprocessing.get_start_method()
        self.start = "fork" if method in ("fork", "forkserver") else "interpreter"
        return f"pebble {pebble.__version__}, {method}"

    def open(self):
        from pebble import ProcessPool
        self.pool = ProcessPool(max_workers=WORKERS)

    def shutdown(self):
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def how(self, op, chunksize, n):
        if op in ("map", "imap"):
            size = f"chunksize {pool_chunksize(n)} (Pool's rule)" if chunksize is None else f"chunksize {chunksize}"
            if op == "map":
                return f"ProcessPool.map, {size}"
            return f"ProcessPool.map, {size}, iterated (schedules the whole input before the first result)"
        if op == "imap_unordered":
            _only_chunks_of_one(chunksize)
            return "ProcessPool.schedule per item, as_completed"
        return {"apply_all": "ProcessPool.schedule", "first": "ProcessPool(2), schedule"}[op]

    def map(self, fn, items, chunksize=None):
        return list(self.imap(fn, items, chunksize or pool_chunksize(len(items))))

    def imap(self, fn, items, chunksize):
        return self.pool.map(fn, items, chunksize=chunksize).result()

    def imap_unordered(self, fn, items, chunksize):
        from concurrent.futures import as_completed
        _only_chunks_of_one(chunksize)
        return (f.result() for f in as_completed([self.pool.schedule(fn, (x,)) for x in items]))

    def apply_all(self, fn, args):
        futures = [self.pool.schedule(fn, (a,)) for a in args]
        return [f.result() for f in futures]

    def first(self):
        return self.pool.schedule(one).result()


def make_peer(peer_id):
    if peer_id.startswith("pool-"):
        return PoolPeer(peer_id[len("pool-"):])
    factories = {"ppe": ProcessPoolExecutorPeer, "joblib": JoblibPeer, "loky": LokyPeer, "pebble": PebblePeer}
    if peer_id not in factories:
        raise SystemExit(f"unknown peer {peer_id!r}; peers: {', '.join(PEER_IDS)}")
    return factories[peer_id]()


def available(peer_ids):
    """The requested peers that can run here, and the reason for each that cannot."""
    found, missing = [], {}
    for peer_id in peer_ids:
        peer = make_peer(peer_id)
        try:
            peer.version()
        except ImportError as e:
            missing[peer_id] = str(e)
            continue
        found.append(peer)
    return found, missing
