"""Numerical gradients by central differences, and a check of backprop against them.

Replaces the book's common/gradient.py: numerical_gradient(f, x) is called the same way.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-4):
    """Gradient of the scalar function ``f`` at the float array ``x``, of any shape, in float64.

    Each element is nudged by +h and -h in turn, (f(x+h) - f(x-h)) / 2h is its partial
    derivative, and the element is put back exactly as it was. ``f`` is called as f(x),
    so it may also read ``x`` through other references (a network's params, say).

    Precision needs float64 on both sides: in float32, x + h is stored only roughly (the
    step actually taken is what we divide by), and an ``f`` that computes in float32 rounds
    its result to about 7 digits, an error that dividing by the tiny 2h magnifies.
    TwoLayerNet.numerical_gradient therefore works on a float64 copy of the network.
    """
    x_dtype = getattr(x, "dtype", None)
    if x_dtype is None or x_dtype.kind != "f":
        raise ValueError(f"x must be an array of floats, e.g. np.array([3.0, 4.0]), not "
                         f"{x_dtype or type(x).__name__}: whole numbers cannot be nudged by h")
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus, plus = float(f(x)), float(x[index])
        x[index] = original - h
        f_minus, minus = float(f(x)), float(x[index])
        x[index] = original
        grad[index] = (f_plus - f_minus) / (plus - minus)
    return grad


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

    Use a few examples: the numerical side takes two loss evaluations per parameter. It is
    computed in float64, so backprop in float32 (the default network) agrees to about 1e-7
    and a float64 network to about 1e-9; a mistake in backprop gives 1e-2 or more.
    """
    numerical = network.numerical_gradient(x, t)
    backprop = network.gradient(x, t)
    return {key: relative_error(backprop[key], numerical[key]) for key in numerical}
