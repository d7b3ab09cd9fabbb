"""How fast and how lean the article's experiment runs on this machine.

    python benchmarks/train_speed.py            # all runs, a table, results/latest.json
    python benchmarks/train_speed.py --quick    # 2,000 iterations instead of 10,000

Test accuracy is that of the network after its last update. Each run happens in a fresh process, so its peak memory is its own. Besides the course's
float32 network (ReLU and sigmoid) it runs a book-style baseline on the same machine: the
same network in float64 with the article's second forward pass for the loss and accuracy
measured on all 60,000 images at once. Timings on shared machines are noisy; the ratio to
the baseline and the fraction of the machine's matrix-multiply rate are steadier than seconds.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOALS = {"train_seconds": 3.5, "peak_rss_mb": 350, "relu_test_acc": 0.97, "sigmoid_test_acc": 0.94}
RUNS = ("relu", "sigmoid", "book-style")


def matmul_gflops(n=2048, repeats=5):
    """This machine's float32 rate on one large matrix product, best of a few tries."""
    import numpy as np
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def flops(iters, batch, hidden, evaluations, eval_rows, second_forward=False):
    """Floating-point operations of the matrix products, which are nearly all the work."""
    forward = 2 * batch * (784 * hidden + hidden * 10)
    backward = 2 * batch * (784 * hidden + 2 * hidden * 10)  # dW1, dW2 and dx of layer 2
    per_iter = forward * (2 if second_forward else 1) + backward
    return iters * per_iter + evaluations * 2 * eval_rows * (784 * hidden + hidden * 10)


def child(name, iters):
    """One run, in this process; prints its figures as JSON."""
    import numpy as np
    from helpers.data import load_mnist
    from helpers.train import train
    from helpers.two_layer_net import TwoLayerNet

    start = time.perf_counter()
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    load_seconds = time.perf_counter() - start
    if name == "book-style":
        result = book_style(x_train.astype(np.float64), t_train.astype(np.float64),
                            x_test.astype(np.float64), t_test.astype(np.float64), iters)
    else:
        network = TwoLayerNet(784, 50, 10, activation=name, seed=0)
        history = train(network, x_train, t_train, x_test, t_test, iters_num=iters,
                        batch_size=100, learning_rate=0.1, seed=0, progress=False)
        result = dict(train_seconds=history.train_seconds, eval_seconds=history.eval_seconds,
                      evaluations=len(history.test_acc_list),
                      test_acc=network.accuracy(x_test, t_test), second_forward=False)
    result.update(name=name, iters=iters, load_seconds=load_seconds,
                  peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


def book_style(x_train, t_train, x_test, t_test, iters):
    """The article's loop as the book writes it: float64, loss by a second forward pass."""
    import numpy as np
    from helpers.two_layer_net import TwoLayerNet

    network = TwoLayerNet(784, 50, 10, activation="relu", seed=0, dtype=np.float64)
    rng = np.random.default_rng(0)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / 100, 1)
    eval_seconds, evaluations = 0.0, 0
    start = time.perf_counter()
    for i in range(iters):
        batch_mask = rng.choice(train_size, 100)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= 0.1 * grad[key]
        network.loss(x_batch, t_batch)
        if i % iter_per_epoch == 0:
            eval_start = time.perf_counter()
            network.accuracy(x_train, t_train, chunk_size=train_size)
            network.accuracy(x_test, t_test, chunk_size=len(x_test))
            eval_seconds += time.perf_counter() - eval_start
            evaluations += 1
    total = time.perf_counter() - start
    return dict(train_seconds=total - eval_seconds, eval_seconds=eval_seconds,
                evaluations=evaluations, test_acc=network.accuracy(x_test, t_test),
                second_forward=True)


def run_child(name, iters):
    output = subprocess.run([sys.executable, __file__, "--child", name, "--iters", str(iters)],
                            capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 iterations per run")
    parser.add_argument("--iters", type=int, default=None)
    parser.add_argument("--child", choices=RUNS, help=argparse.SUPPRESS)
    parser.add_argument("--output", default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    iters = args.iters or (2000 if args.quick else 10000)
    if args.child:
        return child(args.child, iters)

    rate = matmul_gflops()
    results = {name: run_child(name, iters) for name in RUNS}
    print(f"large float32 matrix product on this machine: {rate:.0f} GFLOP/s "
          f"({os.cpu_count()} cores)\n")
    print(f"{'run':<11} {'train s':>8} {'eval s':>7} {'s/1000 it':>9} {'test acc':>8} "
          f"{'peak MB':>8} {'GFLOP/s':>8} {'of peak':>7}")
    for name, r in results.items():
        work = flops(iters, 100, 50, r["evaluations"], 70000, r["second_forward"])
        total = r["train_seconds"] + r["eval_seconds"]
        r["gflops"] = work / total / 1e9
        r["fraction_of_matmul_rate"] = r["gflops"] / rate
        print(f"{name:<11} {r['train_seconds']:8.2f} {r['eval_seconds']:7.2f} "
              f"{1000 * r['train_seconds'] / iters:9.3f} {r['test_acc']:8.4f} "
              f"{r['peak_rss_mb']:8.0f} {r['gflops']:8.1f} {r['fraction_of_matmul_rate']:7.1%}")
    relu, book = results["relu"], results["book-style"]
    ratio = (relu["train_seconds"] + relu["eval_seconds"]) / (book["train_seconds"] + book["eval_seconds"])
    print(f"\nReLU run against the book-style baseline: {ratio:.2f} of its time, "
          f"{relu['peak_rss_mb'] / book['peak_rss_mb']:.2f} of its memory")
    print(f"second load of MNIST (cache warm, new process): {relu['load_seconds'] * 1000:.1f} ms")
    if iters == 10000:
        checks = [
            ("ReLU training <= 3.5 s", relu["train_seconds"] <= GOALS["train_seconds"]),
            ("ReLU training + evaluation <= 3.5 s",
             relu["train_seconds"] + relu["eval_seconds"] <= GOALS["train_seconds"]),
            ("peak RSS <= 350 MB", max(results[n]["peak_rss_mb"] for n in ("relu", "sigmoid"))
             <= GOALS["peak_rss_mb"]),
            ("ReLU test acc >= 0.97", relu["test_acc"] >= GOALS["relu_test_acc"]),
            ("sigmoid test acc >= 0.94", results["sigmoid"]["test_acc"] >= GOALS["sigmoid_test_acc"]),
        ]
        print("\ngoals:")
        for label, met in checks:
            print(f"  {'met ' if met else 'MISSED'} {label}")

    from helpers.files import atomic_write
    with atomic_write(args.output) as f:
        f.write(json.dumps(dict(matmul_gflops=rate, iters=iters, runs=results), indent=2).encode())
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
