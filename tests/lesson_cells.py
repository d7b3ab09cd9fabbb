"""A lesson's own exercise cells, run as a learner's notebook runs them, for the lesson tests.

run_lesson runs a lesson's code cells without its exercises; run_exercise then runs one
exercise's solution, edited into a learner's mistake, and its test cells on a copy of that.
"""
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks" / "worked"


def run_lesson(name):
    """A lesson's code cells without its exercises, run in order in one namespace (without the
    setup cell's magics), and its exercises as {number: (solution source, [test sources])}.

    Leaving the exercises out of the namespace makes sure that no test cell relies on another
    exercise's solution or test cell: a learner may have skipped or botched them.
    """
    cells = nbformat.read(NOTEBOOKS / name, as_version=4).cells
    namespace = {}
    for cell in cells[2:]:
        if cell.cell_type == "code" and "nbgrader" not in cell.metadata:
            exec(cell.source, namespace)
    exercises = {}
    for i, cell in enumerate(cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        # Written answers (markdown) are graded by hand: see written_answers.
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            tests = []
            for after in cells[i + 1:]:       # its test cells: the graded code cells after it
                if not after.metadata.get("nbgrader", {}).get("grade") or after.cell_type != "code":
                    break
                tests.append(after.source)
            exercises[grade_id[2:5].replace("-", ".")] = (cell.source, tests)
    plt.close("all")
    return namespace, exercises


def written_answers(name):
    """{exercise number: (its heading cell's markdown, the answer cell)} of a lesson's written
    answers, the cells graded by hand."""
    cells = nbformat.read(NOTEBOOKS / name, as_version=4).cells
    answers = {}
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            heading = next(c for c in reversed(cells[:i]) if c.source.startswith("### Exercise"))
            answers[cell.metadata["nbgrader"]["grade_id"][2:5].replace("-", ".")] = (heading.source, cell)
    return answers


def run_exercise(lesson, number, replace=None, tests=None, before=(), namespace=None):
    """Run exercise ``number``'s test cells (all, or those numbered ``tests``) after its solution,
    edited by (old, new) pairs; first the solutions of the exercises ``before`` (unedited)."""
    base, exercises = lesson
    solution, test_cells = exercises[number]
    for old, new in replace or ():
        assert old in solution, old
        solution = solution.replace(old, new)
    namespace = dict(base, **(namespace or {}))
    for earlier in before:
        exec(exercises[earlier][0], namespace)
    exec(solution, namespace)
    for i, test in enumerate(test_cells):
        if tests is None or i in tests:
            exec(test, namespace)
    plt.close("all")
