"""Chapter 4's network, for the book's ch04 code: ``from helpers.ch04 import TwoLayerNet``.

Replaces the book's ch04/two_layer_net.py. It is the course's TwoLayerNet with chapter 4's
choices: a sigmoid hidden layer, and ``predict`` returning probabilities (softmax applied),
so that the book's ``cross_entropy_error(network.predict(x), t)`` is its loss. ``loss``,
``accuracy``, ``numerical_gradient`` and ``gradient`` are the course's (backpropagation,
which chapter 4 writes out by hand and chapter 5 explains), with the same results.
"""
from . import two_layer_net
from .functions import softmax


class TwoLayerNet(two_layer_net.TwoLayerNet):
    """The course's TwoLayerNet whose predict gives probabilities; sigmoid unless told."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 activation="sigmoid", **options):
        super().__init__(input_size, hidden_size, output_size, weight_init_std,
                         activation=activation, **options)

    def predict(self, x):
        """Probabilities of each class (softmax of the scores), one row per example."""
        return softmax(super().predict(x))
