"""The book's chapter 4 and 5 programs, run on helpers through the imports the README maps.

Each test does what one of the book's scripts does (ch05/gradient_check.py,
ch05/train_neuralnet.py, ch04/train_neuralnet.py), written from their published behaviour,
with the book's calls: np.random.seed, np.random.choice, network.gradient, in-place updates
of network.params, network.loss, network.accuracy, once per epoch.
"""
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from helpers import ch04, ch05
from helpers.functions import cross_entropy_error, softmax
from helpers.gradient import relative_error
from helpers.layers import Affine, Relu, SoftmaxWithLoss

README = Path(__file__).resolve().parent.parent / "README.md"


def article_training(network, x_train, t_train, x_test, t_test, iters_num=10000):
    """The book's train_neuralnet.py loop: returns the losses and the accuracies per epoch."""
    train_size, batch_size, learning_rate = x_train.shape[0], 100, 0.1
    iter_per_epoch = max(train_size / batch_size, 1)
    train_loss_list, train_acc_list, test_acc_list = [], [], []
    for i in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= learning_rate * grad[key]
        train_loss_list.append(network.loss(x_batch, t_batch))
        if i % iter_per_epoch == 0:
            train_acc_list.append(network.accuracy(x_train, t_train))
            test_acc_list.append(network.accuracy(x_test, t_test))
    return train_loss_list, train_acc_list, test_acc_list


def test_chapter5_gradient_check_agrees_as_in_the_book(mnist):
    (x_train, t_train), _ = mnist
    # A start where no hidden input lies within h of ReLU's kink at 0: there central
    # differences straddle the kink and are off by about 1e-5, in the book's code as well
    # (about one start in eight with these three images).
    np.random.seed(3)
    network = ch05.TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    x_batch, t_batch = x_train[:3], t_train[:3]
    assert np.abs(x_batch @ network.params["W1"]).min() > 1e-3
    grad_numerical = network.numerical_gradient(x_batch, t_batch)
    grad_backprop = network.gradient(x_batch, t_batch)
    assert set(grad_numerical) == {"W1", "b1", "W2", "b2"}
    for key in grad_numerical:
        diff = np.average(np.abs(grad_backprop[key] - grad_numerical[key]))  # the book's measure
        assert diff <= 1e-6, (key, diff)
        assert relative_error(grad_backprop[key], grad_numerical[key]) <= 1e-6, key
        assert np.abs(grad_numerical[key]).max() > 1e-4, key  # not trivially zero


def test_chapter5_training_reaches_the_books_accuracy(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    np.random.seed(0)
    network = ch05.TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    assert list(network.layers) == ["Affine1", "Relu1", "Affine2"]
    losses, train_acc, test_acc = article_training(network, x_train, t_train, x_test, t_test)
    assert len(test_acc) == 17  # epochs start at 0, 600, ..., 9600
    assert test_acc[0] < 0.3 and test_acc[-1] >= 0.96, test_acc
    assert network.accuracy(x_test, t_test) >= 0.965
    assert np.mean(losses[-100:]) < np.mean(losses[:100]) / 5


def test_chapter4_training_reaches_the_books_accuracy(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    np.random.seed(0)
    network = ch04.TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    assert network.activation == "sigmoid"
    _, train_acc, test_acc = article_training(network, x_train, t_train, x_test, t_test)
    assert network.accuracy(x_test, t_test) >= 0.94
    assert train_acc[-1] > train_acc[0] + 0.5


def test_chapter4_predict_gives_probabilities_and_the_books_loss(mnist):
    (x_train, t_train), _ = mnist
    network = ch04.TwoLayerNet(784, 50, 10, seed=0)
    y = network.predict(x_train[:20])
    np.testing.assert_allclose(y.sum(axis=1), 1, rtol=1e-5)
    assert y.min() >= 0
    # The book's chapter 4 loss is cross_entropy_error of predict's output.
    assert cross_entropy_error(y, t_train[:20]) == pytest.approx(network.loss(x_train[:20], t_train[:20]), abs=1e-5)
    # Chapter 5's predict returns scores, as the book's does: softmax comes in lastLayer.
    scores = ch05.TwoLayerNet(784, 50, 10, seed=0, activation="sigmoid").predict(x_train[:20])
    np.testing.assert_allclose(softmax(scores), y, rtol=1e-5)


def test_np_random_seed_makes_the_network_reproducible_as_in_the_book():
    np.random.seed(3)
    a = ch05.TwoLayerNet(784, 50, 10)
    np.random.seed(3)
    W1, W2 = 0.01 * np.random.randn(784, 50), 0.01 * np.random.randn(50, 10)  # the book's draws
    np.random.seed(3)
    b = ch04.TwoLayerNet(784, 50, 10)
    np.testing.assert_array_equal(a.params["W1"], W1.astype(np.float32))
    np.testing.assert_array_equal(a.params["W2"], W2.astype(np.float32))
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    c = ch05.TwoLayerNet(784, 50, 10)  # the generator has moved on: new weights
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    np.random.seed(3)
    seeded = ch05.TwoLayerNet(784, 50, 10, seed=3)  # seed= uses its own generator
    assert not np.array_equal(a.params["W1"], seeded.params["W1"])
    np.testing.assert_array_equal(seeded.params["W1"], ch05.TwoLayerNet(784, 50, 10, seed=3).params["W1"])


def test_chapter5_layers_as_the_book_describes_them(mnist):
    (x_train, t_train), _ = mnist
    network = ch05.TwoLayerNet(784, 50, 10, seed=1)
    assert isinstance(network.layers, OrderedDict)
    assert list(network.layers) == ["Affine1", "Relu1", "Affine2"]
    affine1, relu1, affine2 = network.layers.values()
    assert isinstance(affine1, Affine) and isinstance(relu1, Relu) and isinstance(affine2, Affine)
    assert isinstance(network.lastLayer, SoftmaxWithLoss)
    assert affine1.W is network.params["W1"] and affine2.b is network.params["b2"]

    x, t = x_train[:7], t_train[:7]
    grads = network.gradient(x, t)
    assert network.layers["Affine1"].dW is grads["W1"] and affine2.db is grads["b2"]
    a1 = x @ network.params["W1"] + network.params["b1"]
    np.testing.assert_array_equal(relu1.mask, a1 <= 0)  # True where nothing passes
    assert network.lastLayer.loss == network.loss(x, t)
    np.testing.assert_allclose(network.lastLayer.y, softmax(network.predict(x)), rtol=1e-6)
    np.testing.assert_array_equal(network.lastLayer.t, t)

    # The book's in-place update changes the very arrays the layers compute with.
    before = network.predict(x)
    for key in ("W1", "b1", "W2", "b2"):
        network.params[key] -= 0.1 * grads[key]
    assert affine1.W is network.params["W1"]
    assert not np.array_equal(network.predict(x), before)
    # The layers are built once: the same objects after many calls.
    assert network.layers["Affine1"] is affine1 and network.lastLayer is network.lastLayer


def test_affine_gives_dx_in_the_input_shape_and_relu_mask(mnist):
    (x_train, _), _ = mnist
    images = x_train[:4].reshape(4, 1, 28, 28)
    rng = np.random.default_rng(0)
    affine = Affine(rng.standard_normal((784, 5)), np.zeros(5))
    out = affine.forward(images)
    assert affine.original_x_shape == (4, 1, 28, 28) and affine.x.shape == (4, 784)
    dx = affine.backward(np.ones_like(out))
    assert dx.shape == (4, 1, 28, 28)
    np.testing.assert_allclose(dx[0, 0], affine.W.sum(axis=1).reshape(28, 28))

    relu = Relu()
    x = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu.forward(x), [[0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu.mask, [[True, True, False]])
    dout = np.array([[5.0, 6.0, 7.0]])
    np.testing.assert_array_equal(relu.backward(dout), [[0.0, 0.0, 7.0]])
    np.testing.assert_array_equal(dout, [[5.0, 6.0, 7.0]])  # left as it was


def test_chapter_networks_keep_the_courses_options(mnist):
    (x_train, t_train), _ = mnist
    network = ch05.TwoLayerNet(784, 20, 10, activation="sigmoid", seed=2, dtype=np.float64)
    assert list(network.layers) == ["Affine1", "Sigmoid1", "Affine2"]
    assert network.params["W1"].dtype == np.float64
    assert ch04.TwoLayerNet(784, 20, 10, activation="relu").activation == "relu"
    loss, grads = network.loss_and_gradient(x_train[:10], t_train[:10])
    assert loss == network.loss(x_train[:10], t_train[:10]) and grads["W1"].dtype == np.float64


def readme_section(title):
    text = README.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_every_import_the_readme_maps_the_book_to_works():
    section = readme_section("Moving between the book and the course")
    imports = re.findall(r"`(from helpers[.\w]* import [\w, *]+)`", section)
    assert len(imports) >= 6, imports
    for line in imports:
        exec(line, {})
    for book_file in ("dataset/mnist.py", "common/functions.py", "common/gradient.py",
                      "common/layers.py", "ch04/two_layer_net.py", "ch05/two_layer_net.py"):
        assert book_file in section, book_file


def test_star_import_of_functions_gives_the_books_names():
    names = {}
    exec("from helpers.functions import *", names)
    for name in ("step_function", "sigmoid", "sigmoid_grad", "relu", "identity_function",
                 "softmax", "sum_squared_error", "cross_entropy_error"):
        assert callable(names[name]), name
    t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    assert names["sum_squared_error"](y, t) == pytest.approx(0.0975)
    assert names["cross_entropy_error"](y, t) == pytest.approx(0.5108, abs=1e-4)
    np.testing.assert_array_equal(names["step_function"](np.array([-1.0, 0.0, 2.0])), [0, 0, 1])
