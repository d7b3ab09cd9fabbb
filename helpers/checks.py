"""Checks for the exercises: compare an answer with the real thing and say what is wrong.

Each check raises AssertionError (so nbgrader counts the test cell as failed) with a message
that points at the difference, e.g. "your gradient differs from the numerical one by 3e-02
at W1[4, 7] (yours -0.0152, expected 0.0148): check the sign".
"""
import numpy as np


def check_array(yours, expected, name="your answer", reference="the expected one",
                rtol=1e-5, atol=1e-8):
    """Fail with a pointed message unless ``yours`` matches ``expected`` in shape and values."""
    if yours is None:
        raise AssertionError(f"{name} is None: did the function forget to `return` it?")
    yours = np.asarray(yours)
    expected = np.asarray(expected)
    if yours.shape != expected.shape:
        raise AssertionError(f"{name} has shape {yours.shape}, but {reference} has shape "
                             f"{expected.shape}")
    if not np.all(np.isfinite(yours)):
        raise AssertionError(f"{name} contains NaN or infinite values")
    if np.allclose(yours, expected, rtol=rtol, atol=atol):
        return
    difference = np.abs(yours.astype(float) - expected)
    where = np.unravel_index(np.argmax(difference), difference.shape)
    at = f" at [{', '.join(str(int(i)) for i in where)}]" if yours.ndim else ""
    raise AssertionError(
        f"{name} differs from {reference} by {difference[where]:.1e}{at} (yours "
        f"{float(yours[where]):.4g}, expected {float(expected[where]):.4g}){_hint(yours, expected)}")


def _hint(yours, expected):
    """A guess at the usual mistakes: a flipped sign or a constant factor."""
    if np.allclose(yours, -expected, rtol=1e-3, atol=1e-8):
        return ": check the sign"
    nonzero = np.abs(expected) > 1e-12
    if nonzero.any():
        ratios = yours[nonzero] / expected[nonzero]
        factor = ratios.flat[0]
        if np.allclose(ratios, factor, rtol=1e-3) and not np.isclose(factor, 1, rtol=1e-3) and factor != 0:
            return f": it is {float(factor):.4g} times the expected value everywhere"
    return ""


def check_equal(yours, expected, name="your answer"):
    """Fail unless ``yours == expected`` (for counts, shapes, tuples)."""
    if yours != expected:
        raise AssertionError(f"{name} is {yours!r}, expected {expected!r}")


def check_true(condition, message):
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise AssertionError(message)
