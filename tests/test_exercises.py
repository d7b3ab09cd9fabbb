"""Exercises: nbgrader-style cells, helpful checks, and the student edition."""
import os
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers.checks import check_array, check_equal

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks" / "worked").glob("[0-9]*.ipynb"))
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
EXERCISE = re.compile(r"^### Exercise (\d+)\.(\d+)(.*)$", re.M)
KINDS = {"write the code", "predict, then run", "explain what you see", "find the bug", "experiment"}
ANSWER_TAG = "what-you-should-see"


def nbgrader_cells(nb):
    return [c for c in nb.cells if "nbgrader" in c.metadata]


def test_checks_point_at_the_difference_and_guess_the_mistake():
    expected = np.arange(12.0).reshape(3, 4) - 5
    with pytest.raises(AssertionError, match=r"differs from the numerical one by 1\.2e\+01 at "
                                             r"\[2, 3\] \(yours -6, expected 6\): check the sign"):
        check_array(-expected, expected, "your gradient", "the numerical one")
    with pytest.raises(AssertionError, match="2 times the expected value everywhere"):
        check_array(2 * expected, expected)
    wrong = expected.copy()
    wrong[2, 1] += 0.5
    with pytest.raises(AssertionError, match=r"at \[2, 1\] \(yours 4\.5, expected 4\)$"):
        check_array(wrong, expected)
    with pytest.raises(AssertionError, match=r"has shape \(4, 3\), but the expected one has shape \(3, 4\)"):
        check_array(expected.T, expected)
    with pytest.raises(AssertionError, match="forget to `return`"):
        check_array(None, expected)
    with pytest.raises(AssertionError, match="NaN"):
        check_array(expected * np.nan, expected)
    check_array(expected + 1e-9, expected)
    with pytest.raises(AssertionError, match=r"x\.shape is \(2,\), expected \(3,\)"):
        check_equal((2,), (3,), "x.shape")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_lesson_has_two_to_four_exercises_marked_as_nbgrader_does(path):
    cells = read(path).cells
    solutions = [i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("solution")]
    assert 2 <= len([i for i in solutions if cells[i].cell_type == "code"]) <= 4
    for i in solutions:
        assert SOLUTION.search(cells[i].source), cells[i].source[:80]
        if cells[i].cell_type == "markdown":  # a written answer, which the teacher grades by hand
            answer = cells[i].metadata["nbgrader"]
            assert answer["grade"] and answer["points"] > 0 and not answer["locked"]
            continue
        tests = cells[i + 1].metadata["nbgrader"]
        assert tests["grade"] and tests["locked"] and tests["points"] > 0
        assert "check_" in cells[i + 1].source  # compares with the real thing, with a message


def read(path):
    return nbformat.read(path, as_version=4)


def exercises(nb):
    """[(number, kind, cells from its heading to the next exercise or section)] of a lesson."""
    found = []
    for i, cell in enumerate(nb.cells):
        heading = EXERCISE.search(cell.source) if cell.cell_type == "markdown" else None
        if heading:
            kind = re.match(r" \(([^)]*)\): \S", heading.group(3))
            found.append([f"{heading.group(1)}.{heading.group(2)}", kind and kind.group(1), i])
    ends = [start for _, _, start in found[1:]] + [len(nb.cells)]
    return [(number, kind, nb.cells[start:end]) for (number, kind, start), end in zip(found, ends)]


def test_every_exercise_names_its_kind_and_half_of_them_need_thinking():
    kinds = {}
    for path in NOTEBOOKS:
        lesson = path.name[:2].lstrip("0")
        for number, kind, cells in exercises(read(path)):
            assert number.split(".")[0] == lesson, f"{path.name}: exercise {number}"
            assert kind in KINDS, (f"{path.name}: exercise {number}'s heading must read "
                                   f"'### Exercise {number} (KIND): title', KIND one of {sorted(KINDS)}")
            graded = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
            assert graded, f"{path.name}: exercise {number} has no graded cell"
            kinds[number] = kind
    thinking = [n for n, kind in kinds.items() if kind != "write the code"]
    assert len(thinking) >= len(kinds) / 2, (
        f"only {len(thinking)} of {len(kinds)} exercises ask for more than writing code shown "
        f"before: {thinking}")


def test_the_readme_lists_every_exercise_with_its_kind_and_how_it_is_graded():
    readme = (ROOT / "README.md").read_text()
    listed = {number: (title, kind, graded) for number, title, kind, graded in re.findall(
        r"^\| (\d+\.\d+) \| (.*?) \| (.*?) \| (.*?) \|$", readme, re.M)}
    expected = {}
    for path in NOTEBOOKS:
        for number, kind, cells in exercises(read(path)):
            heading = next(line for c in cells for line in c.source.splitlines()
                           if line.startswith("### Exercise"))
            graded = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
            code = sum(c.metadata.nbgrader.points for c in graded if c.cell_type == "code")
            written = sum(c.metadata.nbgrader.points for c in graded if c.cell_type == "markdown")
            how = ([f"tests, {code:g} pt"] if code else []) + (
                [f"**written answer**, {written:g} pt"] if written else [])
            expected[number] = (heading.split("): ", 1)[1], kind, " + ".join(how))
    assert listed == expected
    assert f"**exercises**, {len(expected)} in all" in readme


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_what_you_should_see_cells_are_collapsed_and_tagged_for_the_editions_to_drop(path):
    nb = read(path)
    answers = [c for c in nb.cells if c.source.startswith("**What you should see**")]
    tagged = [c for c in nb.cells if ANSWER_TAG in c.metadata.get("tags", [])]
    assert answers == tagged
    for cell in answers:
        assert cell.cell_type == "markdown"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, cell.source[:80]
        assert "nbgrader" not in cell.metadata  # an answer to read, not one to grade


def test_grade_ids_are_unique_across_the_course():
    ids = [c.metadata["nbgrader"]["grade_id"] for p in NOTEBOOKS for c in nbgrader_cells(read(p))]
    assert len(ids) == len(set(ids)) >= 2 * len(NOTEBOOKS)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    if not os.environ.get("CI"):
        pytest.importorskip("nbgrader")
    sys.path.insert(0, str(ROOT / "tools"))
    import student_edition
    out = tmp_path_factory.mktemp("teacher") / "student edition"
    student_edition.make_edition(out, repository="a-school/nn-course")
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_has_no_solutions_no_hidden_tests_no_outputs(edition, path):
    original, student = read(path), read(edition / "notebooks" / path.name)
    nbformat.validate(student)
    answers = [c for c in original.cells if ANSWER_TAG in c.metadata.get("tags", [])]
    hints = [c for c in original.cells if "hints" in c.metadata.get("tags", [])]
    assert hints and not [c for c in student.cells if c.source.startswith("**What you should see**")
                          or "<summary><b>Hint" in c.source or "worked answer" in c.source]
    original.cells = [c for c in original.cells if c not in answers and c not in hints]
    assert len(student.cells) == len(original.cells)
    text = "\n".join(c.source for c in student.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    for cell, student_cell in zip(original.cells, student.cells):
        for body in SOLUTION.findall(cell.source):
            assert body not in text, f"solution left in: {body[:80]}"
            for line in body.splitlines():
                if line.strip():
                    assert line not in student_cell.source, f"solution line left in: {line}"
    solutions = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert all("raise NotImplementedError()" in c.source for c in solutions if c.cell_type == "code")
    assert all("YOUR ANSWER HERE" in c.source for c in solutions if c.cell_type == "markdown")
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    import opening_cells
    same_setup = opening_cells.setup_cell("a-school/nn-course").source
    assert student.cells[1].source == same_setup  # the same setup cell, fetching this edition
    assert 'COURSE_REPOSITORY = "https://github.com/a-school/nn-course"' in same_setup
    graded = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests = [c for c in graded if not c.metadata["nbgrader"].get("solution")]
    assert tests and all(c.metadata.get("editable") is False for c in tests)
    # A written answer is graded by hand, and the learner must be able to write it.
    assert all(c.metadata.get("editable") is not False for c in graded if c not in tests)
    assert "colab.research.google.com/github/a-school/nn-course/blob/main/notebooks/" in text


def test_student_edition_is_a_working_course_folder(edition, tmp_path):
    assert (edition / "helpers" / "two_layer_net.py").is_file()
    assert sorted(p.name for p in (edition / "data" / "mnist").glob("*.gz")) == sorted(
        p.name for p in (ROOT / "data" / "mnist").glob("*.gz"))
    assert (edition / "binder" / "requirements.txt").is_file()
    import student_edition
    with pytest.raises(SystemExit, match="not empty"):
        student_edition.make_edition(edition)
    assert (edition / "helpers").is_dir()  # refused, and nothing was touched


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_class_lesson_has_the_learner_lessons_code(edition, path):
    """So the run below, of the learner edition, vouches for a class's release too (whose setup
    cell differs only in the repository it fetches from)."""
    code = lambda nb: [c.source for c in nb.cells[2:] if c.cell_type == "code"]  # noqa: E731
    assert code(read(edition / "notebooks" / path.name)) == code(read(ROOT / "notebooks" / path.name))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_learner_lesson_runs_until_its_first_exercise(path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    edition = ROOT
    nb = read(edition / "notebooks" / path.name)
    first_exercise = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                          and c.metadata.get("nbgrader", {}).get("solution"))
    with pytest.raises(CellExecutionError, match="NotImplementedError"):
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(edition / "notebooks")}}).execute()
    failed = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)]
    # The stub raises when the exercise's test cell calls the learner's function.
    assert failed == [first_exercise + 1]
    assert nb.cells[first_exercise + 1].outputs[-1].ename == "NotImplementedError"
    ran = [c.execution_count is not None for c in nb.cells[:first_exercise + 1] if c.cell_type == "code"]
    assert all(ran)
