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

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_gradients.ipynb"


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
                      r"to .*: is x\[idx\] put back after it was nudged, before the next entry is "
                      r"nudged\? .*After your function, x\[0, 0\] is -1e-04 away from where it was"),
    # put back only at the end, all at once
    ([(RESTORE, ""), ("    grad = np.zeros(x.shape)\n", "    grad, saved = np.zeros(x.shape), x.copy()\n"),
      ("    return grad\n", "    x[...] = saved\n    return grad\n")],
     r"the first entry of your gradient is right, but entries after it are off.*every other entry "
     r"where it was$"),
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
                                             r"after it are off.*is x\[idx\] put back"):
        check_fixed_gradient(namespace["buggy_gradient"])


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
