"""`python -m helpers`, the article's experiment without Jupyter, and the course's figures."""
import os
import subprocess
import sys

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import plot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "helpers", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_command_line_run_prints_each_epoch_and_saves_the_figure(tmp_path):
    result = run_cli("--iters-num", "1201", "--activation", "relu", "--no-progress",
                     "--output", "figures/acc.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("train acc")]
    assert len(lines) == 3  # iterations 0, 600 and 1200
    train_acc, test_acc = (float(v) for v in lines[-1].split("|")[1].split(","))
    assert train_acc > 0.9 and test_acc > 0.9
    image = matplotlib.image.imread(tmp_path / "figures" / "acc.png")
    assert image.shape[0] > 300 and image.shape[1] > 400


def test_defaults_are_the_articles():
    from helpers.__main__ import parse_args
    args = parse_args([])
    assert (args.iters_num, args.batch_size, args.learning_rate, args.hidden_size) == (
        10000, 100, 0.1, 50)
    assert args.activation == "sigmoid" and args.sampling == "random"


def test_a_diverging_run_fails_and_keeps_the_previous_figure(tmp_path):
    previous = tmp_path / "accuracy.png"
    previous.write_bytes(b"the figure of an earlier, good run")
    result = run_cli("--learning-rate", "1000", "--no-progress", cwd=tmp_path)
    assert result.returncode == 1
    assert "learning rate (1000) is too large" in result.stderr and "Nothing was saved" in result.stderr
    assert previous.read_bytes() == b"the figure of an earlier, good run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accuracy.png"]


def test_bad_options_are_refused(tmp_path):
    result = run_cli("--activation", "tanh", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice" in result.stderr
    result = run_cli("--batch-size", "70000", "--no-progress", cwd=tmp_path)
    assert result.returncode == 2 and "error: batch_size must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_accuracy_figure_is_the_articles():
    ax = plot.plot_accuracy([0.1, 0.8, 0.9], [0.1, 0.79, 0.88])
    train_line, test_line = ax.get_lines()
    assert train_line.get_label() == "train acc" and test_line.get_label() == "test acc"
    assert train_line.get_marker() == "o" and train_line.get_linestyle() == "-"
    assert test_line.get_marker() == "s" and test_line.get_linestyle() == "--"
    np.testing.assert_array_equal(train_line.get_xdata(), [0, 1, 2])
    assert ax.get_ylim() == (0, 1.0)
    assert ax.get_xlabel() == "epochs" and ax.get_ylabel() == "accuracy"
    assert ax.get_legend()._loc == 4  # "lower right"
    plt.close(ax.figure)


def test_loss_plot_shows_raw_and_average():
    ax = plot.plot_loss(np.linspace(2.3, 0.3, 500), window=100)
    raw, average = ax.get_lines()
    assert len(raw.get_xdata()) == 500 and len(average.get_xdata()) == 401
    plt.close(ax.figure)


def test_digit_grid_marks_mistakes_in_red(mnist_labels):
    (x_train, t_train), _ = mnist_labels
    predictions = t_train[:12].copy()
    predictions[3] = (predictions[3] + 1) % 10
    fig = plot.plot_digits(x_train[:12], t_train[:12], predictions, ncols=5)
    titles = [ax.title for ax in fig.axes[:12]]
    assert titles[0].get_text() == str(t_train[0])
    assert titles[3].get_text() == f"{t_train[3]}→{predictions[3]}"
    assert titles[3].get_color() == "red" and titles[0].get_color() != "red"
    assert len(fig.axes) == 15  # 3 rows of 5, the last 3 left blank
    plt.close(fig)


def test_save_figure_never_leaves_a_partial_file(tmp_path):
    fig, _ = plt.subplots()
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    with pytest.raises(ValueError):
        plot.save_figure(fig, target, dpi=-1)
    assert target.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1
    plot.save_figure(fig, target)
    assert target.read_bytes()[:4] == b"\x89PNG"
    plt.close(fig)


def test_saved_files_get_ordinary_permissions(tmp_path):
    import stat
    from helpers.files import atomic_write

    fresh = tmp_path / "fresh.png"
    with atomic_write(fresh) as f:
        f.write(b"new")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask
    shared = tmp_path / "shared.txt"
    shared.write_bytes(b"old")
    shared.chmod(0o640)
    with atomic_write(shared) as f:
        f.write(b"new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640 and shared.read_bytes() == b"new"
