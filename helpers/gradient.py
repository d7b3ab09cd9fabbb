"""Numerical gradients by central differences, and a check of backprop against them."""
import numpy as np


def numerical_gradient(f, x, h=1e-4):
    """Gradient of the scalar function ``f`` at the array ``x``, of any shape.

    Each element is nudged by +h and -h in turn, (f(x+h) - f(x-h)) / 2h is its partial
    derivative, and the element is put back exactly as it was. ``f`` is called as f(x),
    so it may also read ``x`` through other references (a network's params, say).
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        f_minus = f(x)
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad.astype(x.dtype, copy=False)


def relative_error(a, b):
    """|a - b| / (|a| + |b|) over whole arrays: 0 when equal, about 1 when unrelated.

    Norms of whole arrays keep the measure meaningful where single entries are zero.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def gradient_check(network, x, t):
    """Relative error between backprop and numerical gradients, for each parameter.

    Use a float64 network and a few examples: float32 rounding alone gives errors near 1e-3.
    """
    numerical = network.numerical_gradient(x, t)
    backprop = network.gradient(x, t)
    return {key: relative_error(backprop[key], numerical[key]) for key in numerical}
