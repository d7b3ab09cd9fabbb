"""Lesson 5's checks: a right backward pass passes, and the usual wrong ones are named.

Each wrong layer below is a mistake learners make (a flipped sign, a forgotten / N, a
transposed matrix, ...); its check must fail with a message that says which.
"""

import numpy as np
import pytest

from helpers import checks, layers
from helpers.functions import sigmoid, softmax
from lesson_cells import run_exercise, run_lesson, written_answers


class Affine:
    """The book's Affine, written out: the right answer to exercise 5.1."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.original_x_shape = self.dW = self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        return (dout @ self.W.T).reshape(*self.original_x_shape)


class AffineSign(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        return -dx


class AffineTransposedDW(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = dout.T @ self.x
        return dx


class AffineDividedByN(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.mean(dout, axis=0)
        return dx


class AffineNoReshape(Affine):
    def backward(self, dout):
        super().backward(dout)
        return dout @ self.W.T


class AffineNoReturn(Affine):
    def backward(self, dout):
        super().backward(dout)


class AffineReturnsDW(Affine):
    def backward(self, dout):
        super().backward(dout)
        return self.dW


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class SigmoidSign(Sigmoid):
    def backward(self, dout):
        return dout * self.out * (self.out - 1.0)


class SigmoidNoDout(Sigmoid):
    def backward(self, dout):
        return self.out * (1.0 - self.out)


class SigmoidTransposed(Sigmoid):
    def backward(self, dout):
        return (dout * (1.0 - self.out) * self.out).T


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class ReluMaskAfterInPlaceChange(Relu):
    def forward(self, x):
        x[x <= 0] = 0
        self.mask = x < 0           # taken after the change: nothing is negative any more
        return x


class ReluInverted(Relu):
    def backward(self, dout):
        dout[~self.mask] = 0
        return dout


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = self.y = self.t = None

    def forward(self, x, t):
        self.t, self.y = t, softmax(x)
        self.loss = -np.sum(t * np.log(self.y)) / len(x)
        return self.loss

    def backward(self, dout=1):
        return (self.y - self.t) / len(self.t)


class SoftmaxWithLossSign(SoftmaxWithLoss):
    def backward(self, dout=1):
        return (self.t - self.y) / len(self.t)


class SoftmaxWithLossNoN(SoftmaxWithLoss):
    def backward(self, dout=1):
        return self.y - self.t


class SoftmaxWithLossTransposed(SoftmaxWithLoss):
    def backward(self, dout=1):
        return (self.y - self.t).T / len(self.t)


class SoftmaxWithLossNoT(SoftmaxWithLoss):
    def backward(self, dout=1):
        return self.y / len(self.t)


def two_layer_gradient(params, x, t, sign=1, divide=True, transpose=False, w2=lambda W: W.T):
    """The four equations of lesson 5, with switches for the mistakes."""
    z1 = sigmoid(x @ params["W1"] + params["b1"])
    y = softmax(z1 @ params["W2"] + params["b2"])
    delta2 = sign * (y - t) / (len(x) if divide else 1)
    delta1 = (delta2 @ w2(params["W2"])) * z1 * (1 - z1)
    return {"W1": delta1.T @ x if transpose else x.T @ delta1, "b1": delta1.sum(axis=0),
            "W2": z1.T @ delta2, "b2": delta2.sum(axis=0)}


def test_the_right_backward_passes_pass_and_so_do_the_courses_layers():
    checks.check_affine_backward(Affine)
    checks.check_sigmoid_backward(Sigmoid)
    checks.check_relu_backward(Relu)
    checks.check_softmax_with_loss_backward(SoftmaxWithLoss)
    checks.check_sigmoid_backward(layers.Sigmoid)
    checks.check_relu_backward(layers.Relu)
    checks.check_softmax_with_loss_backward(layers.SoftmaxWithLoss)


@pytest.mark.parametrize("wrong, message", [
    (AffineSign, r"^dx .*yours .*: check the sign\. dx = dout @ W\.T"),
    (AffineTransposedDW, r"dW .* has shape \(3, 4\) but W has shape \(4, 3\): is it transposed\?"
                         r".*dW = x\.T @ dout"),
    (AffineDividedByN, r"^db .*N = 5 times too small: did you divide by the batch size N"),
    (AffineNoReshape, r"dx has shape \(5, 4\) but x has shape \(5, 2, 2\): reshape it back"),
    (AffineNoReturn, r"dx .* is None: did backward forget to compute or `return` it\?"),
    (AffineReturnsDW, r"dx .* is dW, not the gradient with respect to x: dx = dout @ W\.T"),
])
def test_affine_mistakes_are_named(wrong, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_affine_backward(wrong)


@pytest.mark.parametrize("wrong, message", [
    (SigmoidSign, r"check the sign\. dx = dout \* out \* \(1 - out\)"),
    (SigmoidNoDout, r"is the local derivative out \* \(1 - out\) alone, not multiplied by dout"),
    (SigmoidTransposed, r"has shape \(4, 5\) but x has shape \(5, 4\): is it transposed\?"),
])
def test_sigmoid_mistakes_are_named(wrong, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_sigmoid_backward(wrong)


@pytest.mark.parametrize("wrong, message", [
    (ReluMaskAfterInPlaceChange, r"is dout unchanged \(nothing zeroed where x <= 0\)"),
    (ReluInverted, r"the mask is inverted"),
])
def test_relu_mistakes_are_named(wrong, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_relu_backward(wrong)


@pytest.mark.parametrize("wrong, message", [
    (SoftmaxWithLossSign, r"check the sign\. dx = \(y - t\) / N"),
    (SoftmaxWithLossNoN, r"N = 5 times too large: did you forget to divide by the batch size N\?"),
    (SoftmaxWithLossTransposed, r"has shape \(3, 5\) but x has shape \(5, 3\): is it transposed\?"),
    (SoftmaxWithLossNoT, r"is y / N: the softmax output without subtracting t"),
])
def test_softmax_with_loss_mistakes_are_named(wrong, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_softmax_with_loss_backward(wrong)


def test_the_two_layer_gradient_on_mnist_right_and_wrong(mnist):
    (x_train, t_train), _ = mnist
    x, t = x_train[:3], t_train[:3]
    checks.check_two_layer_gradient(two_layer_gradient, x, t)
    with pytest.raises(AssertionError, match=r"your W2 gradient .*check the sign"):
        checks.check_two_layer_gradient(lambda p, x, t: two_layer_gradient(p, x, t, sign=-1), x, t)
    with pytest.raises(AssertionError, match=r"your W2 gradient .*N = 3 times too large: did you "
                                             r"forget to divide by the batch size N\?"):
        checks.check_two_layer_gradient(lambda p, x, t: two_layer_gradient(p, x, t, divide=False), x, t)
    with pytest.raises(AssertionError, match=r"your W1 gradient has shape \(10, 784\) but W1 has "
                                             r"shape \(784, 10\): is it transposed\?.*x\.T @ delta1"):
        checks.check_two_layer_gradient(lambda p, x, t: two_layer_gradient(p, x, t, transpose=True), x, t)
    # W2 is 10 x 10 here, so forgetting its transpose runs, and only the layer below is wrong.
    with pytest.raises(AssertionError, match=r"your W1 gradient differs from the numerical"):
        checks.check_two_layer_gradient(lambda p, x, t: two_layer_gradient(p, x, t, w2=lambda W: W), x, t)
    with pytest.raises(AssertionError, match="should return a dict with the keys"):
        checks.check_two_layer_gradient(lambda p, x, t: None, x, t)


# The lesson's own test cells, given a learner's answer: the right one passes, wrong ones are named.

@pytest.fixture(scope="module")
def lesson():
    return run_lesson("05_backpropagation.ipynb")


def test_the_lesson_has_four_code_exercises_whose_right_answers_pass(lesson):
    assert sorted(lesson[1]) == ["5.1", "5.2", "5.3", "5.4"]
    assert [len(tests) for _, tests in lesson[1].values()] == [1, 1, 1, 3]
    for number in lesson[1]:
        run_exercise(lesson, number)         # alone: no other exercise's solution or test ran


def test_5_5_is_a_written_answer_graded_by_hand_whose_figures_the_lesson_computes(lesson):
    """The question and the model answer quote section 6's figures as the cells compute them."""
    question, answer = written_answers("05_backpropagation.ipynb")["5.5"]
    grading = answer.metadata["nbgrader"]
    assert question.startswith("### Exercise 5.5 (explain what you see):")
    assert grading["grade"] and grading["solution"] and not grading["locked"] and grading["points"] == 2
    assert grading["grade_id"] == "ex5-5-why-the-gradient-vanishes"
    model = answer.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    norms, slopes, shrink, step_back = (lesson[0][name] for name in ("norms", "slopes", "shrink", "step_back"))
    std, xavier = "std 0.01", "Xavier 1/√n"
    for name in (std, xavier):
        ratio = f"{norms[name][0] / norms[name][-1]:.1e}"
        assert ratio in question and ratio in model, ratio
    quoted = [f"{slopes[std]:.3f}", f"{slopes[xavier]:.3f}", f"{shrink[std]:.2f}", f"{shrink[xavier]:.2f}",
              f"{step_back[std][0]:.3f}", *(f"{r:.3f}" for r in step_back[std][1:])]
    assert all(figure in model for figure in quoted), [f for f in quoted if f not in model]
    # what the answer says of them is what the figures show
    assert abs(slopes[std] - 0.25) < 1e-3 and shrink[xavier] < 0.25     # "at its largest", "a quarter"
    assert step_back[std][0] > step_back[std][1:].max()                    # "which loses less"
    # and it tells the teacher what earns each of the 2 points
    assert "*For the teacher:* one point for each part" in model


@pytest.mark.parametrize("number, old, new, message", [
    ("5.1", "dx = dout @ self.W.T", "dx = -(dout @ self.W.T)", r"^dx .*: check the sign"),
    ("5.1", "self.dW = self.x.T @ dout", "self.dW = dout.T @ self.x",
     r"^dW .*has shape \(3, 4\) but W has shape \(4, 3\): is it transposed\?"),
    ("5.1", "self.db = np.sum(dout, axis=0)", "self.db = np.mean(dout, axis=0)",
     r"^db .*N = 5 times too small: did you divide by the batch size N"),
    ("5.1", "return dx.reshape(*self.original_x_shape)", "return dx", r"reshape it back"),
    ("5.2", "return dout * (1.0 - self.out) * self.out", "return -dout * (1.0 - self.out) * self.out",
     r"check the sign"),
    ("5.2", "return dout * (1.0 - self.out) * self.out", "return (1.0 - self.out) * self.out",
     r"local derivative out \* \(1 - out\) alone, not multiplied by dout"),
    ("5.2", "return dout * (1.0 - self.out) * self.out", "return (dout * (1.0 - self.out) * self.out).T",
     r"has shape \(4, 5\) but x has shape \(5, 4\): is it transposed\?"),
    ("5.3", "return (self.y - self.t) / batch_size", "return (self.t - self.y) / batch_size",
     r"check the sign"),
    ("5.3", "return (self.y - self.t) / batch_size", "return self.y - self.t",
     r"N = 5 times too large: did you forget to divide by the batch size N\?"),
    ("5.3", "return (self.y - self.t) / batch_size", "return (self.y - self.t).T / batch_size",
     r"has shape \(3, 5\) but x has shape \(5, 3\): is it transposed\?"),
    ("5.4", 'spoiled = {"W1", "b1"}', 'spoiled = {"W2"}', r"not exactly the set of keys"),
    ("5.4", "delta1 = (delta2 @ W2.T) * z1", "delta1 = (delta2 @ W2) * z1",
     r"your W1 gradient differs from the numerical gradient"),
    ("5.4", "delta2 = (y - t) / len(x)", "delta2 = y - t",
     r"your W2 gradient .*N = 3 times too large: did you forget to divide by the batch size N\?"),
    ("5.4", 'return {"W1": x.T @ delta1', 'return {"W1": delta1.T @ x',
     r"your W1 gradient has shape \(10, 784\) but W1 has shape \(784, 10\): is it transposed\?"),
])
def test_the_lessons_test_cells_name_the_mistake(lesson, number, old, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, number, [(old, new)])


SIGMOID_ANSWER = "return dout * (1.0 - self.out) * self.out"


@pytest.mark.parametrize("number, old, new", [
    ("5.2", SIGMOID_ANSWER, "dout *= self.out * (1 - self.out)\n        return dout"),
    ("5.2", SIGMOID_ANSWER, "np.multiply(dout, self.out * (1 - self.out), out=dout)\n        return dout"),
    ("5.1", "self.db = np.sum(dout, axis=0)", "self.db = dout.sum(axis=0)\n        dout *= 1.0"),
    ("5.4", 'spoiled = {"W1", "b1"}', 'spoiled = ["b1", "W1"]'),
])
def test_the_lessons_test_cells_accept_right_answers_written_another_way(lesson, number, old, new):
    """In-place answers among them: the checks give backward a copy of dout."""
    run_exercise(lesson, number, [(old, new)])


def test_in_place_backward_passes_pass_the_checks_themselves():
    class SigmoidInPlace(Sigmoid):
        def backward(self, dout):
            dout *= self.out * (1 - self.out)
            return dout

    class AffineInPlace(Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            dout *= 0                       # the caller's dout is the layer's to spoil
            return dx

    checks.check_sigmoid_backward(SigmoidInPlace)
    checks.check_affine_backward(AffineInPlace)


@pytest.mark.parametrize("number, old, new, message", [
    ("5.1", "dx = dout @ self.W.T", "dx = dout @ self.W",
     r"^backward raised ValueError: .*The shapes of a product do not fit: .*dx = dout @ W\.T"),
    ("5.1", "self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout, axis=1)",
     r"^db .*has shape \(5,\) but b has shape \(3,\): one number per example \(N = 5\), "
     r"summed over the wrong axis\? Summing over the batch is axis=0\. A gradient has"),
    ("5.1", "self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout)",
     r"^db .*has shape \(\) but b has shape \(3,\): did you sum over every axis"),
    ("5.2", SIGMOID_ANSWER, "s = 1 / (1 + np.exp(-self.out))\n        return dout * s * (1 - s)",
     r"the sigmoid applied twice"),
    ("5.4", 'spoiled = {"W1", "b1"}', 'spoiled = "W1, b1"',
     r"spoiled is the string 'W1, b1'.*write a set of key names"),
])
def test_the_lessons_test_cells_name_more_mistakes(lesson, number, old, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, number, [(old, new)])


def test_a_shape_mismatch_other_than_a_transpose_still_ends_its_sentence():
    with pytest.raises(AssertionError, match=r"has shape \(2, 3\) but W has shape \(4, 5\)\. A "):
        checks.check_gradient(np.zeros((2, 3)), np.zeros((4, 5)), "dW", "W", "dW = x.T @ dout")


ASSEMBLED = ("dout = last.backward(1)\n    for layer in reversed(layers):\n"
             "        dout = layer.backward(dout)\n"
             '    return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}')


@pytest.mark.parametrize("new, message", [
    ("return fixed_gradient(params, x, t)",
     r"the gradient is right, but your function called MyAffine\.backward 0 times"),
    ("last.backward(1)\n    return fixed_gradient(params, x, t)",
     r"called MyAffine\.backward 0 times, MySigmoid\.backward 0 times, "
     r"MySoftmaxWithLoss\.backward 1 times"),
    (ASSEMBLED.replace("reversed(layers)", "layers"),
     r"raised ValueError: .*backward passes in reverse"),
    (ASSEMBLED.replace("dout = last.backward(1)", "dout = -last.backward(1)"),
     r"your W2 gradient .*check the sign"),
])
def test_part_3_of_5_4_must_use_the_layers(lesson, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, "5.4", [(ASSEMBLED, new)], tests=[2])


def test_the_parts_of_5_4_earn_their_points_independently(lesson):
    wrong_spoiled = [('spoiled = {"W1", "b1"}', 'spoiled = {"W2"}')]
    with pytest.raises(AssertionError, match="not exactly the set of keys"):
        run_exercise(lesson, "5.4", wrong_spoiled, tests=[0])
    run_exercise(lesson, "5.4", wrong_spoiled, tests=[1, 2])
    wrong_fix = [("delta1 = (delta2 @ W2.T) * z1", "delta1 = (delta2 @ W2) * z1")]
    with pytest.raises(AssertionError, match="your W1 gradient differs"):
        run_exercise(lesson, "5.4", wrong_fix, tests=[1])
    run_exercise(lesson, "5.4", wrong_fix, tests=[0, 2])


def test_5_4_part_3_does_not_depend_on_the_layers_of_5_1_to_5_3(lesson):
    """A wrong MyAffine (5.1) and a MySigmoid left as the stub do not cost 5.4's points."""
    class WrongAffine(Affine):
        def backward(self, dout):
            return -super().backward(dout)

    class Stub:
        def backward(self, dout):
            raise NotImplementedError()

    run_exercise(lesson, "5.4", namespace={"MyAffine": WrongAffine, "MySigmoid": Stub})


def test_each_test_cell_makes_its_own_data(lesson):
    """The test cells of 5.2 and 5.3 pass although 5.1 was never solved or tested."""
    assert "x_check" not in lesson[0] and "check_array" not in lesson[0]
    run_exercise(lesson, "5.2")
    run_exercise(lesson, "5.3")


@pytest.fixture(scope="module")
def lesson4():
    return run_lesson("04_gradients.ipynb")


LOOP = """
W = network.params[key]
grad = np.zeros_like(W)
for index in np.ndindex(W.shape):
    original = W[index]
    W[index] = original + {h}
    f_plus = network.loss(x, t)
    W[index] = original - {h}
    f_minus = network.loss(x, t)
    W[index] = original
    grad[index] = (f_plus - f_minus) / (2 * {h})
return grad"""
FORWARD = """
W = network.params[key]
grad = np.zeros_like(W)
for index in np.ndindex(W.shape):
    f = network.loss(x, t)
    W[index] += 1e-4
    grad[index] = (network.loss(x, t) - f) / 1e-4
    W[index] -= 1e-4
return grad"""


def answer_42(body):
    """Exercise 4.2's solution cell with ``body`` as the function's body."""
    indented = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return [("return central_difference_gradient(lambda _: network.loss(x, t), network.params[key])",
             indented.strip())]


@pytest.mark.parametrize("body", [
    "from helpers.gradient import numerical_gradient as ng\n"
    "return ng(lambda _: network.loss(x, t), network.params[key])",
    LOOP.format(h=1e-4),
    LOOP.format(h=1e-5),                    # another sensible h is central differences too
])
def test_lesson_4s_exercise_accepts_central_differences_written_any_way(lesson4, body):
    run_exercise(lesson4, "4.2", before=["4.1"])
    run_exercise(lesson4, "4.2", answer_42(body), before=["4.1"])


@pytest.mark.parametrize("body, message", [
    ("return central_difference_gradient(lambda _: network.loss(x, t), network.params[key].copy())",
     "all zeros: nudge the array in network.params itself"),
    ("return central_difference_gradient(lambda _: -network.loss(x, t), network.params[key])",
     "check the sign"),
    ("return network.gradient(x, t)[key]",
     r"called network.gradient, which is backpropagation"),
    ("return network.numerical_gradient(x, t)[key]",
     r"called it 7970 times, more often than that: nudge only params\['W2'\]"),
    ("return network.numerical_gradient(x, t)", "returned a dict with the keys"),
    ("W = network.params[key]\nf = network.loss(x, t)\n"
     "return numerical_gradient(lambda _: 2 * (network.loss(x, t) - f), W)",
     r"called it 101 times"),
    (FORWARD.replace("    f = network.loss(x, t)\n", "").replace("grad = ", "f = network.loss(x, t)\ngrad = "),
     r"called it 51 times, once per entry plus once: forward differences"),
    # forward differences that call the loss twice per entry: the values give them away
    (FORWARD, r"differs from central differences"),
    (LOOP.format(h=1e-4).replace("    W[index] = original\n", ""), r"put every entry back"),
])
def test_lesson_4s_exercise_names_the_mistake(lesson4, body, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson4, "4.2", answer_42(body), before=["4.1"])
