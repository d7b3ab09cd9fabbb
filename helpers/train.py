"""The training loop of the book and the article: mini-batch, gradient, update, repeat."""
import math
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .blas import STEP_THREADS, limit_threads
from .settings import positive_number, whole_number

SAMPLING = ("random", "shuffle")
# A recent loss this many times the first means the updates overshoot: training has diverged.
# (The loss itself stays finite far beyond that, since it is computed from log_softmax.)
EXPLODED = 10


class TrainingDiverged(FloatingPointError):
    """The loss became NaN, infinite or exploded, so further updates would train on garbage."""

    def __init__(self, message, iteration, history):
        super().__init__(message)
        self.iteration = iteration
        self.history = history


@dataclass
class History:
    """What a run recorded: the loss every iteration, the accuracies every epoch, the time."""

    train_loss_list: list = field(default_factory=list)
    train_acc_list: list = field(default_factory=list)
    test_acc_list: list = field(default_factory=list)
    epoch_iterations: list = field(default_factory=list)  # iteration of each accuracy point
    iter_per_epoch: float = 0.0
    train_seconds: float = 0.0  # gradients and updates
    eval_seconds: float = 0.0  # measuring accuracy
    settings: dict = field(default_factory=dict)

    @property
    def total_seconds(self):
        return self.train_seconds + self.eval_seconds


@limit_threads(STEP_THREADS)  # small products: threads only wait for each other
def train(network, x_train, t_train, x_test=None, t_test=None, *, iters_num=10000,
          batch_size=100, learning_rate=0.1, sampling="random", seed=None,
          progress=True, verbose=False, callback=None, eval_every=None, eval_train_size=None):
    """Train ``network`` by mini-batch SGD, as the article does, and return a History.

    sampling: "random" draws each batch with np.random.choice (with replacement), as in the
    article; "shuffle" goes through a fresh permutation each epoch, so every example is seen.
    seed: makes the batches reproducible. verbose: print the article's line every epoch.
    callback(i, history): called after every iteration i; return False to stop early.
    eval_every: measure accuracy every this many iterations (and after the last one) instead
    of once per epoch. eval_train_size: measure train accuracy on only the first this many
    training examples, to save time (the test accuracy always uses all of x_test).
    Raises TrainingDiverged if the loss becomes NaN or infinite, or its average over about
    100 examples grows past ten times its first value: the learning rate is then too large
    and the run is garbage.
    """
    # Whole numbers come back as int and the rate as a float (a NumPy float64 would turn
    # float32 updates into float64).
    iters_num, batch_size, learning_rate, eval_every, eval_train_size = _check_arguments(
        x_train, t_train, x_test, t_test, iters_num, batch_size, learning_rate, sampling,
        eval_every, eval_train_size)
    _check_finite(network, x_train, t_train, x_test, t_test)
    # One-hot rows become labels once, here: the same losses and gradients, and each step
    # then checks and picks 1 answer per example instead of 10.
    t_train, t_test = _as_labels(t_train), _as_labels(t_test)
    train_size = len(x_train)
    iter_per_epoch = max(train_size / batch_size, 1)
    history = History(iter_per_epoch=iter_per_epoch, settings=dict(
        iters_num=iters_num, batch_size=batch_size, learning_rate=learning_rate,
        sampling=sampling, seed=seed, eval_every=eval_every, eval_train_size=eval_train_size))
    x_eval, t_eval = x_train[:eval_train_size], t_train[:eval_train_size]
    batches = batch_masks(np.random.default_rng(seed), train_size, batch_size, sampling)
    bar = tqdm(range(iters_num), desc="training", unit="iter", disable=not progress,
               mininterval=0.5)
    last_checkpoint = -1
    smoothing = min(1.0, batch_size / 100)
    start = time.perf_counter()
    # Overflow on the way to a NaN loss is reported below as TrainingDiverged instead.
    with np.errstate(over="ignore", invalid="ignore"):
        for i in bar:
            batch_mask = next(batches)
            x_batch = x_train[batch_mask]
            t_batch = t_train[batch_mask]

            loss, grad = network.loss_and_gradient(x_batch, t_batch)
            for key in network.params:
                network.params[key] -= learning_rate * grad[key]

            history.train_loss_list.append(loss)
            # Averaged over about 100 examples, so that one hard example in a tiny batch
            # is not mistaken for divergence.
            recent_loss = loss if i == 0 else recent_loss + smoothing * (loss - recent_loss)
            if not math.isfinite(loss) or recent_loss > EXPLODED * history.train_loss_list[0]:
                history.train_seconds = time.perf_counter() - start - history.eval_seconds
                raise TrainingDiverged(_diverged_message(history, recent_loss, i, learning_rate),
                                       i, history)

            # Once per epoch, as the article's `i % iter_per_epoch == 0`, or every eval_every.
            checkpoint = i // eval_every if eval_every else int(i // iter_per_epoch)
            if checkpoint != last_checkpoint or (eval_every and i == iters_num - 1):
                last_checkpoint = checkpoint
                _evaluate(network, history, i, x_eval, t_eval, x_test, t_test)
                if verbose:
                    bar.write(_accuracy_line(history))
                bar.set_postfix(loss=f"{loss:.3f}", train_acc=f"{history.train_acc_list[-1]:.3f}")
            if callback is not None and callback(i, history) is False:
                break
    bar.close()
    history.train_seconds = time.perf_counter() - start - history.eval_seconds
    return history


def batch_masks(rng, train_size, batch_size, sampling):
    """Yield the indices of each mini-batch, forever."""
    while True:
        if sampling == "random":
            # The same draws as the article's rng.choice(train_size, batch_size), made faster.
            yield rng.integers(train_size, size=batch_size)
        else:
            order = rng.permutation(train_size)
            for start in range(0, train_size - batch_size + 1, batch_size):
                yield order[start:start + batch_size]


def _as_labels(t):
    """The labels of exact one-hot rows; anything else (labels, soft targets) as it is."""
    t = None if t is None else np.asarray(t)
    if t is None or t.ndim != 2 or not len(t):
        return t
    labels = t.argmax(axis=1)
    one_hot = np.zeros_like(t)
    one_hot[np.arange(len(t)), labels] = 1
    return labels if np.array_equal(t, one_hot) else t


def _evaluate(network, history, i, x_train, t_train, x_test, t_test):
    start = time.perf_counter()
    history.epoch_iterations.append(i)
    history.train_acc_list.append(network.accuracy(x_train, t_train))
    if x_test is not None:
        history.test_acc_list.append(network.accuracy(x_test, t_test))
    history.eval_seconds += time.perf_counter() - start


def _accuracy_line(history):
    line = f"train acc, test acc | {history.train_acc_list[-1]:.4f}"
    return line + (f", {history.test_acc_list[-1]:.4f}" if history.test_acc_list else ", -")


def _diverged_message(history, recent_loss, i, learning_rate):
    loss, first = history.train_loss_list[-1], history.train_loss_list[0]
    if not math.isfinite(first):
        # The data and the weights were checked, so the network itself computes it.
        return (f"loss was {first} at iteration 0, before any update, so it is not the learning "
                "rate: the network's predict or loss produces it from finite numbers.")
    if math.isfinite(loss):
        what = f"exploded to {recent_loss:.3g} (it started at {first:.3g})"
    else:
        what = f"became {'NaN' if math.isnan(loss) else 'infinite'} (it started at {first:.3g})"
    return (f"loss {what} at iteration {i}: the learning rate ({learning_rate:g}) is too "
            "large. Try a smaller one, such as a tenth of it.")


def _check_arguments(x_train, t_train, x_test, t_test, iters_num, batch_size, learning_rate,
                     sampling, eval_every, eval_train_size):
    """The settings, checked as helpers.settings checks them everywhere, converted."""
    train_size = len(x_train)
    if len(t_train) != train_size:
        raise ValueError(f"x_train has {train_size} examples but t_train has {len(t_train)}")
    if (x_test is None) != (t_test is None):
        raise ValueError("give both x_test and t_test, or neither")
    if x_test is not None and len(x_test) != len(t_test):
        raise ValueError(f"x_test has {len(x_test)} examples but t_test has {len(t_test)}")
    if sampling not in SAMPLING:
        raise ValueError(f"sampling must be one of {SAMPLING}, not {sampling!r}")
    return (whole_number(iters_num, "iters_num"),
            whole_number(batch_size, "batch_size", maximum=train_size),
            positive_number(learning_rate, "learning_rate"),
            None if eval_every is None else whole_number(eval_every, "eval_every"),
            None if eval_train_size is None else whole_number(eval_train_size, "eval_train_size"))


def _check_finite(network, *arrays):
    """NaN or infinity in the data or the initial weights is their fault, not the rate's."""
    named = dict(zip(("x_train", "t_train", "x_test", "t_test"), arrays))
    named.update({f"the initial weight {key}": value for key, value in network.params.items()})
    for name, array in named.items():
        array = np.asarray(array) if array is not None else np.zeros(0)
        # One sum is fast and finite unless something is not (or the sum overflows).
        with np.errstate(over="ignore"):
            if not np.issubdtype(array.dtype, np.floating) or np.isfinite(np.sum(array)):
                continue
        bad = np.flatnonzero(~np.isfinite(array.reshape(len(array), -1)).all(axis=1))
        if len(bad):
            raise ValueError(f"{name} holds NaN or infinite values ({len(bad)} of its "
                             f"{len(array)} rows, the first is row {bad[0]}), so training could "
                             "only produce NaN: check where they come from. It is not the "
                             "learning rate.")
