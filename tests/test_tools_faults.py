"""The teachers' and maintainers' tools under Ctrl-C and given addresses in the wrong form:
a line that says what was kept, status 130, nothing half written, and no traceback."""
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import hub_links  # noqa: E402

pytest.importorskip("nbgrader")


def interrupted(args, busy, cwd=ROOT):
    """Run a tool, press Ctrl-C once ``busy(process)`` says it is at work, and return how it
    ended."""
    process = subprocess.Popen([sys.executable, *args], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not busy(process) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the tool ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_ctrl_c_during_a_student_edition_leaves_nothing_and_says_so(tmp_path):
    target = tmp_path / "students"
    code, out, err = interrupted(["tools/student_edition.py", str(target)],
                                 busy=lambda _: any(tmp_path.glob(".students-*/new/helpers")))
    assert code == 130 and "Traceback" not in err, err
    assert "interrupted: nothing was written" in err and "written to" not in out
    assert list(tmp_path.iterdir()) == []  # no half edition, no build folder


def test_ctrl_c_during_an_nbgrader_course_keeps_whole_assignments_and_the_config(tmp_path):
    source = tmp_path / "course" / "source"
    code, out, err = interrupted(["tools/nbgrader_course.py", str(tmp_path / "course")],
                                 busy=lambda _: source.is_dir() and len(list(source.iterdir())) >= 3)
    assert code == 130 and "Traceback" not in err, err
    assert "--force to finish" in err
    course = tmp_path / "course"
    assert (course / "nbgrader_config.py").is_file()
    for assignment in (course / "source").iterdir():
        assert not assignment.name.startswith("."), "a half-built assignment was left"
        assert (assignment / "helpers" / "two_layer_net.py").is_file()
        assert (assignment / f"{assignment.name}.ipynb").is_file()


def test_ctrl_c_during_a_refresh_stops_the_run_and_leaves_the_lesson_as_it_was(tmp_path):
    lesson = tmp_path / "07_training_loop.ipynb"
    shutil.copy2(ROOT / "notebooks" / "worked" / lesson.name, lesson)
    before = lesson.read_bytes()
    psutil = pytest.importorskip("psutil")
    def running_a_cell(process):  # the lesson's kernel has started, 10 s ago
        return any(time.time() - child.create_time() > 10
                   for child in psutil.Process(process.pid).children())
    code, out, err = interrupted(["tools/refresh_notebooks.py", str(lesson), str(lesson)],
                                 busy=running_a_cell)
    # (The kernel, shut down mid-message, may print its own complaint; the tool prints none.)
    assert code == 130 and "refresh_notebooks.py" not in err and "KeyboardInterrupt" not in err, err
    assert f"interrupted: {lesson.name} and the lessons after it are left unchanged" in err
    assert "FAILED" not in err and lesson.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [lesson.name]


@pytest.mark.parametrize("typed, expected", [
    ("https://hub.example.edu/hub/", "https://hub.example.edu"),
    ("HTTPS://Hub.Example.edu", "https://hub.example.edu"),
    ("https://school.example/jupyter/hub/home", "https://school.example/jupyter"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
])
def test_a_hub_address_pasted_from_the_browser_gives_working_links(typed, expected):
    link = hub_links.hub_link(typed, "https://github.com/a/b", "notebooks/01_data_loading.ipynb")
    assert link.startswith(f"{expected}/hub/user-redirect/git-pull?repo=")


@pytest.mark.parametrize("typed", ["hub.example.edu", "https://hub.example.edu/?next=/x",
                                   "https://hub.example.edu/#top", "ftp://hub.example.edu"])
def test_a_hub_address_that_cannot_work_is_refused_with_the_form_expected(typed, capsys):
    with pytest.raises(SystemExit):
        hub_links.main([typed])
    assert "https://hub.example.edu" in capsys.readouterr().err


def test_an_edition_for_a_repository_given_as_a_url_has_working_badges(tmp_path):
    import student_edition
    nb = student_edition.student_notebook(ROOT / "notebooks" / "worked" / "01_data_loading.ipynb",
                                          repository="a-school/nn-course")
    assert "colab.research.google.com/github/a-school/nn-course/blob/" in nb.cells[0].source
    result = subprocess.run([sys.executable, "tools/student_edition.py", str(tmp_path / "x"),
                             "--repository", "https://gitlab.com/a/b"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "OWNER/NAME" in result.stderr and not (tmp_path / "x").exists()
