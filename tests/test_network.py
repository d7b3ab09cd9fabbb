"""The network's parts and the two-layer network, checked against numerical gradients."""
import re
import warnings

import numpy as np
import pytest

from helpers.functions import cross_entropy_error, relu, sigmoid, softmax
from helpers.gradient import gradient_check, numerical_gradient, relative_error
from helpers.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
from helpers.two_layer_net import TwoLayerNet


def test_softmax_is_stable_for_large_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = softmax(np.array([[1000.0, 1010.0, 990.0], [0.0, 10.0, -10.0]]))
    np.testing.assert_allclose(y[0], y[1])
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75])


def test_sigmoid_and_relu():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(np.array([-1000.0, 0.0, 1000.0], dtype=np.float32))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(sigmoid(np.array(1.0)), 1 / (1 + np.exp(-1.0)))
    np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])


def test_cross_entropy_single_and_batch_labels_and_one_hot():
    y = np.array([[0.1, 0.6, 0.3], [0.8, 0.1, 0.1]])
    labels = np.array([1, 0])
    one_hot = np.eye(3)[labels]
    expected = -(np.log(0.6) + np.log(0.8)) / 2
    assert cross_entropy_error(y, labels) == pytest.approx(expected, rel=1e-6)
    assert cross_entropy_error(y, one_hot) == pytest.approx(expected, rel=1e-6)
    assert cross_entropy_error(y[0], one_hot[0]) == pytest.approx(-np.log(0.6), rel=1e-6)
    assert cross_entropy_error(y[0], 1) == pytest.approx(-np.log(0.6), rel=1e-6)
    with pytest.raises(ValueError, match="2 examples but 3 answers"):
        cross_entropy_error(y, np.array([1, 0, 2]))


def test_numerical_gradient_of_a_known_function_and_array_left_as_it_was():
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 10
    before = x.copy()
    grad = numerical_gradient(lambda a: np.sum(a ** 2), x)
    np.testing.assert_allclose(grad, 2 * before, rtol=1e-6)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_divides_by_the_step_float32_can_take():
    # Near 100, float32 holds 100 + 1e-4 only to within 4e-6, a few percent of the step.
    x = np.array([1.5, -3.0, 100.0], dtype=np.float32)
    grad = numerical_gradient(lambda a: np.sum(a.astype(np.float64) ** 2), x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * x.astype(np.float64), rtol=1e-9)
    np.testing.assert_array_equal(x, np.array([1.5, -3.0, 100.0], dtype=np.float32))


def test_numerical_gradient_refuses_what_cannot_be_nudged():
    with pytest.raises(ValueError, match=r"x must be an array of floats.*not int64"):
        numerical_gradient(lambda a: np.sum(a ** 2), np.array([3, 4], dtype=np.int64))
    with pytest.raises(ValueError, match=r"x must be an array of floats.*not list"):
        numerical_gradient(lambda a: 0.0, [3.0, 4.0])


def test_relative_error():
    a = np.array([1.0, 2.0, 0.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(a, a * (1 + 1e-8)) < 1e-8


def check_layer(layer, x, dout, rng):
    """Backward of ``layer`` must equal the numerical gradient of sum(forward(x) * dout)."""
    layer.forward(x)
    dx = layer.backward(dout)
    numerical = numerical_gradient(lambda _: np.sum(layer.forward(x) * dout), x)
    assert relative_error(dx, numerical) < 1e-8


def test_each_layer_backward_matches_numerical_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    dout = rng.standard_normal((4, 5))
    check_layer(Sigmoid(), x, dout, rng)
    check_layer(Relu(), x, dout, rng)
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    affine = Affine(W, b)
    check_layer(affine, x, rng.standard_normal((4, 3)), rng)
    dout3 = rng.standard_normal((4, 3))
    affine.forward(x)
    affine.backward(dout3)
    np.testing.assert_allclose(
        affine.dW, numerical_gradient(lambda _: np.sum(affine.forward(x) * dout3), W), rtol=1e-6)
    np.testing.assert_allclose(
        affine.db, numerical_gradient(lambda _: np.sum(affine.forward(x) * dout3), b), rtol=1e-6)


def test_affine_without_input_gradient_still_gives_weight_gradients():
    rng = np.random.default_rng(1)
    x, W, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), np.zeros(3)
    dout = rng.standard_normal((4, 3))
    full, first = Affine(W, b), Affine(W, b, input_grad=False)
    full.forward(x), first.forward(x)
    assert full.backward(dout).shape == (4, 5) and first.backward(dout) is None
    np.testing.assert_array_equal(full.dW, first.dW)


def test_softmax_with_loss_backward_and_targets():
    rng = np.random.default_rng(2)
    scores = rng.standard_normal((6, 10)) * 3
    labels = rng.integers(0, 10, 6)
    layer = SoftmaxWithLoss()
    loss = layer.forward(scores, labels)
    exact = -np.mean(np.log(softmax(scores)[np.arange(6), labels]))
    assert loss == pytest.approx(exact, rel=1e-12)
    # The book's cross_entropy_error differs only by its 1e-7 guard against log(0).
    assert loss == pytest.approx(cross_entropy_error(softmax(scores), labels), abs=1e-3)
    one_hot = SoftmaxWithLoss()
    assert one_hot.forward(scores, np.eye(10)[labels]) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(one_hot.backward(), layer.backward(), rtol=1e-12, atol=1e-15)
    numerical = numerical_gradient(lambda s: SoftmaxWithLoss().forward(s, labels), scores)
    assert relative_error(layer.backward(), numerical) < 1e-8
    assert np.isfinite(SoftmaxWithLoss().forward(np.array([[1000.0, -1000.0]]), [1]))


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_backprop_matches_numerical_gradient_on_real_mnist(mnist, activation):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 10, 10, weight_init_std=0.1, activation=activation, seed=3,
                          dtype=np.float64)
    errors = gradient_check(network, x_train[:3], t_train[:3])
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_numerical_gradient_in_float64_checks_the_default_float32_network(mnist, activation):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 10, 10, weight_init_std=0.1, activation=activation, seed=3)
    before = {key: value.copy() for key, value in network.params.items()}
    numerical = network.numerical_gradient(x_train[:3], t_train[:3])
    assert all(value.dtype == np.float64 for value in numerical.values())
    for key, value in network.params.items():  # the network itself is left as it was
        assert value.dtype == np.float32
        np.testing.assert_array_equal(value, before[key])
    backprop = network.gradient(x_train[:3], t_train[:3])
    errors = {key: relative_error(backprop[key], numerical[key]) for key in numerical}
    assert max(errors.values()) < 1e-6, errors
    # float32 all through, as before, was off by about 1e-3: the check could not tell.
    float32_numerical = numerical_gradient(lambda _: network.loss(x_train[:3], t_train[:3]),
                                           network.params["W2"])
    assert relative_error(float32_numerical, numerical["W2"]) > 1e-5


def test_params_updated_in_place_as_the_article_does(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=0,
                          activation="relu")
    x_batch, t_batch = x_train[:100], t_train[:100]
    before = network.loss(x_batch, t_batch)
    for _ in range(30):
        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= 0.5 * grad[key]
    assert network.loss(x_batch, t_batch) < before / 2


def test_replacing_a_param_array_also_takes_effect(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 50, 10, seed=0)
    network.params["b2"] = np.array([0, 0, 0, 0, 0, 0, 0, 100, 0, 0], dtype=np.float32)
    assert np.all(network.predict(x_train[:5]).argmax(axis=1) == 7)


def test_loss_and_gradient_agree_with_loss_and_gradient(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 50, 10, seed=0, activation="relu")
    loss, grads = network.loss_and_gradient(x_train[:50], t_train[:50])
    assert loss == network.loss(x_train[:50], t_train[:50])
    for key, value in network.gradient(x_train[:50], t_train[:50]).items():
        np.testing.assert_array_equal(grads[key], value)
        assert value.shape == network.params[key].shape and value.dtype == np.float32


def test_seed_makes_initial_weights_reproducible():
    a, b, c = TwoLayerNet(784, 50, 10, seed=1), TwoLayerNet(784, 50, 10, seed=1), TwoLayerNet(784, 50, 10, seed=2)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    assert a.params["W1"].dtype == np.float32
    d = TwoLayerNet(784, 50, 10, seed=1, dtype=np.float64)
    assert d.params["W1"].dtype == np.float64
    np.testing.assert_allclose(d.params["W1"], a.params["W1"], rtol=1e-6)
    assert 0.009 < a.params["W1"].std() < 0.011 and not a.params["b1"].any()


@pytest.mark.parametrize("weight_init_std, std1, std2", [
    (0.01, 0.01, 0.01),
    ("xavier", 1 / np.sqrt(784), 1 / np.sqrt(50)), ("sigmoid", 1 / np.sqrt(784), 1 / np.sqrt(50)),
    ("he", np.sqrt(2 / 784), np.sqrt(2 / 50)), ("ReLU", np.sqrt(2 / 784), np.sqrt(2 / 50)),
])
def test_weight_init_std_takes_the_books_names_per_layer(weight_init_std, std1, std2):
    network = TwoLayerNet(784, 50, 10, weight_init_std=weight_init_std, seed=0)
    # 39,200 and 500 draws: their std is within 1 % and 10 % of the true one.
    np.testing.assert_allclose(network.params["W1"].std(), std1, rtol=0.01)
    np.testing.assert_allclose(network.params["W2"].std(), std2, rtol=0.1)
    assert abs(network.params["W1"].mean()) < 0.1 * std1 and not network.params["b2"].any()
    # Without a seed they come from the global generator, as the book's do.
    np.random.seed(0)
    book_W1 = (std1 if weight_init_std != 0.01 else 0.01) * np.random.randn(784, 50)
    np.random.seed(0)
    np.testing.assert_allclose(TwoLayerNet(784, 50, 10, weight_init_std=weight_init_std)
                               .params["W1"], book_W1, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("weight_init_std", ["glorot", "", 0, -0.01, None, True])
def test_bad_weight_init_is_refused_with_the_choices(weight_init_std):
    with pytest.raises(ValueError, match=r"weight_init_std must be a positive.*"
                                         r"\['he', 'relu', 'sigmoid', 'xavier'\]"):
        TwoLayerNet(784, 50, 10, weight_init_std=weight_init_std)


def test_accuracy_with_labels_one_hot_and_chunks(mnist, mnist_labels):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 50, 10, seed=0)
    whole = network.accuracy(x_train[:5000], t_train[:5000], chunk_size=5000)
    assert network.accuracy(x_train[:5000], t_train[:5000], chunk_size=700) == whole
    assert network.accuracy(x_train[:5000], mnist_labels[0][1][:5000]) == whole
    predictions = network.predict(x_train[:5000]).argmax(axis=1)
    assert whole == np.mean(predictions == mnist_labels[0][1][:5000])


def test_images_with_channels_are_accepted(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 50, 10, seed=0)
    np.testing.assert_array_equal(network.predict(x_train[:3].reshape(3, 1, 28, 28)),
                                  network.predict(x_train[:3]))


def test_bad_inputs_get_clear_errors(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 50, 10)
    with pytest.raises(ValueError, match=r"784 values each.*shape \(10, 100\)"):
        network.predict(x_train[:10, :100])
    with pytest.raises(ValueError, match="shape \\(784,\\).*x\\[None\\]"):
        network.predict(x_train[0])
    with pytest.raises(ValueError, match=r"10 examples but 9 answers.*x_train\[batch_mask\] with t_train\[batch_mask\]"):
        network.gradient(x_train[:10], t_train[:9])
    with pytest.raises(ValueError, match=r"one-hot rows, shape \(10, 10\); got shape \(10, 5\)"):
        network.loss(x_train[:10], t_train[:10, :5])
    with pytest.raises(ValueError, match="activation must be one of"):
        TwoLayerNet(784, 50, 10, activation="tanh")
    with pytest.raises(ValueError, match="hidden_size must be a whole number at least 1, not 0"):
        TwoLayerNet(784, 0, 10)


@pytest.mark.parametrize("size", [50.5, True, float("nan"), "50", None, -3])
def test_sizes_that_are_not_whole_numbers_are_refused(size):
    with pytest.raises(ValueError, match=f"hidden_size must be a whole number.*{re.escape(repr(size))}"):
        TwoLayerNet(784, size, 10)


def test_sizes_given_as_whole_floats_work(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784.0, 50.0, 10.0, seed=0)
    assert network.params["W1"].shape == (784, 50) and network.params["b2"].shape == (10,)
    assert np.isfinite(network.loss(x_train[:5], t_train[:5]))


def test_other_settings_are_checked():
    with pytest.raises(ValueError, match="weight_init_std must be a positive finite number"):
        TwoLayerNet(784, 50, 10, weight_init_std=float("nan"))
    with pytest.raises(ValueError, match="dtype must be np.float32 or np.float64"):
        TwoLayerNet(784, 50, 10, dtype=np.int64)


ONE_HOT = np.eye(10, dtype=np.float32)


@pytest.mark.parametrize("answers, message", [
    (np.array([3, -1, 4]), r"label -1 at position 1 is not a class: labels are class numbers 0 to 9"),
    (np.array([3, 10, 4]), r"label 10 at position 1 is not a class"),
    (np.array([3.0, 1.5, 4.0]), r"labels must be whole numbers.*got 1.5"),
    (np.array([3.0, np.nan, 4.0]), r"labels must be whole numbers.*got nan"),
    (np.array([True, False, True]), r"labels must be whole numbers.*bool"),
    (np.array(["3", "1", "4"]), r"labels must be whole numbers.*'3'"),
    (ONE_HOT[[3, 1, 4]] * [[1], [0], [1]], r"one-hot row 1 is \[0.0, 0.0.*a 1 for the right class"),
    (ONE_HOT[[3, 1, 4]] * 2, r"one-hot row 0 is"),
    (ONE_HOT[[3, 1, 4]] * [[1], [np.nan], [1]], r"one-hot row 1 is \[nan"),
    (ONE_HOT[[3, 1, 4]] - ONE_HOT[[5, 5, 5]] + ONE_HOT[[3, 1, 4]], r"one-hot row 0 is"),
])
def test_bad_answers_get_clear_errors_everywhere(mnist, answers, message):
    (x_train, _), _ = mnist
    network = TwoLayerNet(784, 20, 10, seed=0)
    x = x_train[:3]
    for use in (network.loss, network.gradient, network.loss_and_gradient, network.accuracy,
                network.numerical_gradient,
                lambda x, t: SoftmaxWithLoss().forward(network.predict(x), t),
                lambda x, t: cross_entropy_error(softmax(network.predict(x)), t)):
        with pytest.raises(ValueError, match=message):
            use(x, answers)


def test_whole_float_labels_are_taken_as_labels(mnist, mnist_labels):
    (x_train, _), _ = mnist
    labels = mnist_labels[0][1][:50]
    network = TwoLayerNet(784, 20, 10, seed=0)
    assert network.loss(x_train[:50], labels.astype(np.float64)) == network.loss(x_train[:50], labels)
    assert network.accuracy(x_train[:50], labels.astype(np.float32)) == network.accuracy(x_train[:50], labels)


def test_empty_batches_get_clear_errors(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 20, 10, seed=0)
    for use in (network.loss, network.gradient, network.accuracy, network.numerical_gradient):
        with pytest.raises(ValueError, match="the batch is empty: give at least one example"):
            use(x_train[:0], t_train[:0])
    with pytest.raises(ValueError, match="the batch is empty"):
        network.predict(x_train[:0])
    with pytest.raises(ValueError, match="the batch is empty"):
        cross_entropy_error(np.zeros((0, 10)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="the batch is empty"):
        SoftmaxWithLoss().forward(np.zeros((0, 10)), np.zeros(0, dtype=int))


def test_cross_entropy_of_scores_instead_of_probabilities_is_refused(mnist):
    (x_train, t_train), _ = mnist
    scores = TwoLayerNet(784, 20, 10, seed=0).predict(x_train[:5])
    with pytest.raises(ValueError, match=r"not probabilities: pass softmax\(scores\)"):
        cross_entropy_error(scores, t_train[:5])
