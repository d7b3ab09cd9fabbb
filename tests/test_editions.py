"""The two editions: the learner edition (notebooks/) is written from the worked edition
(notebooks/worked/) and kept in step; its hints and links lead to the worked answers; one
command points every address at a fork."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import address  # noqa: E402
import learner_edition  # noqa: E402

WORKED = sorted((ROOT / "notebooks" / "worked").glob("[0-9]*.ipynb"))
HIDDEN = re.compile(r"\n?### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)
SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION.*?### END SOLUTION", re.S | re.M)
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def read(path):
    return nbformat.read(path, as_version=4)


def learner(path):
    return read(ROOT / "notebooks" / path.name)


def test_the_committed_learner_edition_is_in_step_with_the_worked_edition():
    assert learner_edition.out_of_step() == [], (
        "run  python tools/learner_edition.py  (or tools/refresh_notebooks.py) and commit")
    assert [p.name for p in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))] == [p.name for p in WORKED]


@pytest.mark.parametrize("path", WORKED, ids=lambda p: p.name)
def test_learner_code_is_the_worked_code_without_answers_and_hidden_tests(path):
    worked = [c for c in read(path).cells if c.cell_type == "code"]
    mine = [c for c in learner(path).cells if c.cell_type == "code"]
    assert len(mine) == len(worked)
    for theirs, ours in zip(worked, mine):
        expected = HIDDEN.sub("\n", theirs.source).rstrip("\n") if "HIDDEN TESTS" in theirs.source else theirs.source
        if theirs.metadata.get("nbgrader", {}).get("solution"):
            expected = SOLUTION.sub(lambda m: m.group(1) + STUB.replace("\n", "\n" + m.group(1)),
                                    theirs.source)
        if "COURSE_FOLDER" in theirs.source:
            continue  # the setup cell: tests/test_colab_binder.py holds both editions to one
        assert ours.source.rstrip("\n") == expected.rstrip("\n"), ours.source[:200]
    text = "\n".join(c.source for c in learner(path).cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text


@pytest.mark.parametrize("path", WORKED, ids=lambda p: p.name)
def test_learner_outputs_are_the_worked_ones_of_cells_no_answer_changes(path):
    worked = [c for c in read(path).cells if c.cell_type == "code"]
    mine = [c for c in learner(path).cells if c.cell_type == "code"]
    kept = 0
    for theirs, ours in zip(worked, mine):
        grading = theirs.metadata.get("nbgrader", {})
        if grading.get("solution") or grading.get("grade"):
            assert not ours.outputs, f"an exercise cell keeps the worked answer's output: {ours.source[:80]}"
        if ours.outputs:
            kept += 1
            assert [o.get("text") or o.get("data") for o in ours.outputs] == \
                [o.get("text") or o.get("data") for o in theirs.outputs]
        assert ours.execution_count is None
    text = json.dumps([c.get("outputs", []) for c in learner(path).cells])
    assert "✓ exercise" not in text  # no test cell's verdict on the worked answers
    with_output = sum(1 for c in worked if c.outputs)
    assert kept >= with_output / 2, f"only {kept} of {with_output} outputs kept"


def test_a_cell_that_uses_an_answer_loses_its_output_and_one_that_does_not_keeps_it():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in (
        "import numpy as np\nx = np.arange(3)",
        "def double(v):\n    ### BEGIN SOLUTION\n    return 2 * v\n    ### END SOLUTION",
        "y = double(x)\nprint(y)",             # reads the answer
        "z = y + 1\nprint(z)",                  # reads what the answer made
        "def f(y):\n    return y\nprint(f(x))",  # y here is f's own argument
        "y = x.copy()\nprint(y)",               # made anew: independent again
        "print(y * 2)")]
    nb.cells[1].metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex1", "locked": False}
    assert learner_edition.answer_dependent(nb) == {1, 2, 3}
    # A written prediction: the cells after it, up to the next heading, measure its answer.
    prediction = nbformat.v4.new_markdown_cell("**Your prediction:**\n### BEGIN SOLUTION\n12\n### END SOLUTION")
    prediction.metadata["nbgrader"] = {"solution": True, "grade": True, "grade_id": "ex2", "points": 1}
    nb.cells += [prediction, nbformat.v4.new_code_cell("print(3 * 4)"),
                 nbformat.v4.new_markdown_cell("## 2. Next"), nbformat.v4.new_code_cell("print(5)")]
    assert learner_edition.answer_dependent(nb) == {1, 2, 3, 8}


@pytest.mark.parametrize("path", WORKED, ids=lambda p: p.name)
def test_each_exercise_has_hints_then_a_link_to_its_worked_answer(path):
    worked, cells = read(path), learner(path).cells
    headings = {c.id: c for c in worked.cells}
    exercises = learner_edition.exercises(read(ROOT / "notebooks" / path.name))
    assert exercises
    for heading_index, heading, answers in exercises:
        links = [c for c in cells[heading_index:(answers or [heading_index])[-1] + 2]
                 if learner_edition.LINK_TAG in c.metadata.get("tags", [])]
        assert len(links) == 1, heading
        relative, colab = re.findall(r"\]\((\S+?)\)(?= ·|$)", links[0].source)
        # Beside this notebook: the worked lesson, at the exercise's heading (JupyterLab's anchor).
        target, anchor = relative.split("#")
        assert target == f"worked/{path.name}" and (ROOT / "notebooks" / target).is_file()
        assert anchor == learner_edition.anchor(heading)
        # On Colab: the worked lesson, scrolled to the heading cell, whose metadata id Colab reads.
        url, cell_id = colab.split("#scrollTo=")
        assert url == address.colab(f"notebooks/worked/{path.name}")
        assert heading in headings[cell_id].source and headings[cell_id].metadata["id"] == cell_id
        code = [i for i in answers if cells[i].cell_type == "code"]
        if code:  # hints, then the link, then the answer's stub
            hints, link = cells[code[0] - 2], cells[code[0] - 1]
            assert link is links[0] and learner_edition.HINTS_TAG in hints.metadata["tags"]
            assert [m.group(1) for m in re.finditer(r"<summary><b>(Hint \d)</b>", hints.source)] == \
                ["Hint 1", "Hint 2", "Hint 3"]
            assert hints.source.count("<details>") == hints.source.count("</details>") == 3
            assert "raise NotImplementedError()" in cells[code[0]].source


def test_the_anchor_is_the_heading_as_jupyterlab_names_it():
    assert learner_edition.anchor("### Exercise 5.1 (write the code): `Affine.backward`") == \
        "Exercise-5.1-(write-the-code):-Affine.backward"
    # Math is typeset before JupyterLab reads the heading's text.
    assert learner_edition.anchor("### Exercise 4.4 (predict, then run): the best $h$") == \
        "Exercise-4.4-(predict,-then-run):-the-best-h"


@pytest.mark.parametrize("path", WORKED, ids=lambda p: p.name)
def test_what_you_should_see_stays_closed_until_opened_wherever_the_lesson_is_shown(path):
    """Colab, Kaggle and GitHub show JupyterLab's collapsed cells open: <details> closes them."""
    answers = [c for c in learner(path).cells if "what-you-should-see" in c.metadata.get("tags", [])]
    for cell in answers:
        assert cell.source.startswith("<details><summary><b>What you should see</b>")
        assert cell.source.rstrip().endswith("</details>")
    assert len(answers) == sum("what-you-should-see" in c.metadata.get("tags", []) for c in read(path).cells)


def test_a_class_release_has_hints_and_answer_links_only_when_asked():
    import student_edition
    plain = student_edition.student_notebook(WORKED[0])
    both = student_edition.student_notebook(WORKED[0], hints=True, answer_links=True)
    text = lambda nb: "\n".join(c.source for c in nb.cells)  # noqa: E731
    assert "<summary><b>Hint 1" not in text(plain) and "worked answer" not in text(plain)
    assert "<summary><b>Hint 1" in text(both) and "worked answer" in text(both)
    # Handed out alone, a release cannot link beside itself: its links open Colab.
    assert "](worked/" not in text(both) and address.colab("notebooks/worked/") in text(both)
    assert "Learner edition" not in text(both) and "Worked edition" not in text(both)


def test_the_check_says_which_lesson_is_out_of_step_and_what_to_run(tmp_path, monkeypatch):
    for folder in ("worked", ""):
        (tmp_path / folder).mkdir(exist_ok=True)
    shutil.copy2(WORKED[0], tmp_path / "worked" / WORKED[0].name)
    nb = learner(WORKED[0])
    nb.cells[3].source += "\n# an edit made by hand"
    nbformat.write(nb, tmp_path / WORKED[0].name)
    monkeypatch.setattr(learner_edition, "WORKED", tmp_path / "worked")
    monkeypatch.setattr(learner_edition, "LEARNER", tmp_path)
    assert learner_edition.out_of_step() == [WORKED[0].name]
    with pytest.raises(SystemExit, match="python tools/learner_edition.py"):
        learner_edition.main(["--check"])


@pytest.fixture
def course_copy(tmp_path):
    """A copy of the course's files as git has them, to rewrite."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file() and not name.startswith("data/"):
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def test_one_command_points_every_address_at_a_fork(course_copy):
    result = subprocess.run([sys.executable, "tools/repoint.py",
                             "https://github.com/a-school/nn-course.git", "--branch", "spring-2027"],
                            cwd=course_copy, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    texts = {p: p.read_text() for p in [course_copy / "README.md",
                                        *course_copy.glob("notebooks/**/[0-9]*.ipynb")]}
    assert len(texts) == 1 + 2 * len(WORKED)
    for path, text in texts.items():
        assert "nn-from-scratch/course" not in text, path
        assert "a-school/nn-course/blob/spring-2027/notebooks/" in text, path
        assert "mybinder.org/v2/gh/a-school/nn-course/spring-2027?urlpath=" in text, path
    setup = read(course_copy / "notebooks" / WORKED[0].name).cells[1].source
    assert 'COURSE_REPOSITORY = "https://github.com/a-school/nn-course"' in setup
    assert 'COURSE_BRANCH = "spring-2027"' in setup
    hub = subprocess.run([sys.executable, "tools/hub_links.py", "https://hub.example.edu"],
                         cwd=course_copy, capture_output=True, text=True, check=True).stdout
    assert "repo=https%3A%2F%2Fgithub.com%2Fa-school%2Fnn-course&branch=spring-2027" in hub
    check = subprocess.run([sys.executable, "tools/learner_edition.py", "--check"], cwd=course_copy,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("wrong", ["your-org", "https://gitlab.com/a/b", "a/b/c", "-x/y"])
def test_an_address_that_is_no_github_repository_is_refused_with_the_form_expected(wrong):
    with pytest.raises(ValueError, match="OWNER/NAME"):
        address.normalise(wrong)
    assert address.normalise("https://github.com/A-School/nn.course.git/") == "A-School/nn.course"


@pytest.mark.parametrize("where", ["the course", "its parent", "inside data", "a git clone"])
def test_a_release_never_replaces_the_course_its_parent_or_a_repository(tmp_path, where):
    import course_files
    clone = tmp_path / "clone"
    (clone / ".git").mkdir(parents=True)
    target = {"the course": ROOT, "its parent": ROOT.parent, "inside data": ROOT / "data" / "x",
              "a git clone": clone}[where]
    before = sorted(p.name for p in target.iterdir()) if target.exists() else None
    with pytest.raises(SystemExit, match="refused"):
        with course_files.new_folder(target, force=True) as build:
            (build / "x").write_text("never")
    assert (sorted(p.name for p in target.iterdir()) if target.exists() else None) == before


def test_force_replaces_whole_and_a_failed_build_leaves_the_old_folder_as_it_was(tmp_path, capsys):
    import course_files
    target = tmp_path / "students"
    (target / "old").mkdir(parents=True)
    (target / "old" / "notes.md").write_text("kept until replaced\n")
    with pytest.raises(RuntimeError):
        with course_files.new_folder(target, force=True) as build:
            (build / "half").write_text("half a build")
            raise RuntimeError("interrupted")
    assert (target / "old" / "notes.md").read_text() == "kept until replaced\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["students"]  # no build left behind
    with course_files.new_folder(target, force=True) as build:
        (build / "new").write_text("the new edition")
    assert sorted(p.name for p in target.iterdir()) == ["new"]
    assert f"replacing {target}: old (2 files and folders)" in capsys.readouterr().out  # said first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["students"]


def test_an_interrupted_nbgrader_course_keeps_its_config_and_says_what_is_missing(tmp_path, monkeypatch):
    import nbgrader_course
    real = nbgrader_course.copy_files
    calls = []

    def copy_then_stop(names, dest):
        calls.append(dest)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the second assignment
        real(names, dest)
    monkeypatch.setattr(nbgrader_course, "copy_files", copy_then_stop)
    with pytest.raises(KeyboardInterrupt):
        nbgrader_course.make_course(tmp_path, chosen=["01", "02"])
    assert "TagRemovePreprocessor" in (tmp_path / "nbgrader_config.py").read_text()
    assert [p.name for p in (tmp_path / "source").iterdir() if not p.name.startswith(".")] == ["01_data_loading"]
    assert not [p for p in (tmp_path / "source").iterdir() if p.name.startswith(".")]
    with pytest.raises(SystemExit, match="Not there: source/02_mini_batches"):
        nbgrader_course.make_course(tmp_path, chosen=["01", "02"])


def test_a_learner_lesson_changed_by_hand_is_not_overwritten_without_force(tmp_path, monkeypatch):
    (tmp_path / "worked").mkdir()
    shutil.copy2(WORKED[0], tmp_path / "worked" / WORKED[0].name)
    monkeypatch.setattr(learner_edition, "WORKED", tmp_path / "worked")
    monkeypatch.setattr(learner_edition, "LEARNER", tmp_path)
    assert learner_edition.write_all() == {WORKED[0].name: None}  # written, and stamped
    assert learner_edition.write_all() == {WORKED[0].name: None}  # its own: written again
    mine = tmp_path / WORKED[0].name
    nb = read(mine)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("TEACHER NOTE: week 2 starts here"))
    nbformat.write(nb, mine)
    problem = learner_edition.write_all()[WORKED[0].name]
    assert "was changed since it was written" in problem and f"notebooks/worked/{WORKED[0].name}" in problem
    assert "TEACHER NOTE" in mine.read_text()  # kept
    assert learner_edition.write_all(force=True) == {WORKED[0].name: None}
    assert "TEACHER NOTE" not in mine.read_text()


def test_ipython_syntax_in_a_worked_lesson_is_read_and_a_broken_one_is_named(tmp_path, monkeypatch):
    (tmp_path / "worked").mkdir()
    for path, extra in ((WORKED[0], "%%bash\necho hi there"), (WORKED[1], "files = !ls\nnp.mean?")):
        nb = read(path)
        nb.cells.append(nbformat.v4.new_code_cell(extra))
        nbformat.write(nb, tmp_path / "worked" / path.name)
    broken = tmp_path / "worked" / "03_broken.ipynb"
    nb = read(WORKED[2])
    nb.cells.append(nbformat.v4.new_code_cell("def f(:\n    pass"))
    nbformat.write(nb, broken)
    monkeypatch.setattr(learner_edition, "WORKED", tmp_path / "worked")
    monkeypatch.setattr(learner_edition, "LEARNER", tmp_path)
    outcome = learner_edition.write_all()
    assert outcome[WORKED[0].name] is None and outcome[WORKED[1].name] is None
    assert "03_broken.ipynb could not be made" in outcome[broken.name] and "does not parse" in outcome[broken.name]
    assert not (tmp_path / broken.name).exists()


def test_a_branch_with_a_slash_is_repointed_everywhere_and_git_refusals_are_refused():
    text = address.badges("notebooks/01_data_loading.ipynb", "school/nn", "spring/2027")
    assert address.point_links(text) == address.badges("notebooks/01_data_loading.ipynb")
    for wrong in ("x/", "x//y", "x.lock", "HEAD", ".hidden", "a b"):
        with pytest.raises(ValueError, match="branch name git accepts"):
            address.check_branch(wrong)


def test_an_nbgrader_course_made_with_defaults_does_not_call_itself_the_worked_edition(tmp_path, capsys):
    import nbgrader_course
    nbgrader_course.main([str(tmp_path), "--lessons", "01"])
    nb = read(tmp_path / "source" / "01_data_loading" / "01_data_loading.ipynb")
    assert "Worked edition" not in nb.cells[0].source and address.badges("notebooks/01_data_loading.ipynb") in nb.cells[0].source
    assert "pass --repository" in capsys.readouterr().err  # its badges open the public learner edition
