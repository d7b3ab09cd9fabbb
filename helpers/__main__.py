"""Run the article's experiment from the command line: python -m helpers --help."""
import argparse
import sys

import matplotlib

from . import data
from .blas import STEP_THREADS, limit_threads
from .train import SAMPLING, TrainingDiverged, train
from .two_layer_net import ACTIVATIONS, TwoLayerNet


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Train the two-layer network on MNIST by mini-batch SGD, printing train and "
                    "test accuracy every epoch, and save the accuracy figure.")
    parser.add_argument("--iters-num", type=int, default=10000, help="number of updates (10000)")
    parser.add_argument("--batch-size", type=int, default=100, help="examples per mini-batch (100)")
    parser.add_argument("--learning-rate", type=float, default=0.1, help="SGD step size (0.1)")
    parser.add_argument("--hidden-size", type=int, default=50, help="hidden neurons (50)")
    parser.add_argument("--weight-init-std", type=float, default=0.01,
                        help="spread of the random initial weights (0.01)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="sigmoid",
                        help="hidden activation: sigmoid as in the article, or relu (sigmoid)")
    parser.add_argument("--sampling", choices=SAMPLING, default="random",
                        help="random: batches drawn with replacement as in the article; "
                             "shuffle: each epoch a fresh permutation (random)")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and batches (0)")
    parser.add_argument("--dataset", choices=sorted(data.DATASETS), default="mnist")
    parser.add_argument("--output", default="accuracy.png",
                        help="where to save the accuracy figure (accuracy.png)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser.parse_args(argv)


@limit_threads(STEP_THREADS)  # the whole run: see helpers/blas.py
def main(argv=None):
    args = parse_args(argv)
    matplotlib.use("Agg")  # no window: the figure goes to a file
    from . import plot

    (x_train, t_train), (x_test, t_test) = data.load_mnist(
        normalize=True, one_hot_label=True, dataset=args.dataset)
    network = TwoLayerNet(input_size=784, hidden_size=args.hidden_size, output_size=10,
                          weight_init_std=args.weight_init_std, activation=args.activation,
                          seed=args.seed)
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
