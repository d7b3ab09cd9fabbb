"""How fast and how lean the article's experiment runs on this machine.

    python benchmarks/train_speed.py                  # 3 rounds, a table, results/latest.json
    python benchmarks/train_speed.py --quick          # 1 round of 2,000 iterations
    python benchmarks/train_speed.py --torch-python /path/to/python   # add a PyTorch reference
    python benchmarks/train_speed.py --no-busy        # skip the busy-machine scenario

The runs, each the article's 10,000 updates of batch 100 at learning rate 0.1:
- relu, sigmoid: the course's network and loop (helpers.train, as `python -m helpers` runs it).
- book-style: the book's chapter 5 code as written: float64 weights on the float32 images,
  an Affine that always computes dx, softmax then cross_entropy_error, the loss read by a
  second forward pass, and accuracy measured on all 60,000 images at once.
- pytorch: the same network, sampling and updates in PyTorch, if this interpreter or the one
  given by --torch-python can import torch (a reference only; the course does not need it).
- numpy-floor: the same ReLU steps, sampling, updates and accuracy schedule written as bare
  NumPy calls: no checks, no layers, no record; with the course's thread limits. What NumPy
  itself needs for this experiment here, the floor any NumPy course could reach.
- relu-blas-default: the course's ReLU run with OpenBLAS's own thread count (one per core it
  sees) instead of the course's limit (helpers/blas.py): what the limit is worth.

The busy-machine scenario then starts two busy loops (bounded in time, stopped at the end),
as other programs on a shared machine or the neighbours of a Binder pod would be, runs every
run once more, and reports each run's busy/idle ratio of training time (against its best
idle round).

Every run is a fresh process, so its peak memory is its own, and the rounds interleave the
runs, so that a slow minute on a shared machine slows all of them alike. The table shows
each run's best round (the least disturbed one) and its median. The goals are ratios, to
runs measured in the same session, since those carry over from one machine to another far
better than seconds do: the course's training plus accuracy measurement in at most 0.25 of
the book's time and 0.5 of PyTorch's, and at most 2.5 times its idle time on a busy machine.
"""
import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from helpers.functions import cross_entropy_error, softmax  # noqa: E402

ITERS, BATCH, HIDDEN, LEARNING_RATE = 10000, 100, 50, 0.1
GOALS = {"peak_rss_mb": 350, "relu_test_acc": 0.97, "sigmoid_test_acc": 0.94,
         "busy_over_idle": 2.5}
# The course's training plus accuracy measurement, as a share of the same for these runs.
TIME_GOALS = {"book-style": 0.25, "pytorch": 0.5}
REFERENCES = ("numpy-floor",)  # compared with, without a goal
RUNS = ("relu", "sigmoid", "book-style", "relu-blas-default", "numpy-floor", "pytorch")
BUSY_LOOPS = 2


def matmul_gflops(n=2048, repeats=5):
    """This machine's float32 rate on one large matrix product, best of a few tries."""
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def flops(iters, evaluations, eval_rows, book_style=False):
    """Floating-point operations of the matrix products, which are nearly all the work."""
    forward = 2 * BATCH * (784 * HIDDEN + HIDDEN * 10)
    backward = 2 * BATCH * (784 * HIDDEN + 2 * HIDDEN * 10)  # dW1, dW2 and dx of layer 2
    if book_style:  # a second forward pass for the loss, and dx of layer 1, which nothing uses
        forward, backward = 2 * forward, backward + 2 * BATCH * 784 * HIDDEN
    return iters * (forward + backward) + evaluations * 2 * eval_rows * (784 * HIDDEN + HIDDEN * 10)


# --- the runs, each in its own process --------------------------------------------------

def child(name, iters):
    """One run, in this process; prints its figures as JSON."""
    from helpers.data import load_mnist

    start = time.perf_counter()
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    load_seconds = time.perf_counter() - start
    if name == "relu-blas-default":  # the course's run without its BLAS thread limit
        import helpers.blas
        helpers.blas.ThreadpoolController = None
        name = "relu"
    run = {"relu": course, "sigmoid": course, "book-style": book_style, "pytorch": pytorch,
           "numpy-floor": numpy_floor}[name]
    result = run(name, x_train, t_train, x_test, t_test, iters)
    from helpers.blas import blas_threads
    result.update(name=name, iters=iters, blas_threads_after=blas_threads(), load_seconds=load_seconds,
                  peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


def course(activation, x_train, t_train, x_test, t_test, iters):
    """The course's own network and training loop."""
    from helpers.train import train
    from helpers.two_layer_net import TwoLayerNet

    network = TwoLayerNet(784, HIDDEN, 10, activation=activation, seed=0)
    history = train(network, x_train, t_train, x_test, t_test, iters_num=iters,
                    batch_size=BATCH, learning_rate=LEARNING_RATE, seed=0, progress=False)
    return dict(train_seconds=history.train_seconds, eval_seconds=history.eval_seconds,
                evaluations=len(history.test_acc_list), test_acc=network.accuracy(x_test, t_test))


class BookStyleNet:
    """The book's chapter 5 network, kept as the book writes it, as the baseline."""

    def __init__(self, rng):
        self.params = {"W1": 0.01 * rng.standard_normal((784, HIDDEN)), "b1": np.zeros(HIDDEN),
                       "W2": 0.01 * rng.standard_normal((HIDDEN, 10)), "b2": np.zeros(10)}

    def predict(self, x):
        p = self.params
        self.x, self.a1 = x, x @ p["W1"] + p["b1"]
        self.mask = self.a1 <= 0
        self.z1 = self.a1.copy()
        self.z1[self.mask] = 0
        return self.z1 @ p["W2"] + p["b2"]

    def loss(self, x, t):
        self.y = softmax(self.predict(x))
        self.t = t
        return cross_entropy_error(self.y, t)

    def accuracy(self, x, t):
        return np.sum(self.predict(x).argmax(axis=1) == t.argmax(axis=1)) / float(len(x))

    def gradient(self, x, t):
        self.loss(x, t)
        dy = (self.y - self.t) / len(x)
        grads = {"W2": self.z1.T @ dy, "b2": dy.sum(axis=0)}
        dz1 = dy @ self.params["W2"].T
        dz1[self.mask] = 0
        grads["W1"], grads["b1"] = self.x.T @ dz1, dz1.sum(axis=0)
        dz1 @ self.params["W1"].T  # the book's Affine always returns dx, used or not
        return grads


def article_loop(step, evaluate, train_size, iters, integers=False):
    """The article's loop around step(batch_mask), with evaluate() once per epoch, timed apart.

    integers: draw with rng.integers, the same draws as rng.choice made faster, as
    helpers.train draws them.
    """
    rng = np.random.default_rng(0)
    draw = (lambda high, size: rng.integers(high, size=size)) if integers else rng.choice
    iter_per_epoch = max(train_size / BATCH, 1)
    eval_seconds, evaluations = 0.0, 0
    start = time.perf_counter()
    for i in range(iters):
        step(draw(train_size, BATCH))
        if i % iter_per_epoch == 0:
            eval_start = time.perf_counter()
            evaluate()
            eval_seconds += time.perf_counter() - eval_start
            evaluations += 1
    total = time.perf_counter() - start
    return dict(train_seconds=total - eval_seconds, eval_seconds=eval_seconds,
                evaluations=evaluations)


def book_style(_, x_train, t_train, x_test, t_test, iters):
    """The article's loop around the book-style network."""
    t_train, t_test = t_train.astype(np.float64), t_test.astype(np.float64)  # the book's one-hot
    network = BookStyleNet(np.random.default_rng(0))

    def step(batch_mask):
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= LEARNING_RATE * grad[key]
        network.loss(x_batch, t_batch)

    def evaluate():
        network.accuracy(x_train, t_train)
        network.accuracy(x_test, t_test)

    result = article_loop(step, evaluate, len(x_train), iters)
    return dict(result, test_acc=float(network.accuracy(x_test, t_test)))


def numpy_floor(_, x_train, t_train, x_test, t_test, iters):
    """The course's ReLU run as bare NumPy calls (float32, labels, in-place updates)."""
    from helpers.blas import EVAL_THREADS, STEP_THREADS, limit_threads

    t_train, t_test = t_train.argmax(axis=1), t_test.argmax(axis=1)
    rng = np.random.default_rng(0)
    W1 = (0.01 * rng.standard_normal((784, HIDDEN))).astype(np.float32)
    W2 = (0.01 * rng.standard_normal((HIDDEN, 10))).astype(np.float32)
    b1, b2 = np.zeros(HIDDEN, np.float32), np.zeros(10, np.float32)
    rows, rate = np.arange(BATCH), np.float32(LEARNING_RATE)

    def accuracy(x, t):
        correct = 0
        for start in range(0, len(x), 10_000):
            hidden = x[start:start + 10_000] @ W1
            hidden += b1
            np.maximum(hidden, 0, out=hidden)
            correct += int(((hidden @ W2 + b2).argmax(axis=1) == t[start:start + 10_000]).sum())
        return correct / len(x)

    def step(batch_mask):
        x, t = x_train[batch_mask], t_train[batch_mask]
        hidden = x @ W1
        hidden += b1
        positive = hidden > 0
        hidden *= positive
        scores = hidden @ W2
        scores += b2
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        float(-np.log(probabilities[rows, t]).sum() / BATCH)  # the loss, recorded every step
        probabilities[rows, t] -= 1
        probabilities /= BATCH
        dW2, db2 = hidden.T @ probabilities, probabilities.sum(axis=0)
        dhidden = probabilities @ W2.T
        dhidden *= positive
        dW1, db1 = x.T @ dhidden, dhidden.sum(axis=0)
        for p, g in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
            p -= rate * g

    def evaluate():
        with limit_threads(EVAL_THREADS):
            accuracy(x_train, t_train)
            accuracy(x_test, t_test)

    with limit_threads(STEP_THREADS):
        result = article_loop(step, evaluate, len(x_train), iters, integers=True)
    return dict(result, test_acc=accuracy(x_test, t_test))


def pytorch(_, x_train, t_train, x_test, t_test, iters):
    """The same network, sampling and updates in PyTorch (float32, autograd)."""
    import torch
    import torch.nn.functional as F

    # Copied into RAM, as a PyTorch program holds its tensors (gathers from RAM are faster).
    x_train, x_test = torch.from_numpy(np.array(x_train)), torch.from_numpy(np.array(x_test))
    t_train = torch.from_numpy(t_train.argmax(axis=1))
    t_test = torch.from_numpy(t_test.argmax(axis=1))
    torch.manual_seed(0)
    params = [(0.01 * torch.randn(784, HIDDEN)).requires_grad_(), torch.zeros(HIDDEN, requires_grad=True),
              (0.01 * torch.randn(HIDDEN, 10)).requires_grad_(), torch.zeros(10, requires_grad=True)]
    W1, b1, W2, b2 = params

    def accuracy(x, t):
        with torch.no_grad():
            return (F.relu(x @ W1 + b1) @ W2 + b2).argmax(dim=1).eq(t).float().mean().item()

    def step(batch_mask):
        batch_mask = torch.from_numpy(batch_mask)
        loss = F.cross_entropy(F.relu(x_train[batch_mask] @ W1 + b1) @ W2 + b2, t_train[batch_mask])
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LEARNING_RATE * p.grad
        loss.item()  # the loss every iteration, as the course's loop records it

    def evaluate():
        accuracy(x_train, t_train)
        accuracy(x_test, t_test)

    result = article_loop(step, evaluate, len(x_train), iters)
    return dict(result, test_acc=accuracy(x_test, t_test), torch_version=torch.__version__)


# --- the report ----------------------------------------------------------------------

def run_child(name, iters, python):
    output = subprocess.run([python, __file__, "--child", name, "--iters", str(iters)],
                            capture_output=True, text=True, cwd=ROOT)
    if output.returncode != 0:
        sys.exit(f"the {name} run failed, so nothing was written:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def busy_loops(count=BUSY_LOOPS, seconds=900):
    """``count`` other programs that keep a core busy each, for at most ``seconds``."""
    loop = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    loops = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(count)]
    try:
        time.sleep(0.5)
        yield
    finally:
        for process in loops:
            process.terminate()
        for process in loops:
            process.wait()


def torch_python(requested):
    """The interpreter to run PyTorch with, or None if this one cannot import torch."""
    python = requested or sys.executable
    check = subprocess.run([python, "-c", "import torch, numpy"], capture_output=True)
    if check.returncode == 0:
        return python
    if requested:
        sys.exit(f"{requested} cannot import torch and numpy: {check.stderr.decode()[-300:]}")
    return None


def summarize(name, rounds, iters):
    """Best round (least train time), median, and the figures of the best round."""
    best = min(rounds, key=lambda r: r["train_seconds"])
    work = flops(iters, best["evaluations"], 70000, book_style=name == "book-style")
    return dict(best, rounds=len(rounds),
                median_train_seconds=statistics.median(r["train_seconds"] for r in rounds),
                median_eval_seconds=statistics.median(r["eval_seconds"] for r in rounds),
                all_train_seconds=[r["train_seconds"] for r in rounds],
                peak_rss_mb=max(r["peak_rss_mb"] for r in rounds),
                gflops=work / (best["train_seconds"] + best["eval_seconds"]) / 1e9)


def report(results, rate, iters, busy=None):
    print(f"large float32 matrix product on this machine: {rate:.0f} GFLOP/s "
          f"({os.cpu_count()} cores); {results['relu']['rounds']} round(s) of {iters} iterations\n")
    print(f"{'run':<11} {'train s':>8} {'median':>7} {'eval s':>7} {'s/1000 it':>9} "
          f"{'test acc':>8} {'peak MB':>8} {'GFLOP/s':>8} {'of peak':>7}")
    for name, r in results.items():
        print(f"{name:<11} {r['train_seconds']:8.2f} {r['median_train_seconds']:7.2f} "
              f"{r['eval_seconds']:7.2f} {1000 * r['train_seconds'] / iters:9.3f} "
              f"{r['test_acc']:8.4f} {r['peak_rss_mb']:8.0f} {r['gflops']:8.1f} "
              f"{r['gflops'] / rate:7.1%}")
    relu = results["relu"]
    print(f"\nsecond load of MNIST (cache warm, new process): {relu['load_seconds'] * 1000:.1f} ms")
    total = {name: r["train_seconds"] + r["eval_seconds"] for name, r in results.items()}
    ratios = {}
    for reference in (*TIME_GOALS, *REFERENCES):
        if reference not in results:
            continue
        ratio = total["relu"] / total[reference]
        goal = f"goal {TIME_GOALS[reference]}" if reference in TIME_GOALS else "no goal"
        if reference in TIME_GOALS:
            ratios[reference] = ratio
        print(f"ReLU training + accuracy against {reference}: {ratio:.2f} of its time ({goal}); "
              f"training alone {relu['train_seconds'] / results[reference]['train_seconds']:.2f}; "
              f"memory {relu['peak_rss_mb'] / results[reference]['peak_rss_mb']:.2f}")
    for reference in TIME_GOALS:  # could bare NumPy calls meet the goal at all?
        if "numpy-floor" in results and reference in results:
            print(f"numpy-floor's training + accuracy against {reference}: "
                  f"{total['numpy-floor'] / total[reference]:.2f} of its time")
    if busy:
        print(f"\nbusy machine ({BUSY_LOOPS} busy loops on {os.cpu_count()} cores), one round:")
        print(f"{'run':<18} {'idle train s':>12} {'busy train s':>12} {'busy/idle':>9} "
              f"{'busy eval s':>11}")
        for name, r in busy.items():
            print(f"{name:<18} {results[name]['train_seconds']:12.2f} {r['train_seconds']:12.2f} "
                  f"{r['busy_over_idle']:9.2f} {r['eval_seconds']:11.2f}")
    if iters != ITERS:
        return None
    checks = [(f"ReLU training + accuracy <= {goal} x {reference}'s", ratios[reference] <= goal)
              for reference, goal in TIME_GOALS.items() if reference in ratios]
    checks += [(f"{name} training busy/idle <= {GOALS['busy_over_idle']}",
                busy[name]["busy_over_idle"] <= GOALS["busy_over_idle"])
               for name in ("relu", "sigmoid") if name in busy]
    checks += [
        ("peak RSS <= 350 MB", max(results[n]["peak_rss_mb"] for n in ("relu", "sigmoid"))
         <= GOALS["peak_rss_mb"]),
        ("ReLU test acc >= 0.97", relu["test_acc"] >= GOALS["relu_test_acc"]),
        ("sigmoid test acc >= 0.94", results["sigmoid"]["test_acc"] >= GOALS["sigmoid_test_acc"]),
    ]
    print("\ngoals:")
    for label, met in checks:
        print(f"  {'met   ' if met else 'MISSED'} {label}")
    return {label: met for label, met in checks}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 2,000 iterations")
    parser.add_argument("--iters", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="how often to repeat every run (3)")
    parser.add_argument("--torch-python", help="a Python that can import torch, for the reference run")
    parser.add_argument("--no-busy", action="store_true", help="skip the busy-machine scenario")
    parser.add_argument("--child", choices=RUNS, help=argparse.SUPPRESS)
    parser.add_argument("--output", default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    iters = args.iters or (2000 if args.quick else ITERS)
    if args.child:
        return child(args.child, iters)

    rounds = args.rounds or (1 if args.quick else 3)
    pythons = {name: sys.executable for name in RUNS[:5]}
    torch = torch_python(args.torch_python)
    if torch:
        pythons["pytorch"] = torch
    else:
        print("(no PyTorch reference: this Python cannot import torch; see --torch-python)\n")
    rate = matmul_gflops()
    runs = {name: [] for name in pythons}
    for _ in range(rounds):
        for name, python in pythons.items():
            runs[name].append(run_child(name, iters, python))
    results = {name: summarize(name, rounds_of_run, iters) for name, rounds_of_run in runs.items()}
    busy = {}
    if not args.no_busy:
        with busy_loops():
            for name, python in pythons.items():
                busy[name] = run_child(name, iters, python)
        for name, r in busy.items():
            r["busy_over_idle"] = r["train_seconds"] / results[name]["train_seconds"]
    goals = report(results, rate, iters, busy)

    from helpers.files import atomic_write
    with atomic_write(args.output) as f:
        f.write(json.dumps(dict(matmul_gflops=rate, iters=iters, rounds=rounds, goals=goals,
                                runs=results, busy_loops=BUSY_LOOPS if busy else 0, busy=busy,
                                load_average=os.getloadavg()), indent=2).encode())
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
