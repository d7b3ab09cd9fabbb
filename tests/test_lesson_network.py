"""Lesson 3's exercises: the notebook's solutions pass their checks, and the usual wrong answers
fail with a message that names the mistake. The written answers (3.4's why, 3.5) are graded by
hand, come where they must, lose their model answers in the student edition, and what 3.5's model
answer explains is what the lesson's cells compute."""
import re
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest

from helpers.checks import check_forward_pass, check_loss, check_softmax, check_untrained_loss
from helpers.functions import relu, sigmoid, softmax
from helpers.plot import plot_chain
from helpers.two_layer_net import TwoLayerNet

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "worked" / "03_network_and_loss.ipynb"
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


@pytest.fixture(scope="module")
def solutions():
    """The notebook's solution cells, run: {function name: function}."""
    namespace = {"np": np, "sigmoid": sigmoid, "softmax": softmax}
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            # The cell is the def line plus the solution; the student edition keeps only the def.
            exec(cell.source, namespace)
    return namespace


@pytest.fixture(scope="module")
def batch(mnist):
    (x_train, t_train), _ = mnist
    return x_train[:100], t_train[:100]


@pytest.fixture(scope="module")
def network():
    """A network whose biases are not zero, as in the exercise's test cell."""
    net = TwoLayerNet(784, 50, 10, weight_init_std=0.1, seed=1)
    rng = np.random.default_rng(1)
    for key in ("b1", "b2"):
        net.params[key][:] = rng.standard_normal(net.params[key].shape)
    return net


GIVEN_SCORES = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, -0.3], [-2.0, 3.0, 1.0], [1.5, 1.5, -0.5]])
GIVEN_T = np.eye(3)[[0, 2, 1, 1]]


def test_the_notebooks_solutions_pass(solutions, network, batch):
    x, t = batch
    check_forward_pass(solutions["forward"], network, x)
    check_softmax(solutions["stable_softmax"])
    check_loss(solutions["loss_from_scores"], GIVEN_SCORES, GIVEN_T)
    check_loss(solutions["loss_from_scores"], network.predict(x), t)
    for n_classes in (2, 10, 1000):
        untrained = TwoLayerNet(784, 50, n_classes, seed=n_classes)
        measured = untrained.loss(x, np.eye(n_classes)[t.argmax(axis=1) % n_classes])
        check_untrained_loss(solutions["untrained_loss"], n_classes, measured)


def layers(p, x):
    return x @ p["W1"] + p["b1"]


WRONG_FORWARD = {
    "you applied softmax": lambda x, p: softmax(sigmoid(layers(p, x)) @ p["W2"] + p["b2"]),
    "the sigmoid between the two Affine layers is missing": lambda x, p: layers(p, x) @ p["W2"] + p["b2"],
    "you used ReLU": lambda x, p: relu(layers(p, x)) @ p["W2"] + p["b2"],
    "no sigmoid after it": lambda x, p: sigmoid(sigmoid(layers(p, x)) @ p["W2"] + p["b2"]),
    "you forgot the biases b1 and b2": lambda x, p: sigmoid(x @ p["W1"]) @ p["W2"],
    "you forgot the bias b1": lambda x, p: sigmoid(x @ p["W1"]) @ p["W2"] + p["b2"],
    "you forgot the bias b2": lambda x, p: sigmoid(layers(p, x)) @ p["W2"],
    r"your forward\(x, params\) has shape \(100, 50\), but network.predict\(x\) has shape \(100, 10\)":
        lambda x, p: sigmoid(layers(p, x)),
    "forget to `return`": lambda x, p: None,
    r"raised ValueError .*the first layer is x @ W1, not W1 @ x or x @ W1.T":
        lambda x, p: sigmoid(x @ p["W1"].T + p["b1"]) @ p["W2"] + p["b2"],
    r"raised ValueError .*not aligned.*the first layer is x @ W1, not W1 @ x":
        lambda x, p: np.dot(sigmoid(np.dot(p["W1"], x) + p["b1"]), p["W2"]) + p["b2"],
    r"raised ValueError .*the second layer is z1 @ W2, .*not W2 @ z1":
        lambda x, p: p["W2"] @ sigmoid(layers(p, x)) + p["b2"],
    # The first layer is right here: the brackets are wrong, so only the shapes can be named.
    r"raised ValueError .*x \(100, 784\), W1 \(784, 50\), b1 \(50,\), W2 \(50, 10\), b2 \(10,\): "
    r"shapes don't fit: print the shape of each step":
        lambda x, p: sigmoid(x @ p["W1"]) + p["b1"] @ p["W2"] + p["b2"],
    r"your forward\(x, params\) differs from network.predict\(x\) by": lambda x, p: sigmoid(layers(p, x)) @ p["W2"] + 0.5 * p["b2"],
    # Section 1's code, copied: the notebook's own W1, b1, W2, b2, not the params given
    r"your forward gives the same scores whatever params it is given: compute from params\[\"W1\"\]":
        lambda x, p, section_1=TwoLayerNet(784, 50, 10, seed=0).params: (
            sigmoid(x @ section_1["W1"] + section_1["b1"]) @ section_1["W2"] + section_1["b2"]),
    "not from the notebook's W1, b1, W2, b2 .* or network.predict":
        lambda x, p, other=TwoLayerNet(784, 50, 10, seed=0): other.predict(x),
}


@pytest.mark.parametrize("mistake", WRONG_FORWARD)
def test_a_wrong_forward_pass_is_named(mistake, network, batch):
    with pytest.raises(AssertionError, match=mistake):
        check_forward_pass(WRONG_FORWARD[mistake], network, batch[0])


def naive(a):
    return np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)


def whole_matrix_max(a):
    return naive(a - a.max())


def sums_everything(a):
    exp = np.exp(a - a.max(axis=1, keepdims=True))
    return exp / exp.sum()


def in_place(a):
    a -= a.max(axis=1, keepdims=True)
    return naive(a)


def no_division(a):
    return np.exp(a - a.max(axis=1, keepdims=True))


def row_min(a):
    return naive(a - a.min(axis=1, keepdims=True))


def row_mean(a):
    return naive(a - a.mean(axis=1, keepdims=True))


def column_max(a):
    return naive(a - a.max(axis=0))


def along_columns(a):
    exp = np.exp(a - a.max(axis=0, keepdims=True))
    return exp / exp.sum(axis=0, keepdims=True)


def max_without_keepdims(a):
    return naive(a - a.max(axis=1))


def sum_without_keepdims(a):
    exp = np.exp(a - a.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1)


WRONG_SOFTMAX = {
    "exp\\(1000\\) overflows to inf": naive,
    # Both are right in exact arithmetic, and on any row that spans less than about 700.
    r"the scores \[ 1000\.     0\. -1000\.\] give \[nan nan  0\.\]: subtract each row's maximum "
    r"\(not its min or mean\)": row_min,
    r"give \[nan  0\.  0\.\]: subtract each row's maximum \(not its min or mean\)": row_mean,
    r"you subtracted each column's maximum \(axis=0\): subtract each row's maximum": column_max,
    r"you worked along axis=0, down the columns: .* axis=1": along_columns,
    r"shapes \(2,3\) \(2,\)\) for scores of shape \(2, 3\): did you forget keepdims=True\?":
        max_without_keepdims,
    "did you forget keepdims=True": sum_without_keepdims,
    "subtract each row's own maximum": whole_matrix_max,
    "each row should sum to 1": sums_everything,
    r"`a` after your function differs from `a` before it \(do not change it in place": in_place,
    "divide by the sum of each row": no_division,
    "forget to `return`": lambda a: None,
}


@pytest.mark.parametrize("mistake", WRONG_SOFTMAX)
def test_a_wrong_softmax_is_named(mistake):
    with pytest.raises(AssertionError, match=mistake):
        check_softmax(WRONG_SOFTMAX[mistake])


def test_a_shift_by_the_min_or_mean_is_right_until_a_row_is_wide():
    """Why check_softmax needs a row spanning 2000: on narrower rows these shifts give the right
    probabilities, so only such a row can tell them from the maximum."""
    narrow = np.array([[1000.0, 1010.0, 990.0], [0.3, 2.9, 4.0]])
    for shift in (row_min, row_mean):
        assert np.allclose(shift(narrow), softmax(narrow))


def log_y(scores, t):
    return t * np.log(softmax(scores))


WRONG_LOSS = {
    "yours is 4 times too large: average over the batch": lambda s, t: -np.sum(log_y(s, t)),
    "the loss is negative": lambda s, t: np.sum(log_y(s, t)) / len(s),
    "yours is 3 times too small: divide by the number of examples N": lambda s, t: -np.mean(log_y(s, t)),
    "one number": lambda s, t: -np.sum(log_y(s, t), axis=1),
    # Some scores are negative, so their log is NaN.
    r"your loss is nan: take the log of softmax\(scores\)": lambda s, t: -np.sum(t * np.log(s)) / len(s),
    "forget to `return`": lambda s, t: None,
    r"IndexError .*one-hot rows, shape \(4, 3\)":
        lambda s, t: -np.mean(np.log(softmax(s)[np.arange(len(s)), t])),
    r"you used log10: the loss uses the natural log, np.log":
        lambda s, t: -np.sum(t * np.log10(softmax(s))) / len(s),
    r"you used log2: the loss uses the natural log, np.log":
        lambda s, t: -np.sum(t * np.log2(softmax(s))) / len(s),
    r"you divided by the number of classes, 3: divide by the number of examples, N = 4":
        lambda s, t: -np.sum(log_y(s, t)) / s.shape[1],
}


@pytest.mark.parametrize("mistake", WRONG_LOSS)
def test_a_wrong_loss_is_named(mistake):
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError, match=mistake):
        check_loss(WRONG_LOSS[mistake], GIVEN_SCORES, GIVEN_T)


def test_a_wrong_loss_is_not_called_a_constant_factor_of_the_right_one():
    """One number is always some factor times another: the factor would point nowhere."""
    with pytest.raises(AssertionError) as failure:
        check_loss(lambda s, t: 0.5 - np.sum(log_y(s, t)) / len(s), GIVEN_SCORES, GIVEN_T)
    assert str(failure.value).startswith("your loss differs from cross_entropy_error")
    assert "times the expected value" not in str(failure.value)


def test_the_log_of_positive_scores_is_named():
    scores = np.abs(GIVEN_SCORES) + 0.1
    with pytest.raises(AssertionError, match="you took the log of the scores"):
        check_loss(lambda s, t: -np.sum(t * np.log(s)) / len(s), scores, GIVEN_T)


WRONG_PREDICTION = {
    "the probability of each class: the loss is minus its log": lambda n: 1 / n,
    "natural logarithm": np.log10,
    "check the sign": lambda n: -np.log(n),
    "log base 2": np.log2,
    # section 5's ln 10, typed in or rounded, is right for 10 classes only
    r"2.303 for 2 classes: that is about ln 10, the loss for 10 digits": lambda n: 2.302585,
    r"2.3 for 2 classes: that is about ln 10": lambda n: 2.3,
    r"you expect 1.414 for 2 classes, but an untrained network measures 0.69": np.sqrt,
    "forget to `return`": lambda n: None,
}


@pytest.mark.parametrize("mistake", WRONG_PREDICTION)
def test_a_wrong_prediction_of_the_untrained_loss_is_named(mistake, batch):
    x, t = batch
    untrained = TwoLayerNet(784, 50, 2, seed=2)
    measured = untrained.loss(x, np.eye(2)[t.argmax(axis=1) % 2])
    with pytest.raises(AssertionError, match=mistake):
        check_untrained_loss(WRONG_PREDICTION[mistake], 2, measured)


def test_an_untrained_networks_loss_is_ln_of_the_number_of_classes(batch):
    x, t = batch
    for n_classes in (2, 10, 1000):
        untrained = TwoLayerNet(784, 50, n_classes, seed=0)
        measured = untrained.loss(x, np.eye(n_classes)[t.argmax(axis=1) % n_classes])
        assert measured == pytest.approx(np.log(n_classes), rel=0.01)


def test_plot_chain_draws_every_value_and_layer():
    ax = plot_chain(["x (2, 3)", "a (2, 4)", "y (2, 4)"], ["Affine", "sigmoid"])
    texts = [text.get_text() for text in ax.texts if text.get_text()]  # arrows are empty texts
    assert texts == ["Affine", "sigmoid", "x (2, 3)", "a (2, 4)", "y (2, 4)"]
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one more value than layers"):
        plot_chain(["x", "y"], ["Affine", "sigmoid"])


def written_answers():
    """The lesson's written answers: {grade_id: cell}, markdown cells the teacher grades by hand."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell
            for cell in nbformat.read(NOTEBOOK, as_version=4).cells
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution")}


def test_the_written_answers_are_graded_by_hand_and_come_before_what_they_ask_about():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in cells]
    answers = written_answers()
    assert sorted(answers) == ["ex3-4-why", "ex3-5-explain"]
    for grade_id, cell in answers.items():
        meta = cell.metadata["nbgrader"]
        assert meta["grade"] and not meta["locked"] and meta["points"] >= 1, grade_id
        assert SOLUTION.search(cell.source), grade_id
    # 3.4 is predict, then run: the reason is written before the test cell measures real networks
    assert ids.index("ex3-4-why") < ids.index("ex3-4-untrained-loss") < ids.index("ex3-4-tests")
    assert "\\ln n" in answers["ex3-4-why"].source and "same classes" in answers["ex3-4-why"].source
    # the question asks whether the loss depends on the classes, and does not say that it grows
    assert "Does it depend on" in answers["ex3-4-why"].source.split("### BEGIN SOLUTION")[0]
    for grade_id, cell in answers.items():   # each model answer says how to give its points
        assert "*For the teacher:*" in SOLUTION.search(cell.source).group(1), grade_id


def test_students_get_the_questions_without_the_model_answers():
    pytest.importorskip("nbgrader")
    sys.path.insert(0, str(NOTEBOOK.parent.parent / "tools"))
    from student_edition import student_notebook
    cells = student_notebook(NOTEBOOK).cells
    text = "\n".join(cell.source for cell in cells)
    for grade_id, answer in written_answers().items():
        model = SOLUTION.search(answer.source).group(1)
        assert model.strip().splitlines()[0] not in text, grade_id
        student = next(c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        assert "YOUR ANSWER HERE" in student.source and "your answer:" in student.source
    assert "np.log(n_classes)" not in text  # the code solution is gone too


@pytest.fixture(scope="module")
def lesson():
    """The lesson's code cells, exercises left out, run in order in one namespace."""
    namespace = {}
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells[2:]:
        if cell.cell_type == "code" and "nbgrader" not in cell.metadata:
            exec(cell.source, namespace)
    plt.close("all")
    return namespace


def test_exercise_3_5_shows_what_its_model_answer_explains(lesson):
    """Along W2[0, 4], the batch's lowest loss has fewer right answers than the learned weight:
    the images that turn wrong all turn into 4s, and the 4s' right probability grows."""
    accuracy, loss = np.array(lesson["accuracies"]), np.array(lesson["losses"])
    lowest, learned = lesson["lowest"], lesson["learned"]
    assert lesson["shifts"][learned] == 0 and lowest != learned
    assert accuracy[lowest] < accuracy[learned] and loss[lowest] < loss[learned]
    assert lesson["became_wrong"].sum() > lesson["became_right"].sum() > 0
    assert set(lesson["guess_lowest"][lesson["became_wrong"]]) == {4}
    assert set(lesson["right"][lesson["became_right"]]) == {4}
    fours = lesson["fours"]
    assert lesson["p_lowest"][fours].mean() > 1.5 * lesson["p_learned"][fours].mean()
    assert np.array_equal(lesson["W2_learned"][0, 4], lesson["original"])  # put back
    # the sweep's figures the answer quotes: the accuracy's slope is 0, the loss's is not
    assert lesson["accuracy_slope"] == 0 and lesson["loss_slope"] < 0


def test_a_right_loss_is_not_taken_for_one_divided_by_the_classes(solutions):
    """With as many examples as classes, dividing by either is the same: nothing to name."""
    scores, t = GIVEN_SCORES[:3], GIVEN_T[:3]
    check_loss(solutions["loss_from_scores"], scores, t)
