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
    """A guess at the usual mistakes: a flipped sign or a constant factor.

    A single number is always some factor times another, so the factor says nothing there.
    """
    if np.allclose(yours, -expected, rtol=1e-3, atol=1e-8):
        return ": check the sign"
    if expected.size == 1:
        return ""
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


# Lesson 3: the forward pass, softmax and the loss. Each check names the usual mistake.

def _error_of(compute):
    """The message of the ValueError that ``compute()`` raises, or None if it raises none."""
    try:
        compute()
    except ValueError as error:
        return str(error)
    return None


def check_forward_pass(forward, network, x):
    """``forward(x, params)`` must give ``network.predict(x)``: the scores, before softmax."""
    from .functions import relu, sigmoid, softmax
    p = network.params
    expected = network.predict(x)
    try:
        yours = forward(x, p)
    except ValueError as error:  # NumPy's complaint about shapes that do not fit
        # Name a layer only if its usual wrong product fails with this very message.
        z1 = sigmoid(x @ p["W1"] + p["b1"])
        first = {_error_of(lambda: f(*ab)) for f in (np.matmul, np.dot)
                 for ab in ((p["W1"], x), (x, p["W1"].T))}
        second = {_error_of(lambda: f(*ab)) for f in (np.matmul, np.dot)
                  for ab in ((p["W2"], z1), (z1, p["W2"].T))}
        if str(error) in first:
            hint = "the first layer is x @ W1, not W1 @ x or x @ W1.T"
        elif str(error) in second:
            hint = "the second layer is z1 @ W2, with z1 = sigmoid(x @ W1 + b1), not W2 @ z1 or z1 @ W2.T"
        else:
            hint = "shapes don't fit: print the shape of each step"
        shapes = ", ".join(f"{key} {value.shape}" for key, value in [("x", x), *p.items()])
        raise AssertionError(f"your forward raised ValueError ({str(error).strip()}). {shapes}: "
                             f"{hint}") from None
    check_true(yours is not None, "forward returned None: did it forget to `return` the scores?")
    yours = np.asarray(yours, dtype=float)
    if yours.shape == expected.shape and not np.allclose(yours, expected, rtol=1e-4, atol=1e-5):
        hidden = x @ p["W1"]
        wrong = {
            "you applied softmax: predict returns the scores, before softmax":
                softmax(expected.astype(float)),
            "the sigmoid between the two Affine layers is missing": (hidden + p["b1"]) @ p["W2"] + p["b2"],
            "you used ReLU: this network's activation is the sigmoid": relu(hidden + p["b1"]) @ p["W2"] + p["b2"],
            "the second Affine layer's output is the scores: no sigmoid after it": sigmoid(expected),
            "you forgot the biases b1 and b2": sigmoid(hidden) @ p["W2"],
            "you forgot the bias b1": sigmoid(hidden) @ p["W2"] + p["b2"],
            "you forgot the bias b2": sigmoid(hidden + p["b1"]) @ p["W2"],
        }
        for mistake, result in wrong.items():
            check_true(not np.allclose(yours, result, rtol=1e-4, atol=1e-5), mistake)
    check_array(yours, expected, "your forward(x, params)", "network.predict(x)", rtol=1e-4, atol=1e-5)


def _softmax_of(softmax_fn, a):
    """``softmax_fn(a)``, with a forgotten keepdims named rather than left to NumPy's words."""
    try:
        return softmax_fn(a)
    except ValueError as error:
        if "broadcast" not in str(error):
            raise AssertionError(f"your softmax raised ValueError ({error}) for scores of shape "
                                 f"{a.shape}") from None
        rows = len(a)
        raise AssertionError(
            f"your softmax raised ValueError ({str(error).strip()}) for scores of shape {a.shape}: "
            f"did you forget keepdims=True? a.max(axis=1) has one number per row, shape ({rows},), "
            f"which NumPy lines up with the columns; with keepdims=True it is a column, shape "
            f"({rows}, 1), that lines up with the rows. The same goes for the sum") from None


def check_softmax(softmax_fn):
    """A softmax for batches: rows sum to 1, right values, and no overflow on large scores.

    No test matrix is square, so that a forgotten keepdims fails instead of broadcasting silently.
    """
    from .functions import softmax
    scores = np.array([[0.3, 2.9, 4.0], [1.0, 1.0, -1.0]])
    before = scores.copy()
    yours = _softmax_of(softmax_fn, scores)
    check_array(scores, before, "the scores after your function", "the scores before it (do not "
                "change them in place: write `a - ...`, not `a -= ...`)")
    check_true(yours is not None, "your softmax returned None: did it forget to `return`?")
    yours = np.asarray(yours)
    sums = np.sum(yours, axis=-1)
    check_true(yours.shape != scores.shape or np.allclose(sums, 1), f"each row should sum to 1, "
               f"yours sum to {np.round(sums, 3)}: divide by the sum of each row (axis=1, keepdims=True)")
    by_columns = np.exp(scores - scores.max(axis=0))
    by_columns /= by_columns.sum(axis=1, keepdims=True)
    check_true(yours.shape != scores.shape or not np.allclose(yours, by_columns),
               "you subtracted each column's maximum (axis=0): subtract each row's maximum, "
               "a.max(axis=1, keepdims=True)")
    check_array(yours, softmax(scores), "your softmax", "helpers.functions.softmax")
    large = np.array([[1000.0, 1010.0, 990.0],     # exp(1000) overflows to inf
                      [0.0, 1.0, 2.0],             # small beside the others
                      [1000.0, 0.0, -1000.0],      # a - min or a - mean still reaches exp(1000)
                      [-1000.0, -1010.0, -990.0]])  # exp(-1000) underflows to 0, and 0 / 0 is NaN
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        yours = np.asarray(_softmax_of(softmax_fn, large))
    check_true(np.all(np.isfinite(yours[0])), "scores of 1000 give NaN: exp(1000) overflows to inf "
               "(and inf / inf is NaN). Subtract each row's maximum before exp")
    check_true(np.all(np.isfinite(yours[2])), f"the scores {large[2]} give {yours[2]}: subtract each "
               "row's maximum (not its min or mean), so that the largest exponent is exp(0) = 1")
    check_true(np.all(np.isfinite(yours)), "a row of small scores gives NaN: subtract each row's "
               "own maximum (axis=1, keepdims=True), not the maximum of the whole matrix")
    check_array(yours, softmax(large), "your softmax of large scores", "helpers.functions.softmax")


def check_loss(loss_fn, scores, t):
    """``loss_fn(scores, t)`` must be the mean cross-entropy of softmax(scores) against one-hot t."""
    from .functions import cross_entropy_error, softmax
    expected = cross_entropy_error(softmax(scores), t)
    try:
        yours = loss_fn(scores, t)
    except IndexError as error:  # e.g. y[np.arange(N), t] with one-hot rows t
        raise AssertionError(f"your loss raised IndexError ({error}). t holds one-hot rows, shape "
                             f"{np.shape(t)}: multiply, t * np.log(y), or index with the labels "
                             "t.argmax(axis=1)") from None
    check_true(yours is not None, "your loss is None: did the function forget to `return` it?")
    check_true(np.ndim(yours) == 0, f"the loss should be one number, yours has shape {np.shape(yours)}: "
               "sum over the classes and average over the examples")
    yours = float(yours)
    n, classes = np.shape(scores)
    wrong = {
        "the loss is negative: it is minus the log of the probabilities": -expected,
        f"yours is {n} times too large: average over the batch (divide by N = {n})": n * expected,
        f"yours is {classes} times too small: divide by the number of examples N, not by the "
        "number of entries": expected / classes,
        "you used log10: the loss uses the natural log, np.log": expected / np.log(10),
        "you used log2: the loss uses the natural log, np.log": expected / np.log(2),
    }
    for mistake, value in wrong.items():
        check_true(not np.isclose(yours, value, rtol=1e-4), mistake)
    with np.errstate(invalid="ignore", divide="ignore"):
        of_scores = -np.sum(t * np.log(scores)) / n
    check_true(not np.isclose(yours, of_scores, rtol=1e-4),
               "you took the log of the scores: take it of the probabilities, softmax(scores)")
    check_true(np.isfinite(yours), f"your loss is {yours}: take the log of softmax(scores), which "
               "is never negative (the scores can be)")
    check_array(yours, expected, "your loss", "cross_entropy_error(softmax(scores), t)", rtol=1e-4)


def check_untrained_loss(untrained_loss, n_classes, measured):
    """``untrained_loss(n_classes)`` must predict ``measured``, a real untrained network's loss."""
    yours = untrained_loss(n_classes)
    check_true(yours is not None, "your function returned None: did it forget to `return`?")
    yours = float(yours)
    if np.isclose(yours, measured, rtol=0.01):
        return
    wrong = {
        "that is the probability of each class: the loss is minus its log": 1 / n_classes,
        "that is log base 10: the loss uses the natural logarithm, np.log": np.log10(n_classes),
        "check the sign: -log(1/n) is positive": -np.log(n_classes),
    }
    for mistake, value in wrong.items():
        check_true(not np.isclose(yours, value, rtol=1e-3), f"{yours:.4g} for {n_classes} classes: "
                   + mistake)
    raise AssertionError(f"you expect {yours:.4g} for {n_classes} classes, but an untrained "
                         f"network measures {measured:.4g}: what probability does each class get?")
