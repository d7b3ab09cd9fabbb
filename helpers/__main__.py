"""Run the article's experiment from the command line: python -m helpers --help."""
import argparse
import os
import sys
import tempfile
from pathlib import Path

import matplotlib

from . import data
from .blas import STEP_THREADS, limit_threads
from .settings import positive_number, whole_number
from .train import SAMPLING, TrainingDiverged, train
from .two_layer_net import ACTIVATIONS, TwoLayerNet

INPUT_SIZE, OUTPUT_SIZE = 784, 10


class Parser(argparse.ArgumentParser):
    """argparse, but a bad setting is one line (exit 2), not the usage text and an error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def option(check, name, **limits):
    """An argparse type that reads a number and checks it with helpers.settings."""
    def convert(text):
        try:
            number = int(text) if text.strip().lstrip("+-").isdigit() else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, not {text!r}") from None
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
        epilog="Exit status: 0 done; 1 the data cannot be loaded or training diverged; 2 a bad "
               "setting; 130 interrupted (Ctrl-C). Unless it is 0, the figure is not written.")
    whole, positive = whole_number, positive_number
    parser.add_argument("--iters-num", type=option(whole, "--iters-num"), default=10000,
                        help="number of updates (10000)")
    parser.add_argument("--batch-size", type=option(whole, "--batch-size"), default=100,
                        help="examples per mini-batch (100)")
    parser.add_argument("--learning-rate", type=option(positive, "--learning-rate"), default=0.1,
                        help="SGD step size (0.1)")
    parser.add_argument("--hidden-size", type=option(whole, "--hidden-size"), default=50,
                        help="hidden neurons (50)")
    parser.add_argument("--weight-init-std", type=option(positive, "--weight-init-std"),
                        default=0.01, help="spread of the random initial weights (0.01)")
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
    for check in (check_memory, check_output):
        problem = check(args)
        if problem:
            parser.error(problem)
    return args


def memory_needed(hidden_size, batch_size):
    """Bytes the run needs, roughly: float32 weights, gradients and updates, the float64
    numbers drawn for W1, and the activations of a batch and of a 10,000-image chunk."""
    parameters = (INPUT_SIZE + 1) * hidden_size + (hidden_size + 1) * OUTPUT_SIZE
    return 4 * 3 * parameters + 8 * INPUT_SIZE * hidden_size + 4 * 3 * (batch_size + 10_000) * hidden_size


def check_memory(args):
    """Say so when --hidden-size (with --batch-size) cannot fit in this machine's memory."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None  # cannot tell on this system
    needed = memory_needed(args.hidden_size, args.batch_size)
    if needed > memory:
        return (f"--hidden-size {args.hidden_size} would need about {needed / 1e9:.3g} GB of "
                f"memory; this machine has {memory / 1e9:.3g} GB in all")
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
        return f"cannot save the figure in {folder}: {error.strerror or error}"
    return None


@limit_threads(STEP_THREADS)  # the whole run: see helpers/blas.py
def main(argv=None):
    args = parse_args(argv)
    matplotlib.use("Agg")  # no window: the figure goes to a file
    try:
        return run(args)
    except data.DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted, nothing saved", file=sys.stderr)
        return 130


def run(args):
    from . import plot

    (x_train, t_train), (x_test, t_test) = data.load_mnist(
        normalize=True, one_hot_label=True, dataset=args.dataset)
    network = TwoLayerNet(input_size=INPUT_SIZE, hidden_size=args.hidden_size,
                          output_size=OUTPUT_SIZE, weight_init_std=args.weight_init_std,
                          activation=args.activation, seed=args.seed)
    try:
        history = train(network, x_train, t_train, x_test, t_test, iters_num=args.iters_num,
                        batch_size=args.batch_size, learning_rate=args.learning_rate,
                        sampling=args.sampling, seed=args.seed,
                        progress=not args.no_progress, verbose=True)
    except TrainingDiverged as error:
        print(f"error: {error} Nothing was saved.", file=sys.stderr)
        return 1
    except ValueError as error:  # a setting that cannot work, e.g. a batch larger than the data
        print(f"error: {error}", file=sys.stderr)
        return 2
    ax = plot.plot_accuracy(history.train_acc_list, history.test_acc_list)
    plot.save_figure(ax.figure, args.output)
    print(f"after {len(history.train_loss_list)} updates: test accuracy "
          f"{network.accuracy(x_test, t_test):.4f}; training took "
          f"{history.train_seconds:.1f} s (+ {history.eval_seconds:.1f} s measuring accuracy); "
          f"figure saved to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
