"""What lesson 1 says about MNIST's digits, and the validation split it makes, on the real data."""
import numpy as np
import pytest

from helpers.data import load_mnist, split_validation


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(normalize=False)


def shares(labels):
    return np.bincount(labels, minlength=10) / len(labels)


def test_digit_1_is_the_most_common_and_digit_5_the_rarest(mnist):
    (_, t_train), (_, t_test) = mnist
    train, test = shares(t_train), shares(t_test)
    assert train.argmax() == 1 and train[1] == pytest.approx(0.1124, abs=5e-5)
    assert train.argmin() == 5 and train[5] == pytest.approx(0.0904, abs=5e-5)
    assert test.argmax() == 1 and test[1] == pytest.approx(0.1135, abs=5e-5)
    assert test.argmin() == 5 and test[5] == pytest.approx(0.0892, abs=5e-5)
    # So "each digit is 9-11 % of both parts" would be false: the range is wider.
    assert test.min() < 0.09 and train.max() > 0.11


def test_the_validation_part_is_the_last_rows_as_views(mnist):
    (x, t), _ = mnist
    (x_train, t_train), (x_val, t_val) = split_validation(x, t)
    assert (len(x_train), len(t_train), len(x_val), len(t_val)) == (50000, 50000, 10000, 10000)
    assert np.array_equal(x_val, x[50000:]) and np.array_equal(t_train, t[:50000])
    for part in (x_train, t_train, x_val, t_val):
        assert part.base is not None and np.shares_memory(part, x if part.ndim == 2 else t)
    # No example in both parts: they share no memory, and together they are every row.
    assert not np.shares_memory(x_train, x_val) and not np.shares_memory(t_train, t_val)
    assert len(x_train) + len(x_val) == len(x)
    val = shares(t_val)
    assert val.argmin() == 5 and val.argmax() == 7  # not the same as the whole training set


def test_the_validation_size_can_be_chosen():
    x, t = np.arange(20).reshape(10, 2), np.arange(10)
    (x_train, t_train), (x_val, t_val) = split_validation(x, t, validation_size=3.0)
    assert t_train.tolist() == list(range(7)) and t_val.tolist() == [7, 8, 9]
    assert x_val.tolist() == [[14, 15], [16, 17], [18, 19]]
    x_val[0, 0] = -1  # a view: writing through it changes the original
    assert x[7, 0] == -1


@pytest.mark.parametrize("size, message", [
    (0, "at least 1|from 1"), (10, "from 1 to 9"), (-5, "from 1"), (2.5, "whole number"),
    (True, "whole number"), ("100", "whole number")])
def test_sizes_that_leave_no_training_or_no_validation_data_are_refused(size, message):
    x, t = np.zeros((10, 2)), np.zeros(10)
    with pytest.raises(ValueError, match=message):
        split_validation(x, t, validation_size=size)


def test_images_and_labels_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same examples"):
        split_validation(np.zeros((10, 2)), np.zeros(9))
