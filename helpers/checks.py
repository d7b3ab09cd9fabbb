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


# Lesson 1, exercise 1.3: pixels centred on 0, (pixel - 128) / 128, put right from centred_buggy.

def check_centred(centred, x_raw):
    """``centred(images)`` must give (pixel - 128) / 128 as float32 for the first 1000 raw uint8
    training images ``x_raw`` (and for every pixel value, 0 to 255), leaving them unchanged.

    With the bug left in, the message says what the learner can see and where to look, not the
    fix. The buggy values are computed here, as centred_buggy computes them, rather than by
    calling the notebook's centred_buggy: a learner may have put that right in its own cell, and
    a right centred must not be told that it still behaves like it.
    """
    original = x_raw[:1000]
    images = original.copy()
    mine = centred(images)
    check_true(mine is not None, "centred returned None: did it forget to `return` the result?")
    check_true(np.array_equal(images, original),
               "centred changed the images it was given (images -= 128?): compute a new array instead")
    mine = np.asarray(mine)
    if mine.shape == images.shape:
        check_true(not np.allclose(mine, (original - 128).astype(np.float32) / 128),
                   f"centred still behaves like centred_buggy: its values run from {mine.min():.2f} to "
                   f"{mine.max():.2f}, and blank paper (a pixel of 0) comes out as "
                   f"{float(mine[images == 0][0]):.2f} instead of -1.00. Follow a pixel of 0 through your "
                   "function step by step: where does it first stop being what you expect?")
        check_true(not np.allclose(mine, images.astype(np.float32) - 1),
                   "you subtracted 128 / 128 = 1: division comes before subtraction, so put the "
                   "subtraction in brackets: (pixels - 128) / 128")
    check_true(mine.dtype == np.float32,
               f"centred should return float32 (half the memory of float64), not {mine.dtype}: "
               "convert with .astype(np.float32) before the arithmetic")
    check_array(mine, (images.astype(np.float32) - 128) / 128, "centred(x_raw[:1000])",
                "(pixel - 128) / 128")
    every_value = np.arange(256, dtype=np.uint8)
    check_array(centred(every_value), (np.arange(256) - 128) / 128, "centred(the pixels 0 to 255)",
                "(pixel - 128) / 128")


# Lesson 2, exercise 2.4: an epoch shuffled, then cut into batches, put right from
# shuffled_batches_buggy.

def check_shuffled_batches(shuffled_batches, x, t):
    """``shuffled_batches(x, t, batch_size, rng)`` must cut one epoch, shuffled with ``rng``,
    into (x_batch, t_batch) pairs: every example once, beside its own label, the last incomplete
    batch left out, the caller's arrays unchanged. Then, on real images ``x`` with their one-hot
    labels ``t`` (1000 of them), every image must stay beside its own label.

    Most checks run on examples whose image and label are both their own number: a pair that
    does not match shows at once. With the bug left in (two permutations), the message says what
    the learner can see and where to look, not the fix.
    """
    def labels_of(batches):
        return np.concatenate([np.asarray(t_batch) for _, t_batch in batches])

    ids = np.arange(1000)
    x_ids = np.repeat(ids[:, None], 3, axis=1)  # row k holds the number k, and so does its label
    try:
        batches = shuffled_batches(x_ids, ids, 100, np.random.default_rng(0))
    except TypeError as error:
        if "NoneType" not in str(error):
            raise
        raise AssertionError(f"shuffled_batches raised TypeError ({error}): rng.shuffle shuffles an "
                             "array in place and returns None; rng.permutation(len(x)) returns shuffled "
                             "indices") from None
    check_true(batches is not None,
               "shuffled_batches returned None: did it forget to `return` the list?")
    batches = list(batches)
    check_true(len(batches) > 0,
               "shuffled_batches gave no batch at all for 1000 examples. Is your order None? "
               "rng.shuffle shuffles in place and returns None, and x[None] is x with a new axis of "
               "length 1 in front; rng.permutation(len(x)) returns shuffled indices")
    check_true(all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in batches),
               "shuffled_batches should return a list of pairs (x_batch, t_batch), one pair per batch")
    check_true(np.array_equal(x_ids[:, 0], ids) and np.array_equal(ids, np.arange(1000)),
               "shuffled_batches changed the caller's x or t in place (rng.shuffle?): index them with "
               "a permutation instead, which makes shuffled copies")
    check_equal(len(batches), 10, "the number of batches in an epoch of 1000 with batch size 100")
    x_rows = np.concatenate([np.asarray(x_batch)[:, 0] for x_batch, _ in batches])
    t_rows = labels_of(batches)
    # The bug left in, however it is written: as with shuffled_batches_buggy, every image and
    # every label comes once, in a shuffled order, and yet an image is not beside its own label.
    apart = np.flatnonzero(x_rows != t_rows) if x_rows.shape == t_rows.shape else []
    if len(apart) and all(np.array_equal(np.sort(rows), ids) and not np.array_equal(rows, ids)
                          for rows in (x_rows, t_rows)):
        raise AssertionError(
            f"shuffled_batches still shuffles like shuffled_batches_buggy: every image and every label "
            f"comes once, but not side by side; e.g. example {x_rows[apart[0]]}'s image sits beside "
            f"example {t_rows[apart[0]]}'s label. Follow one example through the lines that shuffle x "
            "and t: where do its image and its label end up?")
    check_true(np.array_equal(x_rows, t_rows),
               "the images and the labels were shuffled in different orders, so a batch pairs images "
               "with other images' labels: draw one permutation and index both x and t with it")
    check_true(np.array_equal(np.sort(t_rows), ids),
               "an epoch without replacement has every example exactly once, but yours repeats some "
               "and misses others: shuffle with rng.permutation, not by drawing with rng.choice")
    check_true(not np.array_equal(t_rows, ids), "the examples come in their original order: shuffle them")
    again = labels_of(shuffled_batches(x_ids, ids, 100, np.random.default_rng(0)))
    check_true(np.array_equal(again, t_rows),
               "two generators with the same seed gave different epochs: shuffle with the rng you are "
               "given, not with np.random")
    other = labels_of(shuffled_batches(x_ids, ids, 100, np.random.default_rng(1)))
    check_true(not np.array_equal(other, t_rows),
               "two generators with different seeds gave the same epoch: shuffle with the rng you are "
               "given, not with a generator of your own")
    uneven = list(shuffled_batches(x_ids[:950], ids[:950], 100, np.random.default_rng(2)))
    sizes = sorted({len(np.asarray(x_batch)) for x_batch, _ in uneven})
    check_true(len(uneven) == 9 and sizes == [100],
               f"an epoch of 950 examples in batches of 100 has 9 batches of 100 (the last 50 examples "
               f"are left out, as in exercise 2.2), yours has {len(uneven)} of {sizes} examples")
    # The real images and their one-hot labels: every image keeps its own label.
    label_of = {row.tobytes(): label for row, label in zip(x, np.asarray(t).argmax(axis=1))}
    real = list(shuffled_batches(x, t, 100, np.random.default_rng(1)))
    check_true(all(label_of.get(row.tobytes()) == label for x_batch, t_batch in real
                   for row, label in zip(x_batch, np.asarray(t_batch).argmax(axis=1))),
               "on the real training images, some batches pair an image with another image's label")


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
        # Section 1's code computes with the notebook's own W1, b1, W2, b2: copied into forward,
        # it ignores the params it is given.
        others = {key: 2 * value + 0.1 for key, value in p.items()}
        try:
            with_others = forward(x, others)
        except Exception:  # noqa: BLE001 - any failure here means forward does read params
            with_others = None
        check_true(with_others is None or not np.allclose(np.asarray(with_others, dtype=float), yours),
                   "your forward gives the same scores whatever params it is given: compute from "
                   "params[\"W1\"], params[\"b1\"], params[\"W2\"] and params[\"b2\"], not from the "
                   "notebook's W1, b1, W2, b2 (section 1's network) or network.predict")
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
    check_array(scores, before, "`a` after your function", "`a` before it (do not change it in "
                "place: write `a - ...`, not `a -= ...`)")
    check_true(yours is not None, "your softmax returned None: did it forget to `return`?")
    yours = np.asarray(yours)
    down_columns = np.exp(scores - scores.max(axis=0))
    down_columns /= down_columns.sum(axis=0)
    check_true(yours.shape != scores.shape or not np.allclose(yours, down_columns),
               "you worked along axis=0, down the columns: each row is one example's scores, so "
               "take the max and the sum of each row, axis=1 (with keepdims=True)")
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
    if n != classes:  # len(scores[0]) or scores.shape[1] for N
        wrong[f"you divided by the number of classes, {classes}: divide by the number of examples, "
              f"N = {n} (the rows)"] = expected * n / classes
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
        "that is log base 2: the loss uses the natural logarithm, np.log": np.log2(n_classes),
        "check the sign: -log(1/n) is positive": -np.log(n_classes),
    }
    for mistake, value in wrong.items():
        check_true(not np.isclose(yours, value, rtol=1e-3), f"{yours:.4g} for {n_classes} classes: "
                   + mistake)
    # Section 5's number, typed in or rounded (2.3): right for 10 classes only.
    check_true(n_classes == 10 or not np.isclose(yours, np.log(10), rtol=0.01),
               f"{yours:.4g} for {n_classes} classes: that is about ln 10, the loss for 10 digits. "
               "Compute your prediction from n_classes")
    raise AssertionError(f"you expect {yours:.4g} for {n_classes} classes, but an untrained "
                         f"network measures {measured:.4g}: what probability does each class get?")


# Lesson 5: a learner's backward passes against numerical gradients, with the usual mistakes
# named (wrong sign, a forgotten / N, a transposed matrix, the gradient of the wrong thing).

def check_gradient(yours, expected, name, wrt, formula, batch_size=None, others=None,
                   rtol=1e-5, atol=1e-7):
    """check_array for a gradient: also names a transposed shape, a factor N and a mix-up.

    wrt: what it is the gradient of ("W"); formula: the right rule, shown with every hint.
    others: {description: array} of gradients it is easily confused with.
    """
    if yours is None:
        raise AssertionError(f"{name} is None: did backward forget to compute or `return` it? "
                             f"{formula}")
    yours, expected = np.asarray(yours, dtype=float), np.asarray(expected, dtype=float)
    for description, other in (others or {}).items():
        other = np.asarray(other)
        if (yours.shape == other.shape and np.allclose(yours, other, rtol=rtol, atol=atol)
                and not (other.shape == expected.shape and np.allclose(other, expected))):
            raise AssertionError(f"{name} is {description}, not the gradient with respect to "
                                 f"{wrt}: {formula}")
    if yours.shape != expected.shape:
        raise AssertionError(f"{name} has shape {yours.shape} but {wrt} has shape "
                             f"{expected.shape}{_shape_hint(yours, expected, batch_size)} A "
                             f"gradient has the shape of what it is the gradient of: {formula}")
    try:
        check_array(yours, expected, name, "the numerical gradient", rtol=rtol, atol=atol)
    except AssertionError as error:
        raise AssertionError(f"{error}{_batch_hint(yours, expected, batch_size)}. "
                             f"{formula}") from None


def _shape_hint(yours, expected, batch_size):
    """Guess why a gradient has the wrong shape; always ends a sentence."""
    if yours.ndim == 2 and yours.shape == expected.shape[::-1]:
        return ": is it transposed?"
    if yours.ndim == 0 and expected.ndim:
        return ": did you sum over every axis, not only over the batch (axis=0)?"
    if yours.ndim == 1 and expected.ndim == 1 and batch_size and yours.shape == (batch_size,):
        return (f": one number per example (N = {batch_size}), summed over the wrong axis? "
                "Summing over the batch is axis=0.")
    return "."


def _batch_hint(yours, expected, batch_size):
    """Name a factor of exactly N or 1/N: the batch size, forgotten or divided by twice."""
    nonzero = np.abs(expected) > 1e-12
    if not batch_size or batch_size == 1 or not nonzero.any():
        return ""
    ratios = yours[nonzero] / expected[nonzero]
    if np.allclose(ratios, batch_size, rtol=1e-3):
        return (f" (N = {batch_size} times too large: did you forget to divide by the batch "
                "size N?)")
    if np.allclose(ratios, 1 / batch_size, rtol=1e-3):
        return (f" (N = {batch_size} times too small: did you divide by the batch size N where "
                "nothing should be divided, or twice?)")
    return ""


def _numerical_backward(forward, array, dout):
    """Numerical gradient of sum(forward() * dout) with respect to ``array`` (nudged in place).

    That sum is a stand-in loss whose gradient with respect to the layer's output is exactly
    dout, so its gradient with respect to the input or a weight is what backward must return.
    """
    from .gradient import numerical_gradient
    return numerical_gradient(lambda _: float(np.sum(forward() * dout)), array)


def check_affine_backward(layer_class, seed=0):
    """Check ``layer_class(W, b)``'s backward (dx returned, dW and db kept) in float64."""
    rng = np.random.default_rng(seed)
    N, D, M = 5, 4, 3                       # all different, so a mix-up shows in the shapes
    for x_shape in ((N, D), (N, 2, 2)):     # rows, then "images" that forward flattens
        x, W, b = rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)
        dout = rng.standard_normal((N, M))
        layer = layer_class(W, b)
        layer.forward(x.copy())
        try:                                # a copy, so an in-place answer is checked fairly
            dx = layer.backward(dout.copy())
        except ValueError as error:         # e.g. dout @ W: (N, M) @ (D, M) does not fit
            raise AssertionError(
                f"backward raised ValueError: {error}. The shapes of a product do not fit: "
                f"x is (N, D) = {(N, D)}, W is (D, M) = {(D, M)} and dout is (N, M) = "
                f"{(N, M)}, so dW = x.T @ dout is (D, N) @ (N, M) and dx = dout @ W.T is "
                "(N, M) @ (M, D)") from None
        numerical_dW = _numerical_backward(lambda: layer_class(W, b).forward(x), W, dout)
        numerical_db = _numerical_backward(lambda: layer_class(W, b).forward(x), b, dout)
        numerical_dx = _numerical_backward(lambda: layer_class(W, b).forward(x), x, dout)
        flat_x = x.reshape(N, -1)
        check_gradient(layer.dW, numerical_dW, "dW (self.dW after backward)", "W",
                       "dW = x.T @ dout, shape (D, M) like W", N,
                       {"the gradient with respect to x": numerical_dx})
        check_gradient(layer.db, numerical_db, "db (self.db after backward)", "b",
                       "db = dout.sum(axis=0): b is added to every row, so its gradient "
                       "sums over the batch", N)
        if dx is not None and np.shape(dx) == (N, D) and x.ndim > 2:
            raise AssertionError(f"dx has shape {np.shape(dx)} but x has shape {x.shape}: "
                                 "reshape it back, dx.reshape(*self.original_x_shape)")
        check_gradient(dx, numerical_dx, "dx (what backward returns)", "x",
                       "dx = dout @ W.T, shape (N, D) like x", N,
                       {"dW": numerical_dW, "x.T @ dout": flat_x.T @ dout})


def check_sigmoid_backward(layer_class, seed=0):
    """Check ``layer_class()``'s backward(dout) against numerical gradients in float64."""
    rng = np.random.default_rng(seed)
    x, dout = 2 * rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    layer = layer_class()
    out = np.array(layer.forward(x.copy()), dtype=float)
    dx = layer.backward(dout.copy())        # a copy: an in-place answer may change it
    numerical = _numerical_backward(lambda: layer_class().forward(x.copy()), x, dout)
    twice = 1 / (1 + np.exp(-out))          # the sigmoid applied to its own output again
    check_gradient(dx, numerical, "dx (what backward returns)", "x",
                   "dx = dout * out * (1 - out), with out the sigmoid's output from forward", 5,
                   {"the local derivative out * (1 - out) alone, not multiplied by dout (chain "
                    "rule: multiply by dout)": out * (1 - out),
                    "dout * x * (1 - x), with the input x where the output out belongs":
                    dout * x * (1 - x),
                    "dout * s * (1 - s) with s = sigmoid(out): the sigmoid applied twice (out "
                    "already is the sigmoid's output, use it as it is)": dout * twice * (1 - twice)})


def check_relu_backward(layer_class, seed=0):
    """Check ``layer_class()``'s backward(dout), away from the kink at 0, in float64."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5, 4))
    x += 0.2 * np.sign(x)                   # |x| >= 0.2: central differences never cross 0
    dout = rng.standard_normal((5, 4))
    layer = layer_class()
    layer.forward(x.copy())
    dx = layer.backward(dout.copy())
    numerical = _numerical_backward(lambda: layer_class().forward(x.copy()), x, dout)
    check_gradient(dx, numerical, "dx (what backward returns)", "x",
                   "dx = dout where x > 0 and 0 where x <= 0 (dout[self.mask] = 0)", 5,
                   {"dout unchanged (nothing zeroed where x <= 0)": dout,
                    "dout where x <= 0 and 0 elsewhere: the mask is inverted": dout * (x <= 0)})


def check_softmax_with_loss_backward(layer_class, seed=0):
    """Check ``layer_class()``: forward(x, t) returns the mean loss, backward() its gradient."""
    from .functions import softmax
    rng = np.random.default_rng(seed)
    N, C = 5, 3
    x, t = rng.standard_normal((N, C)), np.eye(C)[rng.integers(0, C, N)]
    layer = layer_class()
    layer.forward(x.copy(), t)
    dx = layer.backward()
    numerical = _numerical_backward(lambda: layer_class().forward(x.copy(), t), x, np.ones(()))
    y = softmax(x)
    check_gradient(dx, numerical, "dx (what backward returns)", "x",
                   "dx = (y - t) / N, with N = len(t) the batch size", N,
                   {"y / N: the softmax output without subtracting t": y / N,
                    "y: the softmax output without subtracting t (and not divided by N)": y})


TWO_LAYER_FORMULAS = {
    "W2": "dW2 = z1.T @ delta2, with delta2 = (y - t) / N",
    "b2": "db2 = delta2.sum(axis=0)",
    "W1": "dW1 = x.T @ delta1, with delta1 = (delta2 @ W2.T) * z1 * (1 - z1)",
    "b1": "db1 = delta1.sum(axis=0), with delta1 = (delta2 @ W2.T) * z1 * (1 - z1)",
}


def check_two_layer_gradient(gradient_function, x, t, hidden_size=10, seed=0):
    """Check gradient_function(params, x, t) -> {'W1', 'b1', 'W2', 'b2'} for a sigmoid network.

    The reference is TwoLayerNet's numerical gradient in float64 on the same params.
    """
    from .two_layer_net import TwoLayerNet
    x, t = np.asarray(x, dtype=np.float64), np.asarray(t)
    network = TwoLayerNet(x.shape[1], hidden_size, t.shape[1], weight_init_std=0.1,
                          activation="sigmoid", seed=seed, dtype=np.float64)
    params = {key: value.copy() for key, value in network.params.items()}
    yours = gradient_function(params, x.copy(), t.copy())
    if not isinstance(yours, dict) or sorted(yours) != sorted(network.params):
        raise AssertionError("your function should return a dict with the keys 'W1', 'b1', "
                             f"'W2', 'b2', like network.params; it returned {yours!r:.80}")
    numerical = network.numerical_gradient(x, t)
    for key in ("W2", "b2", "W1", "b1"):   # in the order backprop computes them
        check_gradient(yours[key], numerical[key], f"your {key} gradient", key,
                       TWO_LAYER_FORMULAS[key], len(x))


def check_assembled_from_layers(gradient_function, x, t,
                                names=("MyAffine", "MySigmoid", "MySoftmaxWithLoss")):
    """check_two_layer_gradient for a gradient built from the notebook's layer classes.

    While it runs, the course's layers (counted) stand in for the classes ``names`` that
    gradient_function finds in its own globals: a mistake in the exercises that wrote those
    classes does not count against this one, and a gradient got some other way is noticed.
    """
    from . import layers
    namespace = gradient_function.__globals__
    calls = dict.fromkeys(names, 0)

    def counted(name, real):
        def backward(self, *args, **kwargs):
            calls[name] += 1
            return real.backward(self, *args, **kwargs)
        return type(name, (real,), {"backward": backward})

    real = dict(zip(names, (layers.Affine, layers.Sigmoid, layers.SoftmaxWithLoss)))
    saved = {name: namespace[name] for name in names if name in namespace}
    namespace.update({name: counted(name, layer) for name, layer in real.items()})
    try:
        check_two_layer_gradient(gradient_function, x, t)
    except ValueError as error:             # shapes that do not fit: a layer out of turn
        raise AssertionError(f"your function raised ValueError: {error}. Do the forward passes "
                             "run in order and the backward passes in reverse, each layer "
                             "getting what the one after it returned?") from None
    finally:
        for name in names:
            namespace.pop(name)
        namespace.update(saved)
    expected = dict(zip(names, (2, 1, 1)))
    if calls != expected:
        counts = ", ".join(f"{name}.backward {count} times" for name, count in calls.items())
        raise AssertionError(
            f"the gradient is right, but your function called {counts}; built from the layers it "
            "calls each layer's backward once, in reverse: " + ", ".join(
                f"{name}.backward {count} times" for name, count in expected.items())
            + ". Assemble it from the layers as in section 5, not from the formulas")


# Lesson 4, exercise 4.1: central differences for an array of any shape.

def check_central_difference_gradient(gradient_function, f, x, h=1e-4):
    """``gradient_function(f, x)`` must give the central differences of ``f`` at the float64
    array ``x``, of any shape, and put every entry of ``x`` back.

    The comparison is tight (1e-7, relative), so that forward differences, whose error shrinks
    only like h, fail instead of passing as nearly right.
    """
    from .gradient import numerical_gradient
    before = x.copy()
    try:
        yours = gradient_function(f, x)
    except IndexError as error:  # section 2's range(x.size) and x[i], on a 2-D array
        raise AssertionError(
            f"your function raised IndexError ({error}) for x of shape {x.shape}: on a "
            f"{x.ndim}-D array x[i] is not one entry, and i in range(x.size) runs past the first "
            "axis. Visit every entry with `for index in np.ndindex(x.shape):` and x[index]") from None
    check_true(yours is not None, "your function returned None: did it forget to `return grad`?")
    check_array(x, before, "x after your function", "x before it (put every entry back)",
                rtol=0, atol=1e-12)
    yours = np.asarray(yours, dtype=float)
    check_true(yours.shape == x.shape, f"your gradient has shape {yours.shape}, but x has shape "
               f"{x.shape}: one partial derivative per entry, each from nudging that entry alone")
    expected = numerical_gradient(f, before.copy(), h)
    if not np.allclose(yours, expected, rtol=1e-7, atol=1e-9):
        forward = np.zeros(x.shape)
        for index in np.ndindex(x.shape):
            nudged = before.copy()
            nudged[index] += h
            forward[index] = (f(nudged) - f(before)) / h
        check_true(not np.allclose(yours, forward, rtol=1e-7, atol=1e-9),
                   "your gradient is the forward difference (f(x + h) - f(x)) / h, close but less "
                   "accurate (its error shrinks like h, not h²): central differences nudge both "
                   "ways, (f(x + h) - f(x - h)) / (2 * h)")
        check_true(not np.allclose(yours, expected * h * h, rtol=1e-6, atol=1e-15),
                   "your gradient is h² times too small: `/ 2 * h` divides by 2, then multiplies "
                   "by h; write `/ (2 * h)`")
    check_array(yours, expected, "your gradient", "central differences "
                "(helpers.gradient.numerical_gradient)", rtol=1e-7, atol=1e-9)


# Lesson 4, exercise 4.2 (it leads to this lesson): the gradient of a network's loss by central
# differences, told apart from backprop, forward differences and every parameter's gradient.

def check_numerical_loss_gradient(function, network, x, t, key):
    """Check function(network, x, t, key) against central differences, counting loss calls."""
    from .gradient import numerical_gradient
    before = {name: value.copy() for name, value in network.params.items()}
    calls, backprops = [], []

    def counted_loss(*args, **kwargs):
        given = args[0] if args else kwargs.get("x")
        if len(args) + len(kwargs) != 2:
            raise AssertionError(
                f"network.loss was called with {len(args) + len(kwargs)} argument(s); it takes two, "
                "network.loss(x, t), the images and their labels, and reads the weights from "
                "network.params. A numerical gradient calls f(W) with the array it nudges, so give "
                "it a function of W that calls network.loss(x, t): lambda W: network.loss(x, t)")
        if np.shape(given) != np.shape(x):
            raise AssertionError(
                f"network.loss was given an array of shape {np.shape(given)} where the images go "
                f"(x has shape {np.shape(x)}): call network.loss(x, t) with the batch. It reads the "
                "weights from network.params, so the function you differentiate may ignore its "
                "argument: lambda W: network.loss(x, t)")
        calls.append(1)
        return type(network).loss(network, *args, **kwargs)

    network.loss = counted_loss
    network.loss_and_gradient = (lambda *args: backprops.append(1)
                                 or type(network).loss_and_gradient(network, *args))
    try:
        yours = function(network, x, t, key)
    finally:
        del network.loss, network.loss_and_gradient  # the class's own methods again
    for name in before:
        check_array(network.params[name], before[name], f"params['{name}'] after your function",
                    "before it (put every entry back)")
    if isinstance(yours, dict):
        raise AssertionError(f"your function returned a dict with the keys {sorted(yours)}: "
                             f"return only the gradient for params[{key!r}], one array")
    size = network.params[key].size
    if backprops:
        raise AssertionError("your function called network.gradient, which is backpropagation "
                             "(lesson 5); here the gradient comes from nudging the parameters and "
                             "calling network.loss")
    if len(calls) != 2 * size:
        if not calls:
            why = ("never: network.gradient is backpropagation (lesson 5); here the gradient "
                   "comes from nudging the parameters and calling network.loss")
        elif len(calls) == 1:
            why = ("once: a loss computed before the nudges never sees them. The function you "
                   "differentiate must call network.loss each time it is called: "
                   "lambda W: network.loss(x, t)")
        elif len(calls) == size + 1:
            why = ("once per entry plus once: forward differences, (f(x + h) - f(x)) / h; use "
                   "central differences, (f(x + h) - f(x - h)) / (2 h)")
        elif len(calls) > 2 * size:
            why = (f"more often than that: nudge only params[{key!r}] (network.numerical_gradient "
                   "computes the gradient of every parameter)")
        else:
            why = "a different number of times"
        raise AssertionError(f"central differences call network.loss twice per entry of "
                             f"params[{key!r}], 2 × {size} = {2 * size} times; your function "
                             f"called it {len(calls)} time{'' if len(calls) == 1 else 's'}, {why}")
    check_true(yours is None or np.any(np.asarray(yours) != 0), "your gradient is all zeros: "
               "nudge the array in network.params itself, not a copy, since network.loss reads "
               "the params from there")
    expected = numerical_gradient(lambda _: network.loss(x, t), network.params[key])
    check_array(yours, expected, f"your gradient of the loss for {key}",
                "central differences (helpers.gradient.numerical_gradient)", rtol=1e-6, atol=1e-9)


# Lesson 4, exercise 4.3: a numerical gradient fixed, with the bugs that spoil it named.

def _entry(index):
    return f"[{', '.join(str(int(i)) for i in index)}]"


def check_fixed_gradient(gradient_function, h=1e-4, seed=0):
    """``gradient_function(f, x, h)`` must give central differences of ``f`` at ``x``, nudging
    ``x`` itself entry by entry and putting each entry back before the next one is nudged.

    The loss here is softmax cross-entropy of v @ W, whose entries interact: an entry left
    nudged spoils the partial derivatives computed after it, though not the first one.
    """
    from .functions import cross_entropy_error, softmax
    from .gradient import numerical_gradient
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((3, 4))
    v = rng.standard_normal(3)
    t = np.eye(4)[2]

    def loss(weights):
        return cross_entropy_error(softmax(v @ weights), t)

    before = W.copy()
    yours = gradient_function(loss, W, h)
    check_true(yours is not None, "your function returned None: did it forget to `return grad`?")
    yours = np.asarray(yours, dtype=float)
    check_equal(yours.shape, W.shape, "the shape of your gradient")
    expected = numerical_gradient(loss, before.copy(), h)
    off = ~np.isclose(yours, expected, rtol=1e-6, atol=1e-9)
    moved = W - before
    left_nudged = not np.allclose(W, before, rtol=0, atol=1e-12)
    if off.any() and not off.flat[0]:
        worst = np.unravel_index(np.argmax(np.abs(yours - expected)), W.shape)
        # The symptom and where to look, not the fix: finding it is the exercise.
        message = (f"the first entry of your gradient is right, but entries after it are off, by up "
                   f"to {abs(yours - expected)[worst]:.1e} at {_entry(worst)}: the bug is still "
                   "there. What is different when the first entry is computed from when the later "
                   "ones are? Print x before each entry is nudged")
        if left_nudged:
            message += (f". After your function, x[0, 0] is {moved[0, 0]:+.0e} away from where it "
                        "was")
        raise AssertionError(message)
    if off.any():
        forward = np.zeros(W.shape)
        for index in np.ndindex(W.shape):
            nudged = before.copy()
            nudged[index] += h
            forward[index] = (loss(nudged) - loss(before)) / h
        if np.allclose(yours, forward, rtol=1e-6, atol=1e-9):
            raise AssertionError("your gradient is the forward difference (f(x + h) - f(x)) / h: "
                                 "central differences nudge both ways, (f(x + h) - f(x - h)) / (2h)")
        if np.allclose(yours, forward / 2, rtol=1e-6, atol=1e-9):
            raise AssertionError("your gradient is half the forward difference: f_minus is f at x "
                                 "itself, not at x - h. Nudge x[idx] down to its original value "
                                 "minus h before computing f_minus")
        check_array(yours, expected, "your gradient", "central differences", rtol=1e-6, atol=1e-9)
    check_true(not left_nudged, f"your gradient is right, but x has changed: after your function "
               f"x[0, 0] is {moved[0, 0]:+.0e} away from where it was. Put every entry back as it "
               "was, or the caller's weights are spoiled")
    # A network's loss reads its weights from network.params, not from its argument: the
    # gradient must come from nudging x itself, not a copy of it.
    shared = rng.standard_normal((3, 4))
    expected = numerical_gradient(loss, shared.copy(), h)
    yours = gradient_function(lambda _: loss(shared), shared, h)
    check_true(yours is not None and np.any(np.asarray(yours) != 0),
               "for a function that reads x from elsewhere (as network.loss reads network.params) "
               "your gradient is all zeros: nudge x itself, not a copy of it")
    check_array(yours, expected, "your gradient of a function that reads x from elsewhere",
                "central differences", rtol=1e-6, atol=1e-9)


# Lesson 6, exercise 6.3: an SGD loop put right from buggy_sgd_steps, step by step against
# helpers.train on the same mini-batches.

def check_sgd_steps(sgd_steps, x, t):
    """``sgd_steps(network, x, t, learning_rate, steps, seed=...)`` must move every parameter as
    helpers.train moves it, on the same mini-batches, and return the loss of each mini-batch
    measured before its update. Returns the losses of its 20 steps at a learning rate of 0.5.

    x, t: real training images and their one-hot labels. With the bug left in (network.params
    unchanged), the message says what the learner can see and where to look, not the fix.
    """
    from .train import train
    from .two_layer_net import TwoLayerNet
    check_true("train" not in sgd_steps.__code__.co_names,
               "sgd_steps calls train: put the wrong line of buggy_sgd_steps right instead (this test "
               "compares your function with helpers.train, so calling it proves nothing)")
    yours, reference = (TwoLayerNet(784, 50, 10, activation="relu", seed=0) for _ in range(2))
    start = {key: value.copy() for key, value in yours.params.items()}

    # One step, at a learning rate of 0.05: each parameter must move as helpers.train moves it.
    sgd_steps(yours, x, t, learning_rate=0.05, steps=1, seed=1)
    train(reference, x, t, iters_num=1, batch_size=100, learning_rate=0.05, seed=1, progress=False)
    # The bug left in, however it is written: as after buggy_sgd_steps, no parameter has moved.
    check_true(any(not np.array_equal(yours.params[key], start[key]) for key in start),
               "sgd_steps still behaves like buggy_sgd_steps: after a step, every array in "
               "network.params holds the same numbers as before, so the loss cannot fall. Look at the "
               "line that is meant to change them: what does it change instead?")
    for key in ("W1", "b1", "W2", "b2"):
        check_true(not np.array_equal(yours.params[key], start[key]),
                   f"network.params[{key!r}] did not change: did you rebind a name (param = param - "
                   f"...) instead of updating the array that network.params holds (param -= ...), or "
                   f"leave {key!r} out?")
        moved = (yours.params[key] - start[key]).astype(float)
        step = (reference.params[key] - start[key]).astype(float)
        along = np.vdot(moved, step) / np.vdot(step, step)   # yours, in steps of helpers.train's length
        same_direction = np.allclose(moved, along * step, rtol=1e-3, atol=1e-8)
        check_true(not (same_direction and along < 0),
                   f"your step moved network.params[{key!r}] uphill, along the gradient: check the sign")
        check_true(not same_direction or abs(along - 1) < 0.01,
                   f"your step moved network.params[{key!r}] {along:.3g} times as far as "
                   "helpers.train's: use the learning_rate the function is given")
        check_array(moved, step, f"how your step moved network.params[{key!r}]",
                    "-learning_rate * the gradient on the mini-batch drawn as buggy_sgd_steps draws it "
                    "(helpers.train's step)",
                    rtol=1e-3, atol=1e-8)

    # Twenty more steps, at 0.5: the same losses as helpers.train records, each before its update.
    expected = train(reference, x, t, iters_num=20, batch_size=100, learning_rate=0.5,
                     seed=2, progress=False).train_loss_list
    losses = sgd_steps(yours, x, t, learning_rate=0.5, steps=20, seed=2)
    check_true(losses is not None and np.ndim(losses) == 1 and len(losses) == 20,
               f"sgd_steps(..., steps=20) should return a list of 20 losses, not {losses!r:.60}")
    for i, (mine, theirs) in enumerate(zip(losses, expected)):
        check_true(np.isclose(mine, theirs, rtol=1e-4),
                   f"the losses sgd_steps returned are not helpers.train's from step {i} on (yours "
                   f"{float(mine):.4f}, expected {theirs:.4f}): measure each mini-batch's loss before "
                   "its update, and draw the batches as buggy_sgd_steps does")
    return losses
