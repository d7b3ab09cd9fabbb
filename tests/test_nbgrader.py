"""A real nbgrader course, made by tools/nbgrader_course.py and graded by nbgrader itself.

The README's promise is the whole course; grading it here would run every lesson twice. The
graded course holds two lessons instead, as two assignments: 01, which reads the shipped data
files by path (so data/ must travel with the assignment), and 07, whose training loop is the
course's slowest cell (so the configured cell timeout must be enough). Every lesson goes
through `nbgrader generate_assignment` as one whole-course assignment, which runs nothing.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "nbgrader_course.py"
LESSONS = ["01", "07"]
ASSIGNMENTS = {"01": "01_data_loading", "07": "07_training_loop"}

if not os.environ.get("CI"):
    pytest.importorskip("nbgrader")


def nbgrader(course, *args, timeout=1200):
    """Run an nbgrader command in the course directory, as a teacher types it."""
    env = dict(os.environ)
    # nbgrader runs `alembic` (its database migrations) by name: the environment's bin/ first.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def make_course(course, *args):
    result = subprocess.run([sys.executable, TOOL, course, *args], capture_output=True, text=True,
                            timeout=300)
    return result


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course made, released, submitted twice (solutions / untouched) and autograded."""
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    made = make_course(course, "--lessons", *LESSONS)
    assert made.returncode == 0, made.stderr
    for assignment in ASSIGNMENTS.values():
        nbgrader(course, "generate_assignment", assignment)
        # The instructor notebooks handed in on their own, as a teacher copies them in ...
        solved = course / "submitted" / "teacher" / assignment
        solved.mkdir(parents=True)
        for notebook in (course / "source" / assignment).glob("*.ipynb"):
            shutil.copy(notebook, solved)
        # ... and the released folder, untouched, as nbgrader's exchange hands it in.
        shutil.copytree(course / "release" / assignment,
                        course / "submitted" / "untouched" / assignment)
        nbgrader(course, "autograde", assignment)
    return course


def autograded(course, student, assignment):
    return nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb",
                         as_version=4)


def errors(nb):
    """(grade_id or cell number, error name) of every code cell that ended in an error."""
    return [(c.metadata.get("nbgrader", {}).get("grade_id", i), out.ename)
            for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for out in c.outputs if out.output_type == "error"]


def test_the_course_directory_ships_helpers_and_data_with_every_release(graded):
    config = (graded / "nbgrader_config.py").read_text()
    assert "c.ExecutePreprocessor.timeout = 300" in config
    for assignment in ASSIGNMENTS.values():
        for step in ("source", "release"):
            folder = graded / step / assignment
            assert (folder / f"{assignment}.ipynb").is_file()
            assert (folder / "helpers" / "two_layer_net.py").is_file()
            assert sorted(p.name for p in (folder / "data" / "mnist").glob("*.gz")) == sorted(
                p.name for p in (ROOT / "data" / "mnist").glob("*.gz"))
        released = nbformat.read(graded / "release" / assignment / f"{assignment}.ipynb", 4)
        assert "BEGIN SOLUTION" not in "".join(c.source for c in released.cells)
        # The answers to the lesson's ungraded questions stay with the teacher, too.
        source = nbformat.read(ROOT / "notebooks" / "worked" / f"{assignment}.ipynb", 4)
        answers = [c for c in source.cells if "what-you-should-see" in c.metadata.get("tags", [])]
        # The hints that the learner edition gives self-learners are not in a class's release.
        hints = [c for c in source.cells if "hints" in c.metadata.get("tags", [])]
        assert len(released.cells) == len(source.cells) - len(answers) - len(hints)
        assert not [c for c in released.cells if c.source.startswith("**What you should see**")
                    or "<summary><b>Hint" in c.source or "worked answer" in c.source]


def test_the_configured_timeout_is_what_nbgrader_executes_with(graded, monkeypatch):
    from nbgrader.preprocessors import Execute
    from traitlets.config import PyFileConfigLoader

    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, "undone at the end of the test")
        monkeypatch.delenv(variable)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(graded)).load_config()
    sys.path.insert(0, str(ROOT / "tools"))
    import nbgrader_course
    assert Execute(config=config).timeout == nbgrader_course.TIMEOUT > 30  # nbgrader's default
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"  # what the kernels it starts inherit


def graded_cells(assignment, written):
    """The source notebook's graded cells: written answers (markdown) or test cells (code)."""
    nb = nbformat.read(ROOT / "notebooks" / "worked" / f"{assignment}.ipynb", as_version=4)
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and (c.cell_type == "markdown") == written]


def test_the_instructor_edition_gets_full_marks_and_the_untouched_release_none(graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gradebook:
        for assignment in ASSIGNMENTS.values():
            solved = gradebook.find_submission(assignment, "teacher")
            untouched = gradebook.find_submission(assignment, "untouched")
            written = sum(c.metadata.nbgrader.points for c in graded_cells(assignment, True))
            assert solved.max_score >= 4
            # Written answers wait for the teacher; the code is graded in full.
            assert solved.score == solved.max_score - written, assignment
            assert solved.needs_manual_grade == (written > 0)
            # An answer left as released scores 0 by itself, with nothing for the teacher to do.
            assert untouched.score == 0 and not untouched.needs_manual_grade, assignment
            # The teacher reads each written answer against the model answer and gives its points.
            for notebook in solved.notebooks:
                for grade in notebook.grades:
                    if grade.needs_manual_grade:
                        grade.manual_score = grade.max_score
            gradebook.db.commit()
            assert gradebook.find_submission(assignment, "teacher").score == solved.max_score


def test_autograding_stops_no_cell_and_fails_only_the_graded_cells(graded):
    for assignment in ASSIGNMENTS.values():
        assert errors(autograded(graded, "teacher", assignment)) == [], assignment
        untouched = autograded(graded, "untouched", assignment)
        tests = [c.metadata["nbgrader"]["grade_id"] for c in untouched.cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
        failed = errors(untouched)
        assert failed == [(grade_id, "NotImplementedError") for grade_id in tests], assignment
        # The setup cell found the course inside the autograded folder itself.
        printed = "".join(out.get("text", "") for out in untouched.cells[1].outputs)
        assert f"sys.path.append('{graded / 'autograded' / 'untouched' / assignment}')" in printed


def test_nbgrader_validate_passes_the_solutions_and_fails_the_untouched_release(graded):
    assignment = ASSIGNMENTS["01"]
    # The teacher's submission is the notebook alone: it runs with source/<assignment>/'s helpers.
    solved = nbgrader(graded, "validate", f"submitted/teacher/{assignment}/{assignment}.ipynb",
                      timeout=600)
    assert "Success! Your notebook passes all the tests." in solved
    untouched = nbgrader(graded, "validate", f"submitted/untouched/{assignment}/{assignment}.ipynb",
                         timeout=600)
    # Each test cell fails, and so does each written answer left as released.
    graded = len(graded_cells(assignment, written=False) + graded_cells(assignment, written=True))
    assert f"VALIDATION FAILED ON {graded} CELL(S)!" in untouched and "NotImplementedError" in untouched


def test_every_lesson_generates_as_one_whole_course_assignment(tmp_path):
    course = tmp_path / "course"
    made = make_course(course, "--whole-course")
    assert made.returncode == 0, made.stderr
    nbgrader(course, "generate_assignment", "nn_course")
    lessons = sorted(p.name for p in (ROOT / "notebooks" / "worked").glob("[0-9]*.ipynb"))
    release = course / "release" / "nn_course"
    assert sorted(p.name for p in release.glob("*.ipynb")) == lessons
    assert (release / "helpers" / "two_layer_net.py").is_file() and (release / "data" / "mnist").is_dir()
    for name in lessons:
        nb = nbformat.read(release / name, as_version=4)
        solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        code = [c for c in solutions if c.cell_type == "code"]
        written = [c for c in solutions if c.cell_type == "markdown"]  # answers a teacher grades
        assert code and all("raise NotImplementedError()" in c.source for c in code)
        assert all("YOUR ANSWER HERE" in c.source and "BEGIN SOLUTION" not in c.source
                   for c in written)


def test_the_command_never_overwrites_a_course_unless_told(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    import nbgrader_course
    course = tmp_path / "course"
    nbgrader_course.make_course(course, chosen=["02"])
    (course / "gradebook.db").write_text("grades")
    notebook = course / "source" / "02_mini_batches" / "02_mini_batches.ipynb"
    notebook.write_text("edited")
    with pytest.raises(SystemExit, match="--force"):
        nbgrader_course.make_course(course, chosen=["02"])
    assert notebook.read_text() == "edited"
    nbgrader_course.make_course(course, chosen=["02"], force=True)
    nbformat.read(notebook, as_version=4)
    assert (course / "gradebook.db").read_text() == "grades"  # grades are never touched
    with pytest.raises(SystemExit, match="no lesson called 99"):
        nbgrader_course.make_course(course, chosen=["99"])
