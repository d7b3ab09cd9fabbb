"""Chapter 5's network, for the book's ch05 code: ``from helpers.ch05 import TwoLayerNet``.

Replaces the book's ch05/two_layer_net.py. It is the course's TwoLayerNet with chapter 5's
choice, a ReLU hidden layer; like the book's, ``predict`` returns scores (softmax is in
``lastLayer``), ``layers`` holds 'Affine1', 'Relu1', 'Affine2' and ``gradient`` is
backpropagation through them.
"""
from . import two_layer_net


class TwoLayerNet(two_layer_net.TwoLayerNet):
    """The course's TwoLayerNet with ReLU unless told otherwise."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 activation="relu", **options):
        super().__init__(input_size, hidden_size, output_size, weight_init_std,
                         activation=activation, **options)
