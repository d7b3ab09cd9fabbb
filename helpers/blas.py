"""How many threads NumPy's matrix products (BLAS) may use while the course's code runs.

NumPy hands every ``@`` to a BLAS library (OpenBLAS, usually), which starts one thread per
core it sees. The course's products are small (100x784 by 784x50 in a training step), too
small for threads to pay off, and when the machine is busy those threads wait for cores they
cannot get: on 2 cores with two other busy programs, training ran 2 to 25 times slower with
OpenBLAS's default threads than with one. So the course's own work runs with

- STEP_THREADS (1) for each training step, a prediction and the loss;
- EVAL_THREADS for measuring accuracy in chunks of 10,000 images, large enough for a second
  thread to halve the time on an idle machine: as many as this process may really use (its
  CPU affinity, bounded by the CPU quota of its cgroup, which Binder and JupyterHub set
  while showing the whole node's cores), at most 4.

The limit holds only inside the course's calls (``with limit_threads(n):`` or the decorator
``@limit_threads(n)``); outside them NumPy keeps whatever the learner set. It uses
threadpoolctl, the scikit-learn project's library for this; where threadpoolctl is missing,
the course runs as before, with BLAS's own thread count.
"""
import math
import os
import functools
import threading

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # the course still works, with BLAS's default threads
    ThreadpoolController = None

STEP_THREADS = 1
MAX_EVAL_THREADS = 4

_controller = None
_current = threading.local()  # the limit this thread is inside, if any


def cgroup_cpu_quota(root="/sys/fs/cgroup"):
    """The CPUs this process's cgroup may use (e.g. 1.0, 2.5), or None if it sets no quota."""
    for path, read in ((os.path.join(root, "cpu.max"), _read_v2),
                       (os.path.join(root, "cpu", "cpu.cfs_quota_us"), _read_v1)):
        try:
            quota = read(path)
        except (OSError, ValueError):
            continue
        return quota
    return None


def _read_v2(path):
    with open(path) as f:  # "max 100000" (no quota) or "150000 100000" (1.5 CPUs)
        quota, period = f.read().split()[:2]
    return None if quota == "max" else int(quota) / int(period)


def _read_v1(path):
    with open(path) as f:
        quota = int(f.read())
    with open(os.path.join(os.path.dirname(path), "cpu.cfs_period_us")) as f:
        period = int(f.read())
    return None if quota <= 0 else quota / period


def available_cpus():
    """The CPUs this process can really use: its affinity, bounded by its cgroup's quota."""
    if hasattr(os, "sched_getaffinity"):
        cpus = len(os.sched_getaffinity(0))
    else:  # macOS and Windows
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    if quota is not None:
        cpus = min(cpus, math.floor(quota))  # 1.5 CPUs cannot keep two threads busy
    return max(1, cpus)


EVAL_THREADS = min(MAX_EVAL_THREADS, available_cpus())


class limit_threads:
    """Let BLAS use at most ``threads`` threads inside the block, as before after it.

    ``with limit_threads(1): ...`` or, on a function, ``@limit_threads(1)``. Costs next to
    nothing inside a block with the same limit (a training loop's steps), so it can wrap
    every call of the network's methods.
    """

    def __init__(self, threads):
        self.threads = threads

    def __enter__(self):
        global _controller
        outer = getattr(_current, "threads", None)
        if ThreadpoolController is None or outer == self.threads:
            _stack().append(None)
            return self
        if _controller is None:  # made on first use, when NumPy's BLAS is loaded
            _controller = ThreadpoolController()
        limit = _controller.limit(limits=self.threads, user_api="blas")
        _stack().append((limit, outer))
        _current.threads = self.threads
        return self

    def __exit__(self, *exc):
        entered = _stack().pop()
        if entered is not None:
            limit, outer = entered
            _current.threads = outer
            limit.restore_original_limits()
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def limited(*args, **kwargs):
            if getattr(_current, "threads", None) == self.threads:  # already: skip the work
                return function(*args, **kwargs)
            with self:
                return function(*args, **kwargs)
        return limited


def _stack():
    """What each open limit_threads block of this thread has to undo, innermost last."""
    return _current.__dict__.setdefault("stack", [])


def blas_threads():
    """The number of threads BLAS uses now, or None if threadpoolctl is not installed."""
    if ThreadpoolController is None:
        return None
    counts = [info["num_threads"] for info in ThreadpoolController().select(user_api="blas").info()]
    return max(counts) if counts else None
