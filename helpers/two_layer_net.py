"""The two-layer network of the book: input -> Affine -> activation -> Affine -> softmax."""
import math

import numpy as np

from . import gradient
from .blas import EVAL_THREADS, STEP_THREADS, limit_threads
from .layers import Affine, Relu, Sigmoid, SoftmaxWithLoss

ACTIVATIONS = {"sigmoid": Sigmoid, "relu": Relu}


class TwoLayerNet:
    """A network with one hidden layer, trained by updating ``params`` in place.

    params: 'W1', 'b1' (input -> hidden) and 'W2', 'b2' (hidden -> output), NumPy arrays
    that ``network.params[key] -= learning_rate * grad[key]`` updates directly.
    activation: "sigmoid" (the book's chapter 4) or "relu" (chapter 5).
    seed: makes the random initial weights reproducible.
    dtype: float32 (fast) by default; float64 for precise gradient checks.
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 activation="sigmoid", seed=None, dtype=np.float32):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
        for name, size in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("output_size", output_size)):
            if int(size) != size or size < 1:
                raise ValueError(f"{name} must be a positive whole number, not {size!r}")
        self.activation = activation
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": (weight_init_std * rng.standard_normal((input_size, hidden_size))).astype(self.dtype),
            "b1": np.zeros(hidden_size, dtype=self.dtype),
            "W2": (weight_init_std * rng.standard_normal((hidden_size, output_size))).astype(self.dtype),
            "b2": np.zeros(output_size, dtype=self.dtype),
        }

    @property
    def input_size(self):
        return self.params["W1"].shape[0]

    @property
    def output_size(self):
        return self.params["W2"].shape[1]

    def _layers(self):
        # Built from params on every call, so replacing an array in params also takes effect.
        p = self.params
        return [Affine(p["W1"], p["b1"], input_grad=False), ACTIVATIONS[self.activation](), Affine(p["W2"], p["b2"])]

    def _forward(self, layers, x):
        for layer in layers:
            x = layer.forward(x)
        return x

    @limit_threads(STEP_THREADS)
    def predict(self, x):
        """Scores for each class (before softmax), one row per example."""
        x = self._check_x(x)
        return self._forward(self._layers(), x)

    @limit_threads(STEP_THREADS)
    def loss(self, x, t):
        """Cross-entropy loss of the predictions for x against the answers t."""
        x, t = self._check_x(x), self._check_t(x, t)
        return SoftmaxWithLoss().forward(self._forward(self._layers(), x), t)

    @limit_threads(EVAL_THREADS)  # large products: a second thread pays off
    def accuracy(self, x, t, chunk_size=10_000):
        """Fraction of examples whose highest score is the right class (t: labels or one-hot).

        Works through x in chunks so that evaluating 60,000 images needs little memory.
        """
        x, t = self._check_x(x), self._check_t(x, t)
        labels = t.argmax(axis=1) if t.ndim == 2 else t
        correct, layers = 0, self._layers()
        for start in range(0, len(x), chunk_size):
            scores = self._forward(layers, x[start:start + chunk_size])
            correct += int(np.sum(scores.argmax(axis=1) == labels[start:start + chunk_size]))
        return correct / len(x)

    def numerical_gradient(self, x, t):
        """Gradients of the loss by central differences: slow, simple, and a check on backprop."""
        x, t = self._check_x(x), self._check_t(x, t)
        return {key: gradient.numerical_gradient(lambda _: self.loss(x, t), value)
                for key, value in self.params.items()}

    def gradient(self, x, t):
        """Gradients of the loss by backpropagation, as a dict with the keys of params."""
        return self.loss_and_gradient(x, t)[1]

    @limit_threads(STEP_THREADS)
    def loss_and_gradient(self, x, t):
        """(loss, gradients) from one forward and one backward pass."""
        x, t = self._check_x(x), self._check_t(x, t)
        layers = self._layers()
        last = SoftmaxWithLoss()
        loss = last.forward(self._forward(layers, x), t)
        dout = last.backward()
        for layer in reversed(layers):
            dout = layer.backward(dout)
        first, _, second = layers
        return loss, {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}

    def _check_x(self, x):
        x = np.asarray(x)
        width = math.prod(x.shape[1:]) if x.ndim >= 2 else None
        if width != self.input_size:
            raise ValueError(
                f"expected a batch of inputs with {self.input_size} values each (one flattened "
                f"image per row), got shape {x.shape}. Load with flatten=True, or use x[None] "
                "for a single example.")
        return x.astype(self.dtype, copy=False)

    def _check_t(self, x, t):
        t = np.asarray(t)
        if t.ndim not in (1, 2) or (t.ndim == 2 and t.shape[1] != self.output_size):
            raise ValueError(f"answers must be labels, shape (N,), or one-hot rows, shape "
                             f"(N, {self.output_size}); got shape {t.shape}")
        if len(t) != len(x):
            raise ValueError(f"{len(x)} inputs but {len(t)} answers: x and t must have one row "
                             "per example, e.g. x_train[batch_mask] with t_train[batch_mask]")
        return t
