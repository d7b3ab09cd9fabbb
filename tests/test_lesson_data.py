"""What lesson 1 says about MNIST's digits and the validation split it makes, on the real data;
and its exercises' test cells: a right answer passes, the usual wrong ones are named."""

import numpy as np
import pytest

from helpers.data import load_mnist, split_validation
from lesson_cells import run_exercise, run_lesson


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


def test_a_validation_part_cut_from_sorted_data_holds_only_eights_and_nines(mnist):
    """Exercise 1.4's model answer: what the last 10,000 rows are once the data is sorted."""
    (_, t), _ = mnist
    order = np.argsort(t, kind="stable")
    (_, t_learn), (_, t_val) = split_validation(order, t[order])
    val, learn = np.bincount(t_val, minlength=10), np.bincount(t_learn, minlength=10)
    assert val.tolist() == [0] * 8 + [4051, 5949] and learn[8] == 1800 and learn[9] == 0
    assert 1 - val[9] / len(t_val) == pytest.approx(0.4051)


# The lesson's own test cells, given a learner's answer: the right one passes, wrong ones are named.

@pytest.fixture(scope="module")
def lesson():
    return run_lesson("01_data_loading.ipynb")


def test_the_lesson_has_three_code_exercises_whose_right_answers_pass(lesson):
    assert sorted(lesson[1]) == ["1.1", "1.2", "1.3"]
    for number in lesson[1]:
        run_exercise(lesson, number)  # alone: no other exercise's solution or test ran


CENTRED = "return (images.astype(np.float32) - 128) / 128"


@pytest.mark.parametrize("new", [
    # centred_buggy copied as it is, and the same uint8 subtraction written other ways
    "shifted = images - 128\n    return shifted.astype(np.float32) / 128",
    "return (images - 128).astype(np.float32) / 128",
    "return np.float32(images - 128) / 128",
    "return (images - np.uint8(128)) / 128",            # float64, but the same values
])
def test_exercise_1_3_with_the_bug_left_in_shows_the_symptom_not_the_fix(lesson, new):
    """Running the test on the buggy code must not hand out the answer: the message says what
    the learner can see (blank paper at 1.00, nothing below 0) and where to look, not the fix."""
    with pytest.raises(AssertionError) as failed:
        run_exercise(lesson, "1.3", [(CENTRED, new)])
    message = str(failed.value)
    assert message == ("centred still behaves like centred_buggy: its values run from 0.00 to 1.99, "
                       "and blank paper (a pixel of 0) comes out as 1.00 instead of -1.00. Follow a "
                       "pixel of 0 through your function step by step: where does it first stop "
                       "being what you expect?")
    for fix in ("uint8", "float", "astype", "convert", "wrap", "256"):
        assert fix not in message


def test_exercise_1_3_shows_the_symptom_for_the_lessons_own_buggy_function(lesson):
    with pytest.raises(AssertionError, match=r"^centred still behaves like centred_buggy: "):
        run_exercise(lesson, "1.3", [(CENTRED, "return centred_buggy(images)")])


def test_exercise_1_3_passes_a_right_answer_after_centred_buggy_was_fixed_in_its_own_cell(lesson):
    """A learner may put the mistake right in centred_buggy's cell first: a right centred must
    still pass, not be told that it behaves like (the now right) centred_buggy."""
    base, exercises = lesson
    fixed = dict(base, centred_buggy=lambda images: (images.astype(np.float32) - 128) / 128)
    run_exercise((fixed, exercises), "1.3")


@pytest.mark.parametrize("new, message", [
    # the usual slips of the fix
    ("return images.astype(np.float32) - 128 / 128", r"you subtracted 128 / 128 = 1: .*brackets"),
    ("return (images - 128.0) / 128", r"should return float32 .*not float64"),
    ("return images / 128 - 1", r"should return float32 .*not float64"),
    ("images -= 128\n    return images.astype(np.float32) / 128", r"changed the images it was given"),
    ("(images.astype(np.float32) - 128) / 128", r"returned None: did it forget to `return`"),
    ("return images.astype(np.float32) / 255 * 2 - 1",
     r"centred\(x_raw\[:1000\]\) differs from \(pixel - 128\) / 128"),
])
def test_exercise_1_3_names_the_mistake(lesson, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, "1.3", [(CENTRED, new)])


@pytest.mark.parametrize("new", [
    "return (np.asarray(images, dtype=np.float32) - 128) / 128",
    "return ((images - np.float32(128)) / np.float32(128)).astype(np.float32)",
    "x = images.astype(np.float32)\n    x -= 128\n    x /= 128\n    return x",
])
def test_exercise_1_3_accepts_right_answers_written_another_way(lesson, new):
    run_exercise(lesson, "1.3", [(CENTRED, new)])


HEADER = 'np.frombuffer(content, dtype=">u4", count=ndim, offset=4)'
NORMALIZE = "return images.astype(np.float32) / 255"


@pytest.mark.parametrize("number, old, new, message", [
    ("1.1", HEADER, HEADER.replace(">u4", "<u4"), r"the right bytes read in the wrong order: .*'>u4'"),
    ("1.1", HEADER, HEADER.replace('">u4"', "np.uint32"), r"the right bytes read in the wrong order"),
    ("1.1", "offset=4", "offset=0", r"start with the magic number 2051: .*offset=4"),
    ("1.1", "count=ndim", "count=3", r"the labels file has 1 dimension .* yours gives 3 sizes.*count=content\[3\]"),
    ("1.1", "return type_code, dims", "return 8, (count, rows, cols)", r"the labels file has 1 dimension"),
    ("1.1", "return type_code, dims", "return type_code, np.array(dims)", r"not a tuple: return the sizes as a tuple"),
    ("1.1", "return type_code, dims", "return type_code, list(dims)", r"dims is \[60000, 28, 28\], not a tuple"),
    ("1.1", "return type_code, dims", "return content[2:3], dims", r"a bytes object: content\[2\]"),
    ("1.1", "return type_code, dims", "return int(np.frombuffer(content, '>u4', count=1)[0]), dims",
     r"the type code is 2051, the whole magic number: it is byte 2 alone"),
    ("1.1", "return type_code, dims", "type_code, dims", r"returned None: did it forget to `return"),
    ("1.1", "return type_code, dims", "return dims", r"is \(60000, 28, 28\): return a pair, \(type_code, dims\)"),
    ("1.2", NORMALIZE, "return images / 255", r"should return float32"),
    ("1.2", NORMALIZE, "return images.astype(np.float32) / 256",
     r"it is 0\.9961 times the expected value everywhere"),
    ("1.2", NORMALIZE, "images /= 255\n    return images", r"divides in place, into the uint8 array"),
    ("1.2", NORMALIZE, "images.astype(np.float32) / 255", r"returned None: did it forget to `return`"),
    ("1.2", NORMALIZE, "return images.astype(np.float32) / images.max()",
     r"divided by the largest pixel of the images it was given: divide by 255"),
])
def test_exercises_1_1_and_1_2_name_the_mistake(lesson, number, old, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, number, [(old, new)])


@pytest.mark.parametrize("number, old, new", [
    ("1.1", "return type_code, dims", "return type_code, tuple(np.frombuffer(content, '>u4', count=ndim, offset=4))"),
    ("1.1", "return type_code, dims", "return int(type_code), dims"),
    ("1.2", NORMALIZE, "return (images / 255).astype(np.float32)"),
    ("1.2", NORMALIZE, "return images / np.float32(255)"),
])
def test_exercises_1_1_and_1_2_accept_right_answers_written_another_way(lesson, number, old, new):
    run_exercise(lesson, number, [(old, new)])
