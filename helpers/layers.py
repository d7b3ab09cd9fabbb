"""Layers with forward and backward passes: backpropagation one small piece at a time.

Replaces the book's common/layers.py for chapter 5: Affine, Relu, Sigmoid and
SoftmaxWithLoss, with the book's calls and attribute names (Affine.x, W, b, dW, db,
original_x_shape; Relu.mask; Sigmoid.out; SoftmaxWithLoss.loss, y, t).

Each layer remembers what its backward pass needs during forward, then turns the gradient
of the loss with respect to its output (dout) into the gradient with respect to its input.
"""
import math

import numpy as np

from .functions import checked_answers, log_softmax, sigmoid


class Affine:
    """out = x @ W + b. Keeps dW and db after backward.

    Inputs of any shape, such as images (N, 1, 28, 28), are flattened to rows, and backward
    gives dx back in the input's shape (original_x_shape), as the book's Affine does.
    input_grad=False skips dx (backward returns None), for a first layer whose input is the
    data itself: nothing uses it, and it costs as much as computing dW.
    """

    def __init__(self, W, b, input_grad=True):
        self.W = W
        self.b = b
        self.input_grad = input_grad
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], math.prod(x.shape[1:]))  # images of any shape become rows
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.original_x_shape) if self.input_grad else None


class Relu:
    """Passes positive inputs through; its gradient is 1 there and 0 elsewhere.

    positive: True where the input was > 0, the places that pass, forward and backward.
    mask: the book's name for the opposite, True where the input was <= 0. Unlike the
    book's, backward leaves dout unchanged.
    """

    def __init__(self):
        self.positive = None

    @property
    def mask(self):
        return None if self.positive is None else ~self.positive

    def forward(self, x):
        self.positive = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * self.positive


class Sigmoid:
    """Squashes inputs into (0, 1); its gradient is out * (1 - out)."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss, whose backward pass is just (y - t) / N.

    t: one-hot rows, as the book uses, or labels; anything else (label -1 or 10, a row of
    zeros, an empty batch) is refused with a ValueError. After forward: y (the
    probabilities), t and loss. The loss is computed from log_softmax, which is exact even
    where a probability underflows to 0, so no 1e-7 fudge is needed and backprop matches
    the loss exactly.
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = checked_answers(t, *x.shape)
        log_y = log_softmax(x)
        self.y = np.exp(log_y)
        if self.t.ndim == 2:
            self.t = self.t.astype(x.dtype, copy=False)
            self.loss = -float((self.t * log_y).sum()) / len(x)
        else:
            self.loss = -float(log_y[np.arange(len(x)), self.t].sum()) / len(x)
        return self.loss

    def backward(self, dout=1.0):
        if self.t.ndim == 2:
            dx = self.y - self.t
        else:  # labels: subtract 1 where the one-hot row would hold its 1
            dx = self.y.copy()
            dx[np.arange(len(dx)), self.t] -= 1
        return dx * (dout / len(dx))
