"""benchmarks/train_speed.py: its baseline computes what the course computes, and it reports
without ever losing earlier results. (Its timings are figures, never asserted here.)"""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np

from helpers.two_layer_net import TwoLayerNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "train_speed.py")


def load_benchmark():
    spec = importlib.util.spec_from_file_location("train_speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_benchmark(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, PYTHONPATH=ROOT))


def test_book_style_baseline_computes_the_course_networks_gradients(mnist):
    (x_train, t_train), _ = mnist
    benchmark = load_benchmark()
    book = benchmark.BookStyleNet(np.random.default_rng(3))
    course = TwoLayerNet(784, benchmark.HIDDEN, 10, activation="relu", dtype=np.float64)
    course.params = {key: value.copy() for key, value in book.params.items()}
    x, t = x_train[:100], t_train[:100].astype(np.float64)
    book_grads, (course_loss, course_grads) = book.gradient(x, t), course.loss_and_gradient(x, t)
    for key in course_grads:
        np.testing.assert_allclose(book_grads[key], course_grads[key], rtol=1e-9, atol=1e-14)
    # The book's loss adds 1e-7 inside the log; the course's log_softmax needs no such guard.
    assert abs(book.loss(x, t) - course_loss) < 1e-5
    assert book.accuracy(x_train[:1000], t_train[:1000]) == course.accuracy(x_train[:1000], t_train[:1000])


def test_the_numpy_floor_is_the_course_relu_run_as_bare_numpy_calls(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    benchmark = load_benchmark()
    floor = benchmark.numpy_floor(None, x_train, t_train, x_test, t_test, 300)
    course = benchmark.course("relu", x_train, t_train, x_test, t_test, 300)
    assert floor["evaluations"] == course["evaluations"] == 1
    # The same draws, weights and updates; only float32 rounding may differ (a few images).
    assert course["test_acc"] > 0.8 and abs(floor["test_acc"] - course["test_acc"]) <= 5e-4


def test_benchmark_runs_every_configuration_and_writes_its_figures(tmp_path):
    output = tmp_path / "results" / "run.json"
    result = run_benchmark("--iters", "20", "--rounds", "1", "--output", str(output))
    assert result.returncode == 0, result.stderr
    figures = json.loads(output.read_text())
    runs = figures["runs"]
    assert {"relu", "sigmoid", "book-style", "numpy-floor"} <= set(runs)
    for name, run in runs.items():
        assert run["iters"] == 20 and run["evaluations"] == 1, name
        assert 0 < run["train_seconds"] and 0 < run["peak_rss_mb"] and 0 <= run["test_acc"] <= 1
    assert figures["goals"] is None  # goals are judged on the full 10,000 iterations only
    assert "ReLU training + accuracy against book-style" in result.stdout
    assert "ReLU training + accuracy against numpy-floor" in result.stdout
    # The busy-machine scenario: every run once more beside two busy loops, and its ratio.
    assert figures["busy_loops"] == 2 and set(figures["busy"]) == set(runs)
    for name, run in figures["busy"].items():
        assert run["busy_over_idle"] == run["train_seconds"] / runs[name]["train_seconds"] > 0
    assert "busy/idle" in result.stdout
    if "pytorch" not in runs:
        assert "no PyTorch reference" in result.stdout


def test_a_failed_run_leaves_earlier_results_alone(tmp_path):
    output = tmp_path / "latest.json"
    output.write_text('{"earlier": "results"}')
    result = run_benchmark("--iters", "-5", "--rounds", "1", "--output", str(output))
    assert result.returncode != 0
    assert "failed, so nothing was written" in result.stderr
    assert "iters_num must be a whole number at least 1, not -5" in result.stderr
    assert output.read_text() == '{"earlier": "results"}'


def test_a_python_without_torch_is_refused_before_anything_runs(tmp_path):
    python_without_torch = tmp_path / "python"
    python_without_torch.write_text("#!/bin/sh\necho 'No module named torch' >&2\nexit 1\n")
    python_without_torch.chmod(0o755)
    result = run_benchmark("--iters", "20", "--torch-python", str(python_without_torch),
                           "--output", str(tmp_path / "never.json"))
    assert result.returncode != 0 and "cannot import torch" in result.stderr
    assert not (tmp_path / "never.json").exists()
