"""`python -m helpers`, the article's experiment without Jupyter, and the course's figures."""
import errno
import os
import re
import signal
import subprocess
import sys

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import plot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# The Python names of the settings, which no message of the command line may use.
PYTHON_NAMES = re.compile(r"\b(iters_num|batch_size|learning_rate|hidden_size|weight_init_std)\b")


def run_cli(*args, cwd, timeout=300):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "helpers", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def run_main_with(tmp_path, patch, *args):
    """Run helpers.__main__.main(args) in a fresh Python after the lines of ``patch``."""
    code = ("import sys\nfrom helpers import data\nimport helpers.__main__ as cli\n"
            f"{patch}\nsys.exit(cli.main({list(args)!r}))\n")
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=ROOT))


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
    assert len(result.stderr.splitlines()) == 1
    result = run_cli("--batch-size", "70000", "--no-progress", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""  # refused before any training
    assert result.stderr == ("python -m helpers: error: --batch-size must be a whole number from "
                             "1 to 60000, not 70000: a batch is drawn from the 60000 training "
                             "images of mnist\n")
    result = run_cli("--hidden-size", "1000000000", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "would need about" in result.stderr


@pytest.mark.parametrize("option, value, message", [
    ("--hidden-size", "0", "--hidden-size must be a whole number at least 1, not 0"),
    ("--hidden-size", "-1", "--hidden-size must be a whole number at least 1, not -1"),
    ("--hidden-size", "50.5", "--hidden-size must be a whole number, not 50.5"),
    ("--hidden-size", "fifty", "--hidden-size must be a number, not 'fifty'"),
    ("--hidden-size", "1000000000", "--hidden-size 1000000000 would need about 1.37e+05 GB of "
                                    "memory; this machine has"),
    ("--seed", "-1", "--seed must be a whole number at least 0, not -1"),
    ("--iters-num", "nan", "--iters-num must be a whole number, not nan"),
    ("--batch-size", "0", "--batch-size must be a whole number at least 1, not 0"),
    ("--learning-rate", "-0.1", "--learning-rate must be a positive finite number, not -0.1"),
    ("--learning-rate", "inf", "--learning-rate must be a positive finite number, not inf"),
    ("--weight-init-std", "0", "--weight-init-std must be a positive finite number, not 0"),
    ("--weight-init-std", "1e30", "--weight-init-std 1e+30 is too large (at most 10): every "
                                  "hidden neuron would start far out where the sigmoid is flat"),
    ("--weight-init-std", "1e-50", "--weight-init-std 1e-50 is too small (at least 1e-06)"),
    ("--batch-size", "70000", "--batch-size must be a whole number from 1 to 60000, not 70000"),
    # Digits that are not whole are refused, even where a float would round them to 100.
    ("--batch-size", "100.000000000000001",
     "--batch-size must be a whole number, not 100.000000000000001"),
    ("--iters-num", "1" + "0" * 400, "is far too large; see python -m helpers --help"),
    ("--iters-num", "1e12", "--iters-num 1000000000000 would take about"),
])
def test_every_bad_setting_is_one_line_and_exit_2_before_anything_loads(capsys, option, value,
                                                                       message):
    from helpers.__main__ import parse_args
    with pytest.raises(SystemExit) as exit:
        parse_args([option, value])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("python -m helpers: error: ") and message in error, error
    assert len(error.splitlines()) == 1
    assert not PYTHON_NAMES.search(error) and f"argument {option}: {option}" not in error


def test_whole_numbers_may_be_typed_as_100_0_as_everywhere_else():
    from helpers.__main__ import parse_args
    args = parse_args(["--batch-size", "100.0", "--iters-num", "1e3", "--seed", "7"])
    assert (args.batch_size, args.iters_num, args.seed) == (100, 1000, 7)
    assert all(type(v) is int for v in (args.batch_size, args.iters_num, args.seed))


def unusable_outputs(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "folder").mkdir()
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere it may chmod; sysfs refuses even root
        read_only = "/sys"
    return [
        ("", "must name a file, not the folder ''"),
        (".", "must name a file, not the folder '.'"),
        (str(tmp_path / "folder"), "must name a file"),
        (str(tmp_path / "folder") + "/", "must name a file"),
        (str(tmp_path / "a-file" / "acc.png"), "a-file is not a folder"),
        (f"{read_only}/acc.png", f"cannot save the figure in {read_only}: the folder cannot be "
                                 "written ("),
        # /proc exists but takes no files: its "No such file or directory" would mislead.
        ("/proc/acc.png", "cannot save the figure in /proc: the folder cannot be written (it "
                          "belongs to a virtual file system, such as /proc or /sys"),
        (str(tmp_path / "acc.pdf"), "--output must end in .png (the figure is saved as PNG)"),
        (str(tmp_path / "acc"), "--output must end in .png"),
    ]


def test_an_unusable_output_is_found_before_training(tmp_path, capsys):
    from helpers.__main__ import parse_args
    for output, message in unusable_outputs(tmp_path):
        with pytest.raises(SystemExit) as exit:
            parse_args(["--output", output])
        error = capsys.readouterr().err
        assert exit.value.code == 2 and message in error and len(error.splitlines()) == 1, output
    # A folder that does not exist yet is fine: it is made when the figure is saved.
    assert parse_args(["--output", str(tmp_path / "new" / "acc.png")]).output
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "folder", "read-only"]


def test_the_real_command_refuses_an_output_at_once(tmp_path):
    (tmp_path / "a-file").write_text("")
    result = run_cli("--output", "a-file/acc.png", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "python -m helpers: error: cannot save the figure to " \
                            "a-file/acc.png: a-file is not a folder\n"


def test_an_output_in_proc_says_the_folder_cannot_be_written_and_what_to_do(tmp_path):
    result = run_cli("--output", "/proc/acc.png", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "No such file or directory" not in result.stderr
    assert result.stderr == (
        "python -m helpers: error: cannot save the figure in /proc: the folder cannot be written "
        "(it belongs to a virtual file system, such as /proc or /sys, which holds no files); give "
        "--output a file in a folder you can write, such as your home folder\n")


@pytest.mark.parametrize("code, reason", [
    (errno.EACCES, "you have no permission to write in it"),
    (errno.EPERM, "you have no permission to write in it"),
    (errno.EROFS, "it is on a read-only file system"),
    (errno.ENOSPC, "its disk is full"),
    (errno.EIO, "the system refused a new file there: Input/output error"),
])
def test_an_unwritable_folder_is_explained_in_words(tmp_path, code, reason):
    from helpers.__main__ import why_unwritable
    assert why_unwritable(tmp_path, OSError(code, os.strerror(code))).startswith(reason)


def test_absurd_initial_weights_are_refused_before_anything_is_computed(tmp_path):
    from helpers.__main__ import parse_args
    previous = tmp_path / "accuracy.png"
    previous.write_bytes(b"the figure of an earlier, good run")
    result = run_cli("--weight-init-std", "1e30", "--no-progress", cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and result.stdout == ""  # not a single update
    assert "sigmoid is flat" in result.stderr and "from 0.001 to 1 make sense" in result.stderr
    assert previous.read_bytes() == b"the figure of an earlier, good run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accuracy.png"]
    for std in ("1e-6", "0.01", "0.036", "1", "10"):  # the limits themselves are allowed
        assert parse_args(["--weight-init-std", std]).weight_init_std == float(std)


def test_a_run_no_better_than_chance_fails_and_keeps_the_previous_figure(tmp_path):
    previous = tmp_path / "accuracy.png"
    previous.write_bytes(b"the figure of an earlier, good run")
    # Allowed settings that learn nothing: a rate so small the weights do not move.
    result = run_cli("--iters-num", "20", "--learning-rate", "1e-9", "--no-progress",
                     cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: after 20 updates the test accuracy is 0.1")
    assert "no better than guessing (0.10)" in result.stderr
    assert "Nothing was saved. The run was short" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "figure saved" not in result.stdout
    assert previous.read_bytes() == b"the figure of an earlier, good run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accuracy.png"]


def test_more_than_a_million_updates_need_allow_long(capsys):
    from helpers.__main__ import parse_args
    with pytest.raises(SystemExit) as exit:
        parse_args(["--iters-num", "1e12"])
    error = capsys.readouterr().err
    assert exit.value.code == 2 and len(error.splitlines()) == 1
    assert re.fullmatch(r"python -m helpers: error: --iters-num 1000000000000 would take about "
                        r"[\d.,e+]+ years on this machine \(about [\d,]+ updates a second, "
                        r"measured just now\); more than 1,000,000 updates need --allow-long\n",
                        error), error
    assert parse_args(["--iters-num", "1000000"]).iters_num == 1_000_000  # the bound itself
    assert parse_args(["--iters-num", "1000001", "--allow-long"]).allow_long
    with pytest.raises(SystemExit):  # allowed, but the loss of every update must fit in memory
        parse_args(["--iters-num", "1e12", "--allow-long"])
    assert "(the loss of every update is kept)" in capsys.readouterr().err


def test_the_real_command_refuses_1e12_updates_at_once(tmp_path):
    result = run_cli("--iters-num", "1e12", "--no-progress", cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert "years on this machine" in result.stderr and "--allow-long" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_allow_long_says_how_long_before_it_starts(tmp_path):
    patch = ("def broken(**options):\n    raise data.DatasetError('no data here')\n"
             "data.load_mnist = broken")
    result = run_main_with(tmp_path, patch, "--iters-num", "2000000", "--allow-long",
                           "--no-progress")
    assert result.returncode == 1
    note, error = result.stderr.splitlines()
    assert re.fullmatch(r"note: 2,000,000 updates will take about [\d.]+ (minutes|hours|days) on "
                        r"this machine", note), note
    assert error == "error: no data here"


def test_durations_read_as_a_person_would_say_them():
    from helpers.__main__ import duration
    assert duration(40) == "40 seconds" and duration(150) == "2.5 minutes"
    assert duration(3.5 * 3600) == "3.5 hours" and duration(3 * 86400) == "3 days"
    assert duration(16 * 365.25 * 86400) == "16 years"
    assert duration(1e30) == "3.2e+22 years"


def test_every_refusal_names_the_flag_the_user_typed(tmp_path):
    from helpers.__main__ import flag_names
    assert flag_names("batch_size must be a whole number from 1 to 60000, not 70000") == \
        "--batch-size must be a whole number from 1 to 60000, not 70000"
    assert flag_names("iters_num and learning_rate, not a_batch_size") == \
        "--iters-num and --learning-rate, not a_batch_size"
    # A refusal from helpers.train that the checks did not foresee still names the flag.
    patch = ("def refuse(*args, **options):\n"
             "    raise ValueError('batch_size must be a whole number from 1 to 60000')\n"
             "cli.train = refuse")
    result = run_main_with(tmp_path, patch, "--no-progress")
    assert result.returncode == 2
    assert result.stderr == "error: --batch-size must be a whole number from 1 to 60000\n"
    assert list(tmp_path.iterdir()) == []


def test_a_dataset_error_is_its_message_and_exit_1(tmp_path):
    code = ("import sys\nfrom helpers import data\nfrom helpers.__main__ import main\n"
            "def broken(**options):\n"
            "    raise data.DatasetError('the mnist files are not here. Copy these files: ...')\n"
            "data.load_mnist = broken\nsys.exit(main(['--no-progress']))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 1
    assert result.stderr == "error: the mnist files are not here. Copy these files: ...\n"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_says_interrupted_nothing_saved_and_keeps_the_old_figure(tmp_path):
    (tmp_path / "accuracy.png").write_bytes(b"an earlier figure")
    process = subprocess.Popen([sys.executable, "-m", "helpers", "--iters-num", "1000000",
                                "--no-progress"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    try:
        assert process.stdout.readline().startswith("train acc")  # it is training
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert err == "interrupted, nothing saved\n"
    assert (tmp_path / "accuracy.png").read_bytes() == b"an earlier figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accuracy.png"]


def test_sigterm_says_stopped_nothing_saved_and_keeps_the_old_figure(tmp_path):
    (tmp_path / "accuracy.png").write_bytes(b"an earlier figure")
    process = subprocess.Popen([sys.executable, "-m", "helpers", "--iters-num", "1000000",
                                "--no-progress"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    try:
        assert process.stdout.readline().startswith("train acc")  # it is training
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143  # 128 + SIGTERM, as a shell reports a process it ended
    assert err == "stopped (SIGTERM), nothing saved\n"
    assert (tmp_path / "accuracy.png").read_bytes() == b"an earlier figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accuracy.png"]


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


def test_a_figure_killed_while_being_saved_is_cleaned_up_by_the_next_save(tmp_path):
    import time
    from helpers import files
    code = ("import os, signal\nimport matplotlib\nmatplotlib.use('Agg')\n"
            "import matplotlib.pyplot as plt\nfrom helpers import plot\n"
            "fig, ax = plt.subplots()\n"
            "def die(f, **options):\n    f.write(b'half a PNG')\n    f.flush()\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "fig.savefig = die\nplot.save_figure(fig, 'accuracy.png')\n")
    killed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, timeout=120,
                            env=dict(os.environ, PYTHONPATH=ROOT))
    assert killed.returncode == -signal.SIGKILL
    [leftover] = tmp_path.glob(".accuracy.png.*.part")
    fig, _ = plt.subplots()
    plot.save_figure(fig, tmp_path / "accuracy.png")
    assert leftover.exists()  # too recent to be sure its writer is gone
    then = time.time() - files.STALE_SECONDS - 60
    os.utime(leftover, (then, then))
    plot.save_figure(fig, tmp_path / "accuracy.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accuracy.png"]
    plt.close(fig)
