"""Lesson 2's exercises: each test cell passes a right answer and names the usual wrong ones.

The test cells run as the lesson runs them, after the lesson's own cells (on the real MNIST),
with the solution edited into a learner's mistake.
"""
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_cells import run_exercise, run_lesson


@pytest.fixture(scope="module")
def lesson():
    return run_lesson("02_mini_batches.ipynb")


def test_the_lesson_has_three_code_exercises_whose_right_answers_pass(lesson):
    assert sorted(lesson[1]) == ["2.1", "2.2", "2.4"]
    for number in lesson[1]:
        run_exercise(lesson, number)  # alone: no other exercise's solution or test ran


def test_the_lessons_numbers_for_exercise_2_3():
    """The model answer's figures: the birthday problem for batches of 100 and 1,000 of 60,000."""
    n_images = 60000
    for n, share in [(100, 0.0792), (1000, 0.9998)]:
        assert 1 - np.prod(1 - np.arange(n) / n_images) == pytest.approx(share, abs=5e-5)
    rng = np.random.default_rng(0)
    repeats = np.mean([len(np.unique(rng.choice(n_images, 100))) < 100 for _ in range(20000)])
    assert repeats == pytest.approx(0.0792, abs=0.006)  # 3 standard errors


DRAW = "batch_mask = np.random.choice(x.shape[0], batch_size)\n    return x[batch_mask], t[batch_mask]"


@pytest.mark.parametrize("new, message", [
    ("batch_mask = np.random.choice(x.shape[1], batch_size)\n    return x[batch_mask], t[batch_mask]",
     r"drew only 3 different rows, all below 3: draw from all x.shape\[0\] rows, not x.shape\[1\]"),
    ("batch_mask = np.random.permutation(x.shape[0])[:batch_size]\n    return x[batch_mask], t[batch_mask]",
     r"a batch of 50 from 10 rows has shape \(10, 3\), not \(50, 3\): draw with replacement"),
    ("batch_mask = np.random.choice(x.shape[0], batch_size, replace=False)\n    return x[batch_mask], t[batch_mask]",
     r"draw with replacement"),
    ("return x[np.random.choice(x.shape[0], batch_size)], t[np.random.choice(x.shape[0], batch_size)]",
     r"x_batch and t_batch come from different rows: use one batch_mask for both"),
    ("batch_mask = np.random.choice(x.shape[0], batch_size)\n    return x[batch_mask], t[:batch_size]",
     r"x_batch and t_batch come from different rows"),
    ("np.random.seed(0)\n    " + DRAW, r"two calls gave the same batch"),
    ("batch_mask = np.random.choice(batch_size, x.shape[0])\n    return x[batch_mask], t[batch_mask]",
     r"x_batch.shape is \(1000, 3\), expected \(50, 3\)"),
    # the article's lines copied as they are: its train_size, or its x_train and t_train
    ("batch_mask = np.random.choice(train_size, batch_size)\n    return x[batch_mask], t[batch_mask]",
     r"raised IndexError .* for an x of 1000 rows: draw row numbers below x.shape\[0\].*not below train_size"),
    ("batch_mask = np.random.choice(train_size, batch_size)\n    return x_train[batch_mask], t_train[batch_mask]",
     r"x_batch has rows of 784 numbers, but the x given to draw_batch has rows of 3: .*not from x_train"),
    ("batch_mask = np.random.choice(x.shape[0], batch_size)\n    return t[batch_mask], x[batch_mask]",
     r"returned \(t_batch, x_batch\): return the images first"),
    ("return np.random.choice(x.shape[0], batch_size)",
     r"should return a pair, \(x_batch, t_batch\), but it returned a value of type ndarray and length 50"),
])
def test_exercise_2_1_names_the_mistake(lesson, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, "2.1", [(DRAW, new)])


EPOCH = "order = rng.permutation(train_size)"


@pytest.mark.parametrize("new, message", [
    ("order = np.random.permutation(train_size)", r"shuffle with the rng you are given"),
    ("order = np.arange(train_size)", r"the indices come in order: shuffle them first"),
    ("order = rng.choice(train_size, train_size)", r"some indices come twice in one epoch, and others never"),
    ("order = np.random.default_rng(0).permutation(train_size)",
     r"two generators with different seeds gave the same epoch: shuffle with the rng you are given"),
])
def test_exercise_2_2_names_the_mistake(lesson, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, "2.2", [(EPOCH, new)])


EPOCH_CUT = "for start in range(0, train_size - batch_size + 1, batch_size)]"
EPOCH_LIST = "return [order[start:start + batch_size]\n            " + EPOCH_CUT


@pytest.mark.parametrize("old, new, message", [
    # the last, incomplete batch kept: only an epoch whose size batch_size does not divide shows it
    (EPOCH_CUT, "for start in range(0, train_size, batch_size)]",
     r"an epoch of 1050 indices in batches of 100 has 10 batches of 100 .* yours has 11 of \[50, 100\]"),
    (EPOCH_CUT, "for start in range(0, train_size - batch_size, batch_size)]",
     r"has 10 batches, yours has 9: the last full batch is missing"),
    # cut into train_size // batch_size equal parts: right for 1000, batches of 105 for 1050
    (EPOCH_LIST, "return np.array_split(order, train_size // batch_size)", r"yours has 10 of \[105\] indices"),
    (EPOCH_LIST, "return np.split(order, train_size // batch_size)", r"yours has 10 of \[105\] indices"),
    (EPOCH_LIST, "return order.reshape(-1, batch_size)",
     r"raised ValueError .*leave out the last, incomplete batch"),
    # a fresh permutation for every batch
    ("order = rng.permutation(train_size)\n    " + EPOCH_LIST,
     "return [rng.permutation(train_size)[:batch_size] for _ in range(train_size // batch_size)]",
     r"some indices come twice in one epoch"),
    (EPOCH_LIST, "[order[start:start + batch_size]\n            " + EPOCH_CUT,
     r"epoch_masks returned None: did it forget to `return`"),
    # rng.shuffle's None kept as the order
    ("order = rng.permutation(train_size)", "order = rng.shuffle(np.arange(train_size))",
     r"rng.shuffle shuffles an array in place and returns None; rng.permutation\(train_size\)"),
])
def test_exercise_2_2_names_the_mistakes_of_cutting(lesson, old, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, "2.2", [(old, new)])


@pytest.mark.parametrize("old, new", [
    # a generator, like helpers.train.batch_masks
    (EPOCH_LIST, "for start in range(0, train_size - batch_size + 1, batch_size):\n"
                 "        yield order[start:start + batch_size]"),
    # a 2-D array: one row per batch
    (EPOCH_LIST, "n = train_size // batch_size\n    return order[:n * batch_size].reshape(n, batch_size)"),
])
def test_exercise_2_2_accepts_right_answers_written_another_way(lesson, old, new):
    run_exercise(lesson, "2.2", [(old, new)])


SHUFFLE = "order = rng.permutation(len(x))\n    x, t = x[order], t[order]"
CUT = "for start in range(0, len(x) - batch_size + 1, batch_size)]"


@pytest.mark.parametrize("new", [
    # shuffled_batches_buggy's two permutations copied as they are, and written other ways
    "x = x[rng.permutation(len(x))]\n    t = t[rng.permutation(len(t))]",
    "t = t[rng.permutation(len(t))]\n    x = x[rng.permutation(len(x))]",
    "x, t = rng.permutation(x), rng.permutation(t)",
    "order = rng.permutation(len(x))\n    x, t = x[order], t[rng.permutation(len(t))]",
])
def test_exercise_2_4_with_the_bug_left_in_shows_the_symptom_not_the_fix(lesson, new):
    """Running the test on the buggy code must not hand out the answer: the message says what
    the learner can see (an image beside another example's label) and where to look."""
    with pytest.raises(AssertionError) as failed:
        run_exercise(lesson, "2.4", [(SHUFFLE, new)])
    message = str(failed.value)
    assert re.fullmatch(
        r"shuffled_batches still shuffles like shuffled_batches_buggy: every image and every label "
        r"comes once, but not side by side; e\.g\. example (\d+)'s image sits beside example "
        r"(?!\1')\d+'s label\. Follow one example through the lines that shuffle x and t: where do "
        r"its image and its label end up\?", message), message
    for fix in ("permutation", "order", "index", "both", "same"):
        assert fix not in message


def test_exercise_2_4_shows_the_symptom_for_the_lessons_own_buggy_function(lesson):
    """The check catches shuffled_batches_buggy itself, as the lesson defines it."""
    base, exercises = lesson
    solution, test_cells = exercises["2.4"]
    namespace = dict(base)
    namespace["shuffled_batches"] = base["shuffled_batches_buggy"]
    with pytest.raises(AssertionError, match=r"^shuffled_batches still shuffles like shuffled_batches_buggy"):
        for test in test_cells:
            exec(test, namespace)
    plt.close("all")


@pytest.mark.parametrize("replace, message", [
    # two shuffles in place: the caller's arrays change (and the pairs are lost)
    ([(SHUFFLE, "rng.shuffle(x)\n    rng.shuffle(t)")], r"changed the caller's x or t in place"),
    # one permutation, but only for the images
    ([(SHUFFLE, "order = rng.permutation(len(x))\n    x = x[order]")], r"shuffled in different orders"),
    # drawn with replacement: an epoch repeats some examples and misses others
    ([(SHUFFLE, "order = rng.choice(len(x), len(x))\n    x, t = x[order], t[order]")],
     r"repeats some and misses others: shuffle with rng.permutation"),
    ([(SHUFFLE, "order = np.arange(len(x))\n    x, t = x[order], t[order]")],
     r"the examples come in their original order: shuffle them"),
    ([(SHUFFLE, "order = np.random.permutation(len(x))\n    x, t = x[order], t[order]")],
     r"two generators with the same seed gave different epochs"),
    ([(CUT, "for start in range(0, len(x) - batch_size, batch_size)]")],
     r"the number of batches in an epoch of 1000 with batch size 100 is 9, expected 10"),
    ([("return [(x[start", "[(x[start")], r"returned None: did it forget to `return`"),
    # a generator of its own, seeded: the same epoch whatever rng it is given
    ([(SHUFFLE, "order = np.random.default_rng(0).permutation(len(x))\n    x, t = x[order], t[order]")],
     r"two generators with different seeds gave the same epoch"),
    # the last, incomplete batch kept
    ([(CUT, "for start in range(0, len(x), batch_size)]")],
     r"an epoch of 950 examples in batches of 100 has 9 batches of 100 .*yours has 10 of \[50, 100\]"),
    # rng.shuffle's None kept: as an index it adds an axis, as the data it has no length
    ([(SHUFFLE, "order = rng.shuffle(np.arange(len(x)))\n    x, t = x[order], t[order]")],
     r"no batch at all for 1000 examples. Is your order None\? rng.shuffle"),
    ([(SHUFFLE, "x, t = rng.shuffle(x.copy()), rng.shuffle(t.copy())")],
     r"rng.shuffle shuffles an array in place and returns None; rng.permutation\(len\(x\)\)"),
    # pairs of one image and its label, not of two arrays
    ([("return [(x[start:start + batch_size], t[start:start + batch_size])",
       "return [list(zip(x[start:start + batch_size], t[start:start + batch_size]))")],
     r"should return a list of pairs \(x_batch, t_batch\), one pair per batch"),
])
def test_exercise_2_4_names_the_mistake(lesson, replace, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, "2.4", replace)


@pytest.mark.parametrize("replace", [
    # a generator, batch by batch
    [("return [(x[start:start + batch_size], t[start:start + batch_size])\n            " + CUT,
      "for start in range(0, len(x) - batch_size + 1, batch_size):\n"
      "        yield x[start:start + batch_size], t[start:start + batch_size]")],
    # indices shuffled in place, then used for both
    [(SHUFFLE, "order = np.arange(len(x))\n    rng.shuffle(order)\n    x, t = x[order], t[order]")],
    # masks as in exercise 2.2
    [(SHUFFLE + "\n    return [(x[start:start + batch_size], t[start:start + batch_size])\n            " + CUT,
      "order = rng.permutation(len(x))\n    return [(x[order[s:s + batch_size]], t[order[s:s + batch_size]])\n"
      "            for s in range(0, len(x) - batch_size + 1, batch_size)]")],
])
def test_exercise_2_4_accepts_right_answers_written_another_way(lesson, replace):
    run_exercise(lesson, "2.4", replace)
