"""Lesson 6's exercises: right answers pass, the usual wrong ones are named; and the collapsed
"What you should see" cells of lessons 5 and 6 follow the course's convention.

The lesson's own test cells run on the lesson's own namespace (its code cells without the
exercises), as in tests/test_lesson_backprop.py.
"""
import re

import nbformat
import pytest

from lesson_cells import NOTEBOOKS, run_exercise, run_lesson, written_answers

WYSS_METADATA = {"jupyter": {"source_hidden": True}, "tags": ["what-you-should-see"]}


@pytest.fixture(scope="module")
def lesson():
    return run_lesson("06_parameter_updates.ipynb")


def test_the_lesson_has_three_code_exercises_whose_right_answers_pass(lesson):
    assert sorted(lesson[1]) == ["6.1", "6.2", "6.3"]
    for number in lesson[1]:
        run_exercise(lesson, number)         # alone: no other exercise's solution or test ran


def test_6_3_shows_the_bug_before_the_learner_fixes_it(lesson):
    """The buggy function leaves the loss where it started; helpers.train, on the same
    batches, lowers it: the symptom the exercise asks the learner to explain."""
    buggy, right = lesson[0]["buggy_losses"], lesson[0]["train_losses"]
    assert len(buggy) == len(right) == 300 and buggy[0] == pytest.approx(right[0], rel=1e-6)
    assert abs(sum(buggy[-20:]) / 20 - sum(buggy[:20]) / 20) < 0.01
    assert sum(right[-20:]) / 20 < 0.5 * sum(right[:20]) / 20


UPDATE = "param -= learning_rate * grad[key]"
LOSS = "        losses.append(network.loss(x_batch, t_batch))\n"
GRAD = "grad = network.gradient(x_batch, t_batch)\n"
RETURN = "    return losses\n"


MEASURED_AFTER = [(LOSS, ""), (RETURN, "        losses.append(network.loss(x_batch, t_batch))\n" + RETURN)]


SYMPTOM = ("sgd_steps still behaves like buggy_sgd_steps: after a step, every array in network.params "
           "holds the same numbers as before, so the loss cannot fall. Look at the line that is meant "
           "to change them: what does it change instead?")


@pytest.mark.parametrize("replace", [
    # buggy_sgd_steps's line copied: a new array bound to the loop's name, the network's own untouched
    [(UPDATE, "param = param - learning_rate * grad[key]")],
    # the same trap written other ways: a new array bound to another name, or to none
    [(UPDATE, "new_param = param - learning_rate * grad[key]")],
    [(UPDATE, "param - learning_rate * grad[key]")],
    # a new dict bound to a local name
    [("        for key, param in network.params.items():\n",
      "        params = {key: param - learning_rate * grad[key] for key, param in network.params.items()}\n"
      "        for key, param in []:\n")],
])
def test_6_3_with_the_bug_left_in_shows_the_symptom_not_the_fix(lesson, replace):
    """Running the test on the buggy code must not hand out the answer: the message says what
    the learner can see (network.params unchanged, so the loss cannot fall) and where to look."""
    with pytest.raises(AssertionError) as failed:
        run_exercise(lesson, "6.3", replace)
    message = str(failed.value)
    assert message == SYMPTOM
    for fix in ("-=", "rebind", "in place", "param =", "name"):
        assert fix not in message


def test_6_3_shows_the_symptom_for_the_lessons_own_buggy_function(lesson):
    """The check catches buggy_sgd_steps itself, as the lesson defines it."""
    base, exercises = lesson
    namespace = dict(base, sgd_steps=base["buggy_sgd_steps"])
    with pytest.raises(AssertionError) as failed:
        for test in exercises["6.3"][1]:
            exec(test, namespace)
    assert str(failed.value) == SYMPTOM


@pytest.mark.parametrize("replace, message", [
    # only the weights updated
    ([("for key, param in network.params.items():",
       'for key, param in [(k, network.params[k]) for k in ("W1", "W2")]:')],
     r"^network\.params\['b1'\] did not change: .*, or leave 'b1' out\?"),
    ([(UPDATE, "param += learning_rate * grad[key]")],
     r"^your step moved network\.params\['W1'\] uphill, along the gradient: check the sign"),
    ([(UPDATE, "param -= 0.1 * grad[key]")],
     r"^your step moved network\.params\['W1'\] 2 times as far as helpers\.train's: use the "
     r"learning_rate the function is given"),
    # the gradient of another batch than the one drawn
    ([(GRAD, "grad = network.gradient(x[:batch_size], t[:batch_size])\n")],
     r"how your step moved network\.params\['W1'\] differs from -learning_rate \* the gradient on "
     r"the mini-batch drawn as buggy_sgd_steps draws it"),
    (MEASURED_AFTER, r"^the losses sgd_steps returned are not helpers\.train's from step 0 on \(yours "
     r"[\d.]+, expected [\d.]+\): measure each mini-batch's loss before its update"),
    ([(RETURN, "")], r"should return a list of 20 losses, not None"),
    # the exercise dodged: helpers.train called instead of the loop put right
    ([(RETURN, "    return train(network, x, t, iters_num=steps, batch_size=batch_size, learning_rate="
               "learning_rate, seed=seed, progress=False).train_loss_list\n")],
     r"^sgd_steps calls train: put the wrong line of buggy_sgd_steps right instead"),
    # batches drawn another way than buggy_sgd_steps draws them
    ([("batch_mask = rng.integers(len(x), size=batch_size)",
       "batch_mask = np.random.choice(len(x), batch_size)")],
     r"how your step moved network\.params\['W1'\] differs"),
])
def test_6_3_names_the_mistake(lesson, replace, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, "6.3", replace)


@pytest.mark.parametrize("new", [
    "network.params[key] -= learning_rate * grad[key]",
    # a new array put into the dict: TwoLayerNet computes with what params holds
    "network.params[key] = param - learning_rate * grad[key]",
    "np.subtract(param, learning_rate * grad[key], out=param)",
])
def test_6_3_accepts_right_answers_written_another_way(lesson, new):
    run_exercise(lesson, "6.3", [(UPDATE, new)])


def test_6_3_accepts_a_numpy_array_of_losses(lesson):
    run_exercise(lesson, "6.3", [(RETURN, "    return np.array(losses)\n")])


@pytest.mark.parametrize("number, old, new, message", [
    ("6.1", "params[key] -= learning_rate * grads[key]",
     "params[key] = params[key] - learning_rate * grads[key]",
     r"params\['W1'\] is a new array: update it in place with -="),
    ("6.1", "params[key] -= learning_rate * grads[key]", "params[key] += learning_rate * grads[key]",
     r"how your update moved params\['W1'\] differs from -learning_rate \* grad .*: check the sign"),
    # a loop variable rebound, a new dict returned, a parameter left out: nothing changes in params
    ("6.1", "for key in params:\n        params[key] -= learning_rate * grads[key]",
     "for key, p in params.items():\n        p = p - learning_rate * grads[key]",
     r"^params\['W1'\] did not change: did you rebind a name \(p = p - \.\.\.\)"),
    ("6.1", "for key in params:\n        params[key] -= learning_rate * grads[key]",
     "return {key: params[key] - learning_rate * grads[key] for key in params}",
     r"^params\['W1'\] did not change: sgd_update returned a new dict, which nobody uses"),
    ("6.1", "for key in params:", 'for key in ("W1", "W2"):',
     r"^params\['b1'\] did not change: .*, or leave 'b1' out\?"),
    # the learning rate forgotten or typed in
    ("6.1", "params[key] -= learning_rate * grads[key]", "params[key] -= grads[key]",
     r"^your update moved params\['W1'\] 10 times as far as -learning_rate \* grad: multiply the "
     r"gradient by the learning_rate that sgd_update is given"),
    ("6.1", "params[key] -= learning_rate * grads[key]", "params[key] -= 0.01 * grads[key]",
     r"^your update moved params\['W1'\] 0\.1 times as far"),
    ("6.2", "            return step\n", "            return step + 1\n",
     r"steps_to_converge with learning rate 0\.01 is 423, expected 422, one too many: count the "
     r"updates made until f\(x\) < tolerance, testing f\(x\) before each update"),
    # f tested after each update instead of before it
    ("6.2", "        if f(x) < tolerance:\n            return step\n        x -= lr * numerical_gradient(f, x)\n",
     "        x -= lr * numerical_gradient(f, x)\n        if f(x) < tolerance:\n            return step\n",
     r"is 421, expected 422, one too few"),
    # the size of the gradient compared with the tolerance instead of f(x)
    ("6.2", "if f(x) < tolerance:", "if np.linalg.norm(numerical_gradient(f, x)) < tolerance:",
     r"is \d+, expected 422: count the updates made until f\(x\) < tolerance"),
    # max_steps forgotten: the loop ends without a return, or never stops before convergence
    ("6.2", "    return max_steps\n", "",
     r"with learning rate 0\.01 and max_steps=100 is None, expected 100: stop after max_steps updates"),
    ("6.2", "for step in range(max_steps):", "for step in range(10 ** 9):",
     r"with learning rate 0\.01 and max_steps=100 is 422, expected 100"),
])
def test_6_1_and_6_2_name_the_mistake(lesson, number, old, new, message):
    with pytest.raises(AssertionError, match=message):
        run_exercise(lesson, number, [(old, new)])


def test_6_2_s_written_answer_quotes_the_counts_its_test_computes(lesson):
    question, answer = written_answers("06_parameter_updates.ipynb")["6.2"]
    assert question.startswith("### Exercise 6.2 (explain what you see):")
    assert answer.metadata["nbgrader"]["points"] == 1 and not answer.metadata["nbgrader"]["locked"]
    namespace = dict(lesson[0])
    solution, (test,) = lesson[1]["6.2"]
    exec(solution, namespace)
    exec(test, namespace)
    steps = namespace["expected_steps"]
    model = answer.source.split("### BEGIN SOLUTION")[1]
    assert steps(0.5) == 1 and "needs one step" in model
    assert f"({steps(0.95)} against {steps(0.1)})" in model and steps(0.95) > steps(0.1)
    assert "*For the teacher:* the point is for the reason" in model


# The What-you-should-see cells of lessons 5 and 6.

@pytest.mark.parametrize("name", ["05_backpropagation.ipynb", "06_parameter_updates.ipynb"])
def test_what_you_should_see_cells_are_collapsed_tagged_and_follow_the_cell_they_explain(name):
    cells = nbformat.read(NOTEBOOKS / name, as_version=4).cells
    for i, cell in enumerate(cells):
        marked = cell.source.startswith("**What you should see")
        tagged = "what-you-should-see" in cell.metadata.get("tags", [])
        assert marked == tagged, (i, cell.source[:60])
        if marked:
            assert cell.cell_type == "markdown" and cell.metadata == WYSS_METADATA, i
            assert cell.source.startswith("**What you should see**\n"), i
            assert cells[i - 1].cell_type == "code", i     # after the cell that runs the experiment


QUESTION = re.compile(r"\?(?!\w)")


@pytest.mark.parametrize("name", ["05_backpropagation.ipynb", "06_parameter_updates.ipynb"])
def test_every_question_the_prose_asks_is_answered_in_a_what_you_should_see_cell(name):
    """A question outside the exercises (which have their own tests and model answers) is
    followed by a What-you-should-see cell before the next section starts."""
    cells = nbformat.read(NOTEBOOKS / name, as_version=4).cells
    exercises = next(i for i, c in enumerate(cells) if c.source.startswith("## Exercises"))
    asked = []
    for i, cell in enumerate(cells[:exercises]):
        prose = re.sub(r"`[^`]*`|\$[^$]*\$|\([^)]*\)|\[[^\]]*\]|\"[^\"]*\"", "", cell.source)
        if cell.cell_type == "markdown" and i > 0 and QUESTION.search(prose) and \
                not cell.source.startswith("**What you should see"):
            asked.append(i)
    for i in asked:
        answered = False
        for after in cells[i + 1:exercises]:
            if after.source.startswith("**What you should see**"):
                answered = True
                break
            if after.cell_type == "markdown" and after.source.startswith("## "):
                break
        assert answered, (i, cells[i].source[:80])
    if name.startswith("06"):
        assert len(asked) >= 4
