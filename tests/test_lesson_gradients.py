"""What lesson 4 teaches about numerical gradients, checked on the real MNIST we ship.

- In float64, central differences and backprop agree closely: that is the gradient check.
- In float32, central differences with the book's h = 1e-4 are badly wrong on W1: the loss is
  stored in steps larger than the change a nudge of W1 makes.
- The step h with the smallest error is near ε^(1/3), for float64 and float32 alike, and the
  error there is about ε^(2/3) (exercise 4.4's model answer).
- Exercise 4.3's test cell passes the fixed gradient and names each usual mistake, the
  lesson's own bug (an entry left nudged) first.

The numerical gradient is computed here with helpers.gradient.numerical_gradient on each
network's own ``loss``, so the dtype of the arithmetic is the network's, whatever
TwoLayerNet.numerical_gradient does.
"""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers.gradient import numerical_gradient, relative_error
from helpers.two_layer_net import TwoLayerNet

KEYS = ("W1", "b1", "W2", "b2")


def central_differences(network, x, t, h=1e-4):
    """The numerical gradient of network.loss(x, t), computed in the network's dtype."""
    return {key: numerical_gradient(lambda _: network.loss(x, t), network.params[key], h=h)
            for key in KEYS}


def twin_networks(hidden=10, seed=0, **options):
    """A float64 network and a float32 copy holding the same weights, rounded."""
    network64 = TwoLayerNet(784, hidden, 10, seed=seed, dtype=np.float64, **options)
    network32 = TwoLayerNet(784, hidden, 10, seed=seed, **options)
    for key in KEYS:
        network32.params[key] = network64.params[key].astype(np.float32)
    return network64, network32


@pytest.mark.parametrize("activation, weight_init_std", [
    ("sigmoid", 0.01), ("relu", 0.01), ("sigmoid", 0.1), ("relu", 0.1)])
def test_float64_central_differences_agree_with_backprop(mnist, activation, weight_init_std):
    (x_train, t_train), _ = mnist
    x, t = x_train[:10], t_train[:10]
    network = TwoLayerNet(784, 10, 10, weight_init_std=weight_init_std, activation=activation,
                          seed=1, dtype=np.float64)
    numerical = central_differences(network, x, t)
    backprop = network.gradient(x, t)
    for key in KEYS:
        assert numerical[key].dtype == np.float64
        assert relative_error(backprop[key], numerical[key]) < 1e-6, key
    # and the check can fail: a backprop W1 off by 1% is caught
    assert relative_error(1.01 * backprop["W1"], numerical["W1"]) > 1e-3


@pytest.mark.parametrize("seed", [0, 1])
def test_float32_central_differences_are_badly_wrong_on_W1(mnist, seed):
    (x_train, t_train), _ = mnist
    x, t = x_train[:10], t_train[:10]
    network64, network32 = twin_networks(seed=seed)            # the default initialisation
    reference = network64.gradient(x, t)
    float32_numerical = central_differences(network32, x, t, h=1e-4)
    float64_numerical = central_differences(network64, x, t, h=1e-4)

    assert relative_error(float32_numerical["W1"], reference["W1"]) > 1e-2
    # the same weights and h in float64 are fine, so the failure is float32's rounding ...
    assert relative_error(float64_numerical["W1"], reference["W1"]) < 1e-6
    # ... of the loss, not of backprop: float32 backprop agrees with float64 backprop
    assert max(relative_error(g, reference[key])
               for key, g in network32.gradient(x, t).items()) < 1e-5
    # why: a ±h nudge of W1 moves the loss by less than the float32 loss's rounding step
    change = 2 * 1e-4 * np.sqrt(np.mean(reference["W1"] ** 2))
    assert change < np.spacing(np.float32(network32.loss(x, t)))


def cube(x):
    return x * x * x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_best_h_is_near_the_cube_root_of_epsilon(dtype):
    """Central differences of x³ at 1 (derivative 3) over h from 1e-12 to 1."""
    h = np.logspace(-12, 0, 61).astype(dtype)
    x = dtype(1.0)
    error = np.abs(((cube(x + h) - cube(x - h)) / (2 * h)).astype(np.float64) - 3.0)
    best = float(h[np.argmin(error)])
    eps = float(np.finfo(dtype).eps)
    assert abs(np.log10(best / eps ** (1 / 3))) < np.log10(30), (best, eps ** (1 / 3))
    # the error really has a V shape: both ends are far worse than the best
    assert error[0] > 100 * error.min() and error[-1] > 100 * error.min()
    # truncation to the right of the best: exactly h² (up to rounding) for x³
    right = h > 30 * best
    assert np.allclose(error[right], h[right].astype(np.float64) ** 2, rtol=0.05)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_smallest_error_is_about_epsilon_to_the_two_thirds(dtype):
    """Exercise 4.4's model answer: at the best h the error is about ε^(2/3)."""
    h = np.logspace(-12, 0, 61).astype(dtype)
    x = dtype(1.0)
    error = np.abs(((cube(x + h) - cube(x - h)) / (2 * h)).astype(np.float64) - 3.0)
    eps = float(np.finfo(dtype).eps)
    assert eps ** (2 / 3) / 10 < error.min() < 10 * eps ** (2 / 3)


# The lesson's own exercise cells, given a learner's answer: the right one passes, wrong ones
# are named by the test cell's message.

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "worked" / "04_gradients.ipynb"


@pytest.fixture(scope="module")
def cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def by_grade_id(cells, grade_id):
    return next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def run_exercise_4_3(cells, replace=()):
    """Exercise 4.3's solution, edited by (old, new) pairs, then its test cell, in a namespace
    that has only what the lesson's first code cell imports: no other exercise ran before."""
    solution = cells[by_grade_id(cells, "ex4-3-fixed-gradient")].source
    for old, new in replace:
        assert old in solution, old
        solution = solution.replace(old, new)
    namespace = {"np": np}
    exec(solution, namespace)
    exec(cells[by_grade_id(cells, "ex4-3-tests")].source, namespace)


def test_exercise_4_3s_right_answer_passes(cells):
    run_exercise_4_3(cells)


RESTORE = "        x[index] = original           # ... part 2: put it back before the next entry is nudged\n"
UP, DOWN = "        x[index] += h\n", "        x[index] -= 2 * h\n"


@pytest.mark.parametrize("replace, message", [
    # the bug left in: each entry stays nudged
    ([(RESTORE, "")], r"the first entry of your gradient is right, but entries after it are off, by up "
                      r"to .*: the bug is still there\. What is different when the first entry is "
                      r"computed .*After your function, x\[0, 0\] is -1e-04 away from where it was"),
    # put back only at the end, all at once
    ([(RESTORE, ""), ("    grad = np.zeros(x.shape)\n", "    grad, saved = np.zeros(x.shape), x.copy()\n"),
      ("    return grad\n", "    x[...] = saved\n    return grad\n")],
     r"the first entry of your gradient is right, but entries after it are off.*Print x before "
     r"each entry is nudged$"),
    # forward differences
    ([(DOWN, "        x[index] = original\n"), ("/ (2 * h)", "/ h")],
     r"your gradient is the forward difference \(f\(x \+ h\) - f\(x\)\) / h"),
    # a step down of h instead of 2h: f_minus is f(x)
    ([(DOWN, "        x[index] -= h\n")], r"half the forward difference: f_minus is f at x itself"),
    # nudging a copy: right for f(x), all zeros for network.loss
    ([("    grad = np.zeros(x.shape)\n", "    grad = np.zeros(x.shape)\n    x = x.copy()\n")],
     r"reads x from elsewhere .* your gradient is all zeros: nudge x itself, not a copy"),
    # put back, but to the wrong place
    ([(RESTORE, "        x[index] = original + h\n")],
     r"first entry of your gradient is right, but entries after it are off.*x\[0, 0\] is \+1e-04 away"),
    ([("    return grad\n", "")], r"returned None: did it forget to `return grad`\?"),
])
def test_exercise_4_3s_test_cell_names_the_mistake(cells, replace, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise_4_3(cells, replace)


def test_the_lessons_buggy_gradient_is_caught_and_named(cells):
    """The bug of the lesson's buggy_gradient is the one the test cell names."""
    from helpers.checks import check_fixed_gradient
    demo = next(c for c in cells if c.source.startswith("def buggy_gradient("))
    namespace = {}
    exec(demo.source.split("\n\n\nx_demo")[0], {"np": np}, namespace)
    with pytest.raises(AssertionError, match=r"first entry of your gradient is right, but entries "
                                             r"after it are off.*the bug is still there") as caught:
        check_fixed_gradient(namespace["buggy_gradient"])
    # The symptom and where to look, never the fix: finding it is the exercise.
    assert "put back" not in str(caught.value) and "x[idx] =" not in str(caught.value)


def test_exercise_4_4_is_answered_before_the_measurement(cells):
    """Predict, then run: the written answer comes before the cell that measures the error."""
    answer = by_grade_id(cells, "ex4-4-best-h")
    meta = cells[answer].metadata["nbgrader"]
    assert cells[answer].cell_type == "markdown" and meta["grade"] and not meta["locked"]
    measurement = next(i for i, c in enumerate(cells) if "central_difference_error(dtype, h_values)" in c.source)
    assert answer < measurement
    assert "### BEGIN SOLUTION" in cells[answer].source and "varepsilon^{1/3}" in cells[answer].source


@pytest.mark.parametrize("replace", [
    [(RESTORE, "        x[index] += h                 # a step back up: x as it was, up to rounding\n")],
    [(UP, "        x[index] = original + h\n"), (DOWN, "        x[index] = original - h\n")],
])
def test_exercise_4_3_accepts_right_answers_written_another_way(cells, replace):
    run_exercise_4_3(cells, replace)


def test_the_lessons_buggy_gradient_is_right_only_where_the_lesson_says(cells):
    """The demo's printout and its collapsed explanation: the first entry is right, and so is
    [1, 0], whose first row is shifted alike (softmax ignores that); the others are off."""
    demo = next(c for c in cells if c.source.startswith("def buggy_gradient("))
    namespace = {"np": np}
    exec("from helpers.gradient import numerical_gradient\n"
         "from helpers.functions import cross_entropy_error, softmax\n" + demo.source, namespace)
    difference = np.abs(namespace["buggy"] - namespace["right_gradient"])
    assert difference[0, 0] < 1e-9 and difference[1, 0] < 1e-9
    assert np.all(np.delete(difference.ravel(), [0, 3]) > 1e-7)
    explanation = cells[next(i for i, c in enumerate(cells) if c is demo) + 1:]
    answer = next(c for c in explanation if "what-you-should-see" in c.metadata.get("tags", []))
    assert "`[1, 0]`" in answer.source


WYSS_METADATA = {"jupyter": {"source_hidden": True}, "tags": ["what-you-should-see"]}


def test_exercise_4_3s_question_is_answered_after_its_test(cells):
    """The prose asks what differs for the first entry: a collapsed cell after the test answers."""
    after = cells[by_grade_id(cells, "ex4-3-tests") + 1]
    assert after.cell_type == "markdown" and after.metadata == WYSS_METADATA
    assert after.source.startswith("**What you should see**")
    assert "original = x[index]" in after.source


def run_exercise_4_1(cells, replace=()):
    """Exercise 4.1's solution, edited by (old, new) pairs, then its test cell."""
    from helpers.functions import cross_entropy_error, softmax
    solution = cells[by_grade_id(cells, "ex4-1-central-differences")].source
    for old, new in replace:
        assert old in solution, old
        solution = solution.replace(old, new)
    namespace = {"np": np, "cross_entropy_error": cross_entropy_error, "softmax": softmax}
    exec(solution, namespace)
    exec(cells[by_grade_id(cells, "ex4-1-tests")].source, namespace)


def test_exercise_4_1s_right_answer_passes(cells):
    run_exercise_4_1(cells)


BOOKS_1D = """def central_difference_gradient(f, x, h=1e-4):
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad
"""


@pytest.mark.parametrize("replace, message", [
    # forward differences pass a loose comparison: the test's is tight enough to name them
    ([("        x[index] = original - h\n        f_minus = f(x)\n",
       "        f_minus = f(x)\n        x[index] = original\n        f_minus, f_plus = f(x), f_plus\n"),
      ("(f_plus - f_minus) / (2 * h)", "(f_plus - f_minus) / h")],
     r"your gradient is the forward difference \(f\(x \+ h\) - f\(x\)\) / h"),
    ([("(2 * h)", "2 * h")], r"h² times too small: `/ 2 \* h` divides by 2, then multiplies by h"),
    ([("(2 * h)", "h")], r"it is 2 times the expected value everywhere"),
    ([("(f_plus - f_minus)", "(f_minus - f_plus)")], r"check the sign"),
    ([("        x[index] = original\n", "")],
     r"x after your function differs from x before it \(put every entry back\)"),
    ([("    return grad\n", "")], r"returned None"),
    ([("    return grad\n", "    return (f(x + h) - f(x - h)) / (2 * h)\n")],
     r"your gradient has shape \(\), but x has shape \(2, 3\): one partial derivative per entry"),
    # section 2's my_numerical_gradient (the book's 1-D version) on a matrix
    ([("", "")], r"raised IndexError .* for x of shape \(2, 3\).*np.ndindex\(x.shape\)"),
])
def test_exercise_4_1s_test_cell_names_the_mistake(cells, replace, message):
    if replace == [("", "")]:
        replace = [(cells[by_grade_id(cells, "ex4-1-central-differences")].source, BOOKS_1D)]
    with pytest.raises(AssertionError, match=message):
        run_exercise_4_1(cells, replace)


def test_exercise_4_1_accepts_nudging_a_copy_and_steps_back_up(cells):
    """Right answers written another way: 4.1's f reads its argument, so a nudged copy is fine
    (4.2 is where it is not); stepping back up restores x up to rounding."""
    run_exercise_4_1(cells, [("        f_plus = f(x)\n", "        f_plus = f(x.copy())\n")])
    run_exercise_4_1(cells, [("        x[index] = original\n", "        x[index] += h\n")])


# Exercise 4.2: the numerical gradient of a network's loss, mistakes named by the check

@pytest.fixture(scope="module")
def small_network_and_batch(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 5, 10, weight_init_std=0.1, seed=3, dtype=np.float64)
    return network, x_train[:2], t_train[:2]


RIGHT_4_2 = lambda network, x, t, key: numerical_gradient(lambda _: network.loss(x, t), network.params[key])  # noqa: E731


def wrong_4_2_loss_computed_once(network, x, t, key):
    loss = network.loss(x, t)
    return numerical_gradient(lambda _: loss, network.params[key])


WRONG_4_2 = {
    r"network.loss was called with 1 argument\(s\); it takes two, network.loss\(x, t\).*"
    r"lambda W: network.loss\(x, t\)":
        lambda network, x, t, key: numerical_gradient(network.loss, network.params[key]),
    r"network.loss was given an array of shape \(5, 10\) where the images go \(x has shape \(2, 784\)\)":
        lambda network, x, t, key: numerical_gradient(lambda W: network.loss(W, t), network.params[key]),
    r"your function called it 1 time, once: a loss computed before the nudges never sees them":
        wrong_4_2_loss_computed_once,
    r"your gradient is all zeros: nudge the array in network.params itself, not a copy":
        lambda network, x, t, key: numerical_gradient(lambda _: network.loss(x, t),
                                                      network.params[key].copy()),
    r"called network.gradient, which is backpropagation":
        lambda network, x, t, key: network.gradient(x, t)[key],
    r"called it 7970 times, more often than that: nudge only params\['W2'\]":
        lambda network, x, t, key: network.numerical_gradient(x, t)[key],
    r"returned a dict with the keys":
        lambda network, x, t, key: {key: RIGHT_4_2(network, x, t, key)},
}


def test_exercise_4_2s_right_answer_passes(small_network_and_batch):
    from helpers.checks import check_numerical_loss_gradient
    check_numerical_loss_gradient(RIGHT_4_2, *small_network_and_batch, "W2")


@pytest.mark.parametrize("mistake", WRONG_4_2)
def test_exercise_4_2s_check_names_the_mistake(small_network_and_batch, mistake):
    from helpers.checks import check_numerical_loss_gradient
    network, x, t = small_network_and_batch
    before = {key: value.copy() for key, value in network.params.items()}
    try:
        with pytest.raises(AssertionError, match=mistake):
            check_numerical_loss_gradient(WRONG_4_2[mistake], network, x, t, "W2")
    finally:   # a check interrupted mid-nudge may leave an entry moved: the next test needs none
        for key in before:
            network.params[key][...] = before[key]
    assert "loss" not in vars(network)   # the class's own loss again


@pytest.mark.parametrize("seed, activation", [(0, "sigmoid"), (1, "relu")])
def test_a_float32_network_passes_its_own_gradient_check(mnist, seed, activation):
    """The lesson's claim: TwoLayerNet.numerical_gradient computes in float64 whatever the
    network's dtype, so the float32 network that trains passes gradient_check."""
    from helpers.gradient import gradient_check
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 10, 10, seed=seed, activation=activation)
    assert network.params["W1"].dtype == np.float32
    assert max(gradient_check(network, x_train[:10], t_train[:10]).values()) < 1e-6
