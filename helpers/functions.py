"""The functions a neural network is made of: activations, softmax and the loss."""
import numpy as np


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


def cross_entropy_error(y, t):
    """Mean of -log(probability given to the right class), for one example or a batch.

    y: probabilities, shape (classes,) or (batch, classes).
    t: the right answers as labels (shape (batch,)) or one-hot rows (same shape as y).
    The tiny 1e-7 keeps log(0) from being -inf when the network is certain and wrong.
    """
    y = np.asarray(y)
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    if len(t) != len(y):
        raise ValueError(f"{len(y)} predictions but {len(t)} answers; pass one answer per example")
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size
