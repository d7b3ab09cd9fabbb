"""The functions a neural network is made of: activations, softmax and the loss.

Replaces the book's common/functions.py: ``from helpers.functions import *`` gives the names
its chapters 3 to 5 use (step_function, sigmoid, sigmoid_grad, relu, identity_function,
softmax, sum_squared_error, cross_entropy_error), called the same way.
"""
import numpy as np


def step_function(x):
    """1 where x > 0, else 0: the perceptron's activation, which a gradient cannot pass."""
    return np.array(x > 0, dtype=int)


def sigmoid(x):
    """1 / (1 + exp(-x)), written with tanh so that large |x| never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid_grad(x):
    """Derivative of the sigmoid: s(x) * (1 - s(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


def relu(x):
    """max(0, x), element by element."""
    return np.maximum(x, 0)


def identity_function(x):
    """x unchanged: the output layer's activation for regression (回帰)."""
    return x


def softmax(x):
    """Turn scores into probabilities along the last axis (one row per example).

    Subtracting the row maximum first changes nothing mathematically but keeps exp() from
    overflowing: softmax([1000, 1010]) works as well as softmax([0, 10]).
    """
    shifted = x - x.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def log_softmax(x):
    """log(softmax(x)) computed directly, so it stays finite where softmax underflows to 0."""
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def sum_squared_error(y, t):
    """Half the sum of squared differences (2乗和誤差), the book's other loss."""
    return 0.5 * np.sum((np.asarray(y) - np.asarray(t)) ** 2)


def cross_entropy_error(y, t):
    """Mean of -log(probability given to the right class), for one example or a batch.

    y: probabilities (softmax's output), shape (classes,) or (batch, classes); scores
    straight from a network's predict are refused, since their log is NaN.
    t: the right answers as labels (shape (batch,)) or one-hot rows (same shape as y).
    The tiny 1e-7 keeps log(0) from being -inf when the network is certain and wrong.
    """
    y = np.asarray(y)
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    if y.size and not y.min() >= 0:
        raise ValueError("y holds negative values or NaN, so it is not probabilities: pass "
                         "softmax(scores). (The course's TwoLayerNet.predict returns scores; "
                         "network.loss(x, t) gives the loss directly.)")
    t = checked_answers(t, *y.shape)
    if t.ndim == 2:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def checked_answers(t, rows, classes):
    """``t`` if it holds a right answer for each of ``rows`` examples; else a ValueError.

    Answers are labels (class numbers 0 to classes-1, shape (N,)) or one-hot rows (shape
    (N, classes), each summing to 1; probabilities that sum to 1 work too). A label that is
    a whole number stored as a float (3.0) is taken as the int 3, as helpers.settings takes
    100.0 for 100; 3.5, NaN, -1 (NumPy would quietly read it as the last class) and 10 are
    refused, as is a row of zeros. It costs one pass over t, small beside the loss itself.
    """
    t = np.asarray(t)
    if rows == 0:
        raise ValueError("the batch is empty: give at least one example")
    if t.ndim not in (1, 2) or (t.ndim == 2 and t.shape[1] != classes):
        raise ValueError(f"answers must be labels, shape ({rows},), or one-hot rows, shape "
                         f"({rows}, {classes}); got shape {t.shape}")
    if len(t) != rows:
        raise ValueError(f"{rows} examples but {len(t)} answers: give one answer per example, "
                         "e.g. x_train[batch_mask] with t_train[batch_mask]")
    if t.ndim == 2:
        sums = t.sum(axis=1)
        if not (t.min() >= 0 and sums.min() >= 0.999 and sums.max() <= 1.001):  # NaN fails too
            row = int(np.argmin((t.min(axis=1) >= 0) & (sums >= 0.999) & (sums <= 1.001)))
            raise ValueError(f"one-hot row {row} is {t[row].tolist()}: each row needs a 1 for "
                             "the right class and 0 elsewhere. Load with one_hot_label=True, or "
                             "pass labels instead")
        return t
    whole = t.dtype.kind in "iu" or (t.dtype.kind == "f" and np.array_equal(t, np.floor(t)))
    if not whole:
        wrong = t if t.dtype.kind != "f" else t[~(t == np.floor(t))]
        raise ValueError(f"labels must be whole numbers, class numbers 0 to {classes - 1}; "
                         f"got {wrong.tolist()[0]!r} ({t.dtype})")
    if not (t.min() >= 0 and t.max() < classes):
        wrong = int(np.argmax((t < 0) | (t >= classes)))
        raise ValueError(f"label {t[wrong].item()!r} at position {wrong} is not a class: labels "
                         f"are class numbers 0 to {classes - 1}")
    return t.astype(np.intp) if t.dtype.kind == "f" else t
