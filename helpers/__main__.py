"""Run the article's experiment from the command line: python -m helpers --help."""
import argparse
import errno
import math
import os
import re
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path


def _config_folder_for_matplotlib():
    """Matplotlib 3.10 (Colab's) cannot even be imported without a home folder, as in some
    containers: give it a private configuration folder of its own there."""
    try:
        Path.home()
    except RuntimeError:
        os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="nn-from-scratch-matplotlib-"))


_config_folder_for_matplotlib()
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402

from . import data  # noqa: E402
from .blas import STEP_THREADS, limit_threads  # noqa: E402
from .settings import positive_number, whole_number  # noqa: E402
from .train import SAMPLING, TrainingDiverged, train  # noqa: E402
from .two_layer_net import ACTIVATIONS, TwoLayerNet  # noqa: E402

INPUT_SIZE, OUTPUT_SIZE = 784, 10
# More updates than this take hours (the article's 10,000 take seconds): only with --allow-long.
MAX_UPDATES = 1_000_000
# Initial weights outside this range cannot train well: larger ones put every hidden neuron
# where the sigmoid is flat (and make relu's first loss huge), smaller ones start all alike.
WEIGHT_INIT_STD_RANGE = (1e-6, 10.0)
# A run whose test accuracy is below guessing (1 in 10) plus this learned nothing worth keeping.
CHANCE = 1 / OUTPUT_SIZE
CHANCE_MARGIN = 0.05
# train() keeps the loss of every update: a Python float (24 bytes) in a list (8 bytes).
HISTORY_BYTES_PER_UPDATE = 32
# The Python names helpers.train and TwoLayerNet use in their errors, as the user typed them.
FLAGS = {"iters_num": "--iters-num", "batch_size": "--batch-size",
         "learning_rate": "--learning-rate", "hidden_size": "--hidden-size",
         "weight_init_std": "--weight-init-std", "activation": "--activation",
         "sampling": "--sampling", "seed": "--seed"}


class Parser(argparse.ArgumentParser):
    """argparse, but a bad setting is one line (exit 2), not the usage text and an error."""

    def error(self, message):
        # "argument --seed: --seed must be ..." says the flag twice: once is enough.
        message = re.sub(r"^argument (--[\w-]+): (?=\1\b)", "", message)
        self.exit(2, f"{self.prog}: error: {message}\n")


def read_number(text, name, whole):
    """The number ``text`` says, read exactly as typed.

    For a whole-number option, 100, 100.0 and 1e3 give an int; digits that are not whole are
    refused even where a float would round them to a whole number (100.000000000000001 is
    not 100). NaN and infinity come back as floats, for the checks to refuse by name.
    """
    try:
        exact = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{name} must be a number, not {text!r}") from None
    if not exact.is_finite():
        return math.nan if exact.is_nan() else float(exact)
    if not whole:
        return float(exact)
    if exact != exact.to_integral_value():
        raise argparse.ArgumentTypeError(f"{name} must be a whole number, not {text.strip()}")
    if exact.adjusted() > 100:  # beyond any setting, and too large for the checks' floats
        raise argparse.ArgumentTypeError(f"{name} {text.strip()} is far too large; "
                                         "see python -m helpers --help for sensible values")
    return int(exact)


def option(check, name, **limits):
    """An argparse type that reads a number and checks it with helpers.settings."""
    def convert(text):
        number = read_number(text, name, whole=check is whole_number)
        try:
            return check(number, name, **limits)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return convert


def parse_args(argv=None):
    parser = Parser(
        prog="python -m helpers",
        description="Train the two-layer network on MNIST by mini-batch SGD, printing train and "
                    "test accuracy every epoch, and save the accuracy figure. A bad setting "
                    "stops it at once with one line of explanation (exit status 2).",
        epilog="Exit status: 0 done; 1 the data cannot be loaded, training diverged, or the "
               "network ended no better than guessing; 2 a bad setting; 130 interrupted "
               "(Ctrl-C); 143 stopped (SIGTERM). Unless it is 0, the figure is not written.")
    whole, positive = whole_number, positive_number
    low, high = WEIGHT_INIT_STD_RANGE
    parser.add_argument("--iters-num", type=option(whole, "--iters-num"), default=10000,
                        help=f"number of updates (10000); more than {MAX_UPDATES:,} only with "
                             "--allow-long")
    parser.add_argument("--allow-long", action="store_true",
                        help=f"allow more than {MAX_UPDATES:,} updates (hours or more)")
    parser.add_argument("--batch-size", type=option(whole, "--batch-size"), default=100,
                        help="examples per mini-batch (100)")
    parser.add_argument("--learning-rate", type=option(positive, "--learning-rate"), default=0.1,
                        help="SGD step size (0.1)")
    parser.add_argument("--hidden-size", type=option(whole, "--hidden-size"), default=50,
                        help="hidden neurons (50)")
    parser.add_argument("--weight-init-std", type=option(positive, "--weight-init-std"),
                        default=0.01, help=f"spread of the random initial weights, from {low:g} "
                                           f"to {high:g} (0.01)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="sigmoid",
                        help="hidden activation: sigmoid as in the article, or relu (sigmoid)")
    parser.add_argument("--sampling", choices=SAMPLING, default="random",
                        help="random: batches drawn with replacement as in the article; "
                             "shuffle: each epoch a fresh permutation (random)")
    parser.add_argument("--seed", type=option(whole, "--seed", minimum=0), default=0,
                        help="seed for weights and batches, 0 or more (0)")
    parser.add_argument("--dataset", choices=sorted(data.DATASETS), default="mnist")
    parser.add_argument("--output", default="accuracy.png",
                        help="where to save the accuracy figure, a .png file (accuracy.png)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    # The cheap checks first; check_length times a few updates of a network that fits in
    # memory, and only when it refuses; the memory the history needs matters only then.
    for check in (check_weight_init, check_batch_size, check_memory, check_output, check_length,
                  check_history):
        problem = check(args)
        if problem:
            parser.error(problem)
    return args


def check_weight_init(args):
    """Refuse initial weights so large or so small that the network cannot learn from them."""
    std, (low, high) = args.weight_init_std, WEIGHT_INIT_STD_RANGE
    advice = "values from 0.001 to 1 make sense (the article uses 0.01)"
    if std > high:
        return (f"--weight-init-std {std:g} is too large (at most {high:g}): every hidden "
                "neuron would start far out where the sigmoid is flat (outputs 0 or 1, gradient "
                f"0) and relu's first loss would be huge, so the network learns little or "
                f"nothing; {advice}")
    if std < low:
        return (f"--weight-init-std {std:g} is too small (at least {low:g}): the initial "
                "weights would be almost equal (or exactly 0 in float32), so the hidden "
                f"neurons start alike and the network learns little or nothing; {advice}")
    return None


def check_batch_size(args):
    """A mini-batch cannot hold more examples than the training set has."""
    train_size = data.DATASETS[args.dataset].train_size
    try:
        whole_number(args.batch_size, "--batch-size", maximum=train_size)
    except ValueError as error:
        return f"{error}: a batch is drawn from the {train_size} training images of {args.dataset}"
    return None


def memory_needed(hidden_size, batch_size):
    """Bytes the run needs, roughly: float32 weights, gradients and updates, the float64
    numbers drawn for W1, and the activations of a batch and of a 10,000-image chunk."""
    parameters = (INPUT_SIZE + 1) * hidden_size + (hidden_size + 1) * OUTPUT_SIZE
    return 4 * 3 * parameters + 8 * INPUT_SIZE * hidden_size + 4 * 3 * (batch_size + 10_000) * hidden_size


def physical_memory():
    """Bytes of memory this machine has, or None if the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(args):
    """Say so when --hidden-size (with --batch-size) cannot fit in this machine's memory."""
    memory = physical_memory()
    needed = memory_needed(args.hidden_size, args.batch_size)
    if memory is not None and needed > memory:
        return (f"--hidden-size {args.hidden_size} would need about {needed / 1e9:.3g} GB of "
                f"memory; this machine has {memory / 1e9:.3g} GB in all")
    return None


def check_history(args):
    """Say so when the loss of every update, which the history keeps, cannot fit in memory."""
    memory = physical_memory()
    needed = memory_needed(args.hidden_size, args.batch_size) + HISTORY_BYTES_PER_UPDATE * args.iters_num
    if memory is not None and needed > memory:
        return (f"--iters-num {args.iters_num} would need about {needed / 1e9:.3g} GB of memory "
                f"(the loss of every update is kept); this machine has {memory / 1e9:.3g} GB in all")
    return None


def check_output(args):
    """Before any training: can the figure be written where --output says?"""
    path = Path(args.output)
    if not args.output or args.output.endswith(("/", os.sep)) or path.is_dir():
        return f"--output must name a file, not the folder {args.output!r}"
    if path.suffix.lower() != ".png":
        return f"--output must end in .png (the figure is saved as PNG), not {args.output!r}"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:  # missing folders are made later
        folder = folder.parent
    if not folder.is_dir():
        return f"cannot save the figure to {args.output}: {folder} is not a folder"
    try:  # the only sure test, whoever runs it (even root), on any file system
        with tempfile.TemporaryFile(dir=folder, prefix=f".{path.name}.{os.getpid()}.") as f:
            f.write(bytes(64 * 1024))
            f.flush()
            os.fsync(f.fileno())
    except OSError as error:
        return (f"cannot save the figure in {folder}: the folder cannot be written "
                f"({why_unwritable(folder, error)}); give --output a file in a folder you can "
                "write, such as your home folder")
    return None


def why_unwritable(folder, error):
    """Why ``folder`` refused a file, in words: the error alone can mislead (/proc says
    "No such file or directory" of a folder that exists)."""
    try:
        status = os.statvfs(folder)
    except OSError:
        status = None
    if error.errno == errno.EROFS or (status and status.f_flag & os.ST_RDONLY):
        return "it is on a read-only file system"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "its disk is full, or your quota is used up"
    if status and status.f_blocks == 0:  # /proc, /sys: the kernel's views, with no storage
        return "it belongs to a virtual file system, such as /proc or /sys, which holds no files"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "you have no permission to write in it"
    return f"the system refused a new file there: {error.strerror or error}"


def check_length(args):
    """Refuse a run of more than MAX_UPDATES updates without --allow-long, saying how long it
    would take at the speed measured on this machine, so that nobody waits for ever unawares."""
    if args.iters_num <= MAX_UPDATES or args.allow_long:
        return None
    seconds = seconds_per_update(args)
    return (f"--iters-num {args.iters_num} would take about {duration(args.iters_num * seconds)} "
            f"on this machine (about {1 / seconds:,.0f} updates a second, measured just now); "
            f"more than {MAX_UPDATES:,} updates need --allow-long")


def seconds_per_update(args, budget=0.2):
    """What one update of this run costs here, measured now on random numbers of its sizes:
    the gradient and the step, plus its share of the accuracy measured every epoch on all
    the training and test images."""
    rng = np.random.default_rng(0)
    network = TwoLayerNet(INPUT_SIZE, args.hidden_size, OUTPUT_SIZE, activation=args.activation,
                          weight_init_std=args.weight_init_std, seed=0)
    x = rng.random((args.batch_size, INPUT_SIZE), dtype=np.float32)
    t = rng.integers(OUTPUT_SIZE, size=args.batch_size)

    def update():
        _, grad = network.loss_and_gradient(x, t)
        for key in network.params:
            network.params[key] -= args.learning_rate * grad[key]

    images = rng.random((1000, INPUT_SIZE), dtype=np.float32)
    labels = rng.integers(OUTPUT_SIZE, size=1000)
    spec = data.DATASETS[args.dataset]
    with np.errstate(all="ignore"):
        step = time_per_call(update, budget)
        measure = time_per_call(lambda: network.accuracy(images, labels), budget / 2)
    updates_per_epoch = max(spec.train_size / args.batch_size, 1)
    return step + measure * (spec.train_size + spec.test_size) / 1000 / updates_per_epoch


def time_per_call(function, budget):
    """Seconds per call of ``function``, called at least 3 times and for about ``budget`` s."""
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < budget:
        function()
        calls += 1
    return (time.perf_counter() - start) / calls


def duration(seconds):
    """``seconds`` in the unit a person would use: '40 seconds', '3.5 hours', '16 years'."""
    for unit, size, up_to in (("seconds", 1, 90), ("minutes", 60, 90 * 60),
                              ("hours", 3600, 48 * 3600), ("days", 86400, 730 * 86400)):
        if seconds < up_to:
            return f"{seconds / size:.2g} {unit}"
    years = seconds / (365.25 * 86400)
    return f"{years:,.0f} years" if years < 1e6 else f"{years:.2g} years"


class Stopped(BaseException):
    """A signal asked the run to stop. Like KeyboardInterrupt it is no Exception, so nothing
    swallows it, and on its way out every temporary file is removed."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def stopping_on_sigterm():
    """While inside, SIGTERM raises Stopped instead of ending the process without a word."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return

    def stop(signum, frame):
        raise Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@limit_threads(STEP_THREADS)  # the whole run: see helpers/blas.py
def main(argv=None):
    with stopping_on_sigterm():
        try:
            args = parse_args(argv)
            matplotlib.use("Agg")  # no window: the figure goes to a file
            return run(args)
        except data.DatasetError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted, nothing saved", file=sys.stderr)
            return 130
        except Stopped as stop:
            print(f"stopped ({stop}), nothing saved", file=sys.stderr)
            return 128 + stop.signum


def run(args):
    from . import plot

    if args.iters_num > MAX_UPDATES:  # allowed by --allow-long: say what it costs
        print(f"note: {args.iters_num:,} updates will take about "
              f"{duration(args.iters_num * seconds_per_update(args))} on this machine",
              file=sys.stderr)
    (x_train, t_train), (x_test, t_test) = data.load_mnist(
        normalize=True, one_hot_label=True, dataset=args.dataset)
    try:
        network = TwoLayerNet(input_size=INPUT_SIZE, hidden_size=args.hidden_size,
                              output_size=OUTPUT_SIZE, weight_init_std=args.weight_init_std,
                              activation=args.activation, seed=args.seed)
        history = train(network, x_train, t_train, x_test, t_test, iters_num=args.iters_num,
                        batch_size=args.batch_size, learning_rate=args.learning_rate,
                        sampling=args.sampling, seed=args.seed,
                        progress=not args.no_progress, verbose=True)
    except TrainingDiverged as error:
        print(f"error: {flag_names(str(error))} Nothing was saved.", file=sys.stderr)
        return 1
    except ValueError as error:  # a setting that cannot work and that the checks missed
        print(f"error: {flag_names(str(error))}", file=sys.stderr)
        return 2
    accuracy = network.accuracy(x_test, t_test)
    updates = len(history.train_loss_list)
    if accuracy < CHANCE + CHANCE_MARGIN:
        print(f"error: {learned_nothing(args, updates, accuracy, len(x_train))}", file=sys.stderr)
        return 1
    ax = plot.plot_accuracy(history.train_acc_list, history.test_acc_list)
    plot.save_figure(ax.figure, args.output)
    print(f"after {updates} updates: test accuracy {accuracy:.4f}; training took "
          f"{history.train_seconds:.1f} s (+ {history.eval_seconds:.1f} s measuring accuracy); "
          f"figure saved to {args.output}")
    return 0


def flag_names(message):
    """``message`` with the Python names of the settings replaced by the flags one types."""
    return re.sub(r"\b(" + "|".join(FLAGS) + r")\b", lambda match: FLAGS[match.group()], message)


def learned_nothing(args, updates, accuracy, train_size):
    """Why a run that ends no better than guessing is not kept, and what to try instead."""
    if updates < 2 * train_size / args.batch_size:  # less than two epochs
        advice = ("The run was short: give it more updates (--iters-num; the article's 10000 "
                  "are 16 epochs).")
    else:
        advice = ("Check --learning-rate and --weight-init-std (the article uses 0.1 and 0.01) "
                  "or try --activation relu.")
    return (f"after {updates} updates the test accuracy is {accuracy:.4f}, no better than "
            f"guessing ({CHANCE:.2f}): the network learned nothing worth keeping. Nothing was "
            f"saved. {advice}")


if __name__ == "__main__":
    sys.exit(main())
