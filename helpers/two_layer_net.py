"""The two-layer network of the book: input -> Affine -> activation -> Affine -> softmax.

Replaces the book's ch05/two_layer_net.py (and, with activation="sigmoid", chapter 4's
network). helpers.ch04 and helpers.ch05 give each chapter's defaults under the book's name.
"""
import copy
import math
from collections import OrderedDict

import numpy as np

from . import gradient
from .blas import EVAL_THREADS, STEP_THREADS, limit_threads
from .functions import checked_answers
from .layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
from .settings import positive_number, whole_number

ACTIVATIONS = {"sigmoid": Sigmoid, "relu": Relu}
# The book's named initialisations (重みの初期値): std = sqrt(factor / inputs of the layer).
WEIGHT_INITS = {"xavier": 1.0, "sigmoid": 1.0, "he": 2.0, "relu": 2.0}


def init_std(weight_init_std, fan_in):
    """The std of a layer's initial weights, as the book's MultiLayerNet chooses it.

    A number is the std itself (0.01, the book's default: small, so a sigmoid network starts
    with tiny gradients). "xavier" or "sigmoid" gives 1/sqrt(fan_in) (Xavierの初期値), "he" or
    "relu" sqrt(2/fan_in) (Heの初期値), where fan_in is the number of the layer's inputs: then
    a layer's outputs vary about as much as its inputs, in every layer.
    """
    if isinstance(weight_init_std, str):
        if weight_init_std.lower() not in WEIGHT_INITS:
            raise ValueError(f"weight_init_std must be a positive number or one of "
                             f"{sorted(WEIGHT_INITS)}, not {weight_init_std!r}")
        return math.sqrt(WEIGHT_INITS[weight_init_std.lower()] / fan_in)
    try:
        return positive_number(weight_init_std, "weight_init_std")
    except ValueError as error:
        raise ValueError(f"{error}; or give one of {sorted(WEIGHT_INITS)}") from None


class TwoLayerNet:
    """A network with one hidden layer, trained by updating ``params`` in place.

    params: 'W1', 'b1' (input -> hidden) and 'W2', 'b2' (hidden -> output), NumPy arrays
    that ``network.params[key] -= learning_rate * grad[key]`` updates directly.
    layers: the book's ordered dict 'Affine1', 'Relu1' (or 'Sigmoid1'), 'Affine2', and
    lastLayer, a SoftmaxWithLoss: built once and kept, so after gradient() each layer
    shows what it computed (network.layers['Affine1'].dW). They compute with the arrays in
    params, whether updated in place or replaced (params[key] = ...).
    activation: "sigmoid" (the book's chapter 4, and the default) or "relu" (chapter 5).
    weight_init_std: the initial weights' std, 0.01 by default, or the book's names
    "xavier"/"sigmoid" and "he"/"relu", which set it per layer (see init_std).
    seed: makes the random initial weights reproducible; without it they come from NumPy's
    global generator, so np.random.seed(0) beforehand does the same, as in the book.
    dtype: float32 (fast) by default; float64 to compute as the book does.
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 activation="sigmoid", seed=None, dtype=np.float32):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
        sizes = [whole_number(size, name) for name, size in (
            ("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size))]
        stds = [init_std(weight_init_std, fan_in) for fan_in in sizes[:2]]
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be np.float32 or np.float64, not {dtype!r}")
        self.activation = activation
        self.dtype = np.dtype(dtype)
        normal = np.random.standard_normal if seed is None else np.random.default_rng(seed).standard_normal
        W1, W2 = (std * normal(shape) for std, shape in zip(stds, (sizes[:2], sizes[1:])))
        self.params = {"W1": W1.astype(self.dtype), "b1": np.zeros(sizes[1], dtype=self.dtype),
                       "W2": W2.astype(self.dtype), "b2": np.zeros(sizes[2], dtype=self.dtype)}
        self._build_layers()

    def _build_layers(self):
        # Affine1's input is the data, whose gradient nothing needs (input_grad=False).
        p, activation = self.params, ACTIVATIONS[self.activation]
        self.layers = OrderedDict([("Affine1", Affine(p["W1"], p["b1"], input_grad=False)),
                                   (activation.__name__ + "1", activation()),
                                   ("Affine2", Affine(p["W2"], p["b2"]))])
        self.lastLayer = SoftmaxWithLoss()

    @property
    def input_size(self):
        return self.params["W1"].shape[0]

    @property
    def output_size(self):
        return self.params["W2"].shape[1]

    @limit_threads(STEP_THREADS)
    def predict(self, x):
        """Scores for each class (before softmax), one row per example."""
        return self._scores(self._check_x(x))

    def _scores(self, x):
        first, second = self.layers["Affine1"], self.layers["Affine2"]
        first.W, first.b, second.W, second.b = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    @limit_threads(STEP_THREADS)
    def loss(self, x, t):
        """Cross-entropy loss of the predictions for x against the answers t."""
        return self.lastLayer.forward(self._scores(self._check_x(x)), t)

    @limit_threads(EVAL_THREADS)  # large products: a second thread pays off
    def accuracy(self, x, t, chunk_size=10_000):
        """Fraction of examples whose highest score is the right class (t: labels or one-hot).

        Works through x in chunks so that evaluating 60,000 images needs little memory.
        """
        x = self._check_x(x)
        t = checked_answers(t, len(x), self.output_size)
        labels = t.argmax(axis=1) if t.ndim == 2 else t
        correct = 0
        for start in range(0, len(x), chunk_size):
            scores = self._scores(x[start:start + chunk_size])
            correct += int(np.sum(scores.argmax(axis=1) == labels[start:start + chunk_size]))
        return correct / len(x)

    def numerical_gradient(self, x, t):
        """Gradients of the loss by central differences: slow, simple, and a check on backprop.

        Always computed in float64, on a float64 copy of the network: in float32 the loss's
        own rounding, divided by the tiny 2h, would put errors of 1e-3 and more (relative)
        into the very check it is meant for.
        """
        precise = self.astype(np.float64)
        x = precise._check_x(x)
        return {key: gradient.numerical_gradient(lambda _: precise.loss(x, t), value)
                for key, value in precise.params.items()}

    def gradient(self, x, t):
        """Gradients of the loss by backpropagation, as a dict with the keys of params."""
        return self.loss_and_gradient(x, t)[1]

    @limit_threads(STEP_THREADS)
    def loss_and_gradient(self, x, t):
        """(loss, gradients) from one forward and one backward pass."""
        loss = self.loss(x, t)
        dout = self.lastLayer.backward(1.0)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        first, second = self.layers["Affine1"], self.layers["Affine2"]
        return loss, {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}

    def astype(self, dtype):
        """A copy of the network with its parameters in ``dtype`` (its own layers, too)."""
        other = copy.copy(self)
        other.dtype = np.dtype(dtype)
        other.params = {key: value.astype(dtype) for key, value in self.params.items()}
        other._build_layers()
        return other

    def _check_x(self, x):
        x = np.asarray(x)
        if x.ndim < 2 or math.prod(x.shape[1:]) != self.input_size:
            raise ValueError(
                f"expected a batch of inputs with {self.input_size} values each (one flattened "
                f"image per row), got shape {x.shape}. Load with flatten=True, or use x[None] "
                "for a single example.")
        if len(x) == 0:
            raise ValueError("the batch is empty: give at least one example, e.g. x_train[:100]")
        return x.astype(self.dtype, copy=False)
