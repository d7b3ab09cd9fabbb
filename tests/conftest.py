import os

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Every test session builds its own cache, so a learner's ~/.cache is never touched."""
    path = tmp_path_factory.mktemp("cache")
    old = os.environ.get("NN_FROM_SCRATCH_CACHE")
    os.environ["NN_FROM_SCRATCH_CACHE"] = str(path)
    yield path
    if old is None:
        del os.environ["NN_FROM_SCRATCH_CACHE"]
    else:
        os.environ["NN_FROM_SCRATCH_CACHE"] = old


@pytest.fixture(scope="session")
def mnist():
    """The shipped MNIST as the article loads it: normalized, flattened, one-hot labels."""
    from helpers.data import load_mnist
    return load_mnist(normalize=True, one_hot_label=True)


@pytest.fixture(scope="session")
def mnist_labels():
    """The shipped MNIST with labels as digits."""
    from helpers.data import load_mnist
    return load_mnist(normalize=True, one_hot_label=False)
