"""A class on JupyterHub: tools/hub_links.py's links, followed by nbgitpuller itself.

A hub starts one Jupyter server per student, and an nbgitpuller link sends the student to that
server's /git-pull. Here a real Jupyter server, with the nbgitpuller extension, runs on
127.0.0.1 with a home folder of its own, and the course is a local bare git repository.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import hub_links  # noqa: E402
from conftest import jupyter_server  # noqa: E402

if not os.environ.get("CI"):
    pytest.importorskip("nbgitpuller")
if shutil.which("git") is None:
    pytest.skip("needs git", allow_module_level=True)

FOLDER = "nn-course"


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=Teacher", "-c", "user.email=teacher@example.edu",
                    "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """The teacher's clone of the course and the bare repository the hub pulls from."""
    base = tmp_path_factory.mktemp("git")
    work = base / "teacher"
    work.mkdir()
    for name in ["helpers", "data", "notebooks", "binder", "requirements.txt", "README.md", "LICENSE"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(source, work / name)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "The course")
    git(base, "clone", "-q", "--bare", str(work), "course.git")
    git(work, "remote", "add", "origin", str(base / "course.git"))
    return work, base / "course.git"


def request(url, token, timeout=60):
    return urllib.request.urlopen(urllib.request.Request(
        url, headers={"Authorization": f"token {token}"}), timeout=timeout)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Jupyter server with nbgitpuller, as a hub starts one for a student: (url, token, home)."""
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHONPATH"))}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTER_RUNTIME_DIR=str(home / ".runtime"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    with jupyter_server("jupyter_server", home, env, home.parent / "jupyter-server.log",
                        "--ServerApp.jpserver_extensions=nbgitpuller=True") as (url, token):
        yield url, token, home


def follow(server, link, timeout=300):
    """Do what a student's browser does with an nbgitpuller link; return where it then goes.

    The /git-pull page carries the pull's parameters; its script asks /git-pull/api for the
    pull, shows the progress nbgitpuller streams back (server-sent events) and, when it has
    finished, opens the page's urlpath.
    """
    url, token, _ = server
    query = urlsplit(link).query
    with request(f"{url}/git-pull?{query}", token) as response:
        page = response.read().decode()
    data = {k: unquote(v) for k, v in re.findall(r'data-([\w-]+)="([^"]*)"', page)}
    api = {k: data[k] for k in ("repo", "branch", "depth", "targetpath") if k in data}
    events = []
    deadline = time.monotonic() + timeout
    with request(f"{url}/git-pull/api?{urlencode(api)}", token, timeout=timeout) as stream:
        for line in stream:
            if line.startswith(b"data: "):
                events.append(json.loads(line[len(b"data: "):]))
                if events[-1]["phase"] in ("finished", "error"):
                    break
            assert time.monotonic() < deadline, "nbgitpuller took too long"
    assert events and events[-1]["phase"] == "finished", events[-3:]
    return data["base-url"] + data["path"]


def test_the_links_open_each_lesson_in_the_students_pulled_folder(capsys):
    hub_links.main(["https://hub.example.edu/", "--repository", "https://github.com/a-school/nn-course.git"])
    printed = capsys.readouterr().out
    links = re.findall(r"^  (\S+)$", printed, re.M)
    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))  # the learner edition
    assert len(links) == len(lessons) + 1
    for link, name in zip(links[1:], lessons):
        assert link.startswith("https://hub.example.edu/hub/user-redirect/git-pull?")
        query = parse_qs(urlsplit(link).query)
        assert query == {"repo": ["https://github.com/a-school/nn-course.git"], "branch": ["main"],
                         "targetPath": ["nn-course"], "urlpath": [f"lab/tree/nn-course/notebooks/{name}"]}
    assert "1. MNIST" in printed
    with pytest.raises(SystemExit):
        hub_links.main(["hub.example.edu"])  # not a web address: said so, no links
    hub_links.main(["https://hub.example.edu", "--repository", "a-school/nn-course"])
    query = parse_qs(urlsplit(re.findall(r"^  (\S+)$", capsys.readouterr().out, re.M)[0]).query)
    assert query["repo"] == ["https://github.com/a-school/nn-course"]  # OWNER/NAME, made clonable


def test_nbgitpuller_lands_the_course_keeps_a_learners_edits_and_a_lesson_runs(upstream, server):
    work, bare = upstream
    home = server[2]
    repo = bare.as_uri()
    link = hub_links.hub_link("http://hub", repo, "notebooks/01_data_loading.ipynb",
                              folder=FOLDER)
    assert follow(server, link) == "/lab/tree/nn-course/notebooks/01_data_loading.ipynb"
    course = home / FOLDER
    for lesson in [*(ROOT / "notebooks").glob("[0-9]*.ipynb"), *(ROOT / "notebooks" / "worked").glob("[0-9]*.ipynb")]:
        assert (course / lesson.relative_to(ROOT)).read_bytes() == lesson.read_bytes()
    assert (course / "helpers" / "two_layer_net.py").is_file()
    assert len(list((course / "data" / "mnist").glob("*.gz"))) == 4

    # The learner answers an exercise and deletes a lesson; the teacher changes the same cell
    # and adds a file.
    lesson = course / "notebooks" / "02_mini_batches.ipynb"
    nb = nbformat.read(lesson, as_version=4)
    solution = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    nb.cells[solution].source = "# my own answer\n" + nb.cells[solution].source
    nbformat.write(nb, lesson)
    (course / "notebooks" / "04_gradients.ipynb").unlink()
    teachers = nbformat.read(work / "notebooks" / lesson.name, as_version=4)
    teachers.cells[solution].source = "# the teacher's new hint\n" + teachers.cells[solution].source
    nbformat.write(teachers, work / "notebooks" / lesson.name)
    (work / "notebooks" / "NOTES.md").write_text("Week 2: lessons 3 and 4.\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "A hint, and notes for week 2")
    git(work, "push", "-q", "origin", "main")

    follow(server, link)
    kept = nbformat.read(lesson, as_version=4)
    assert kept.cells[solution].source.startswith("# my own answer\n")  # the learner's edit won
    assert (course / "notebooks" / "NOTES.md").read_text() == "Week 2: lessons 3 and 4.\n"
    assert (course / "notebooks" / "04_gradients.ipynb").is_file()  # a deleted lesson comes back

    # A worked lesson runs in the pulled folder, with the pulled course's helpers.
    from nbclient import NotebookClient
    pulled = nbformat.read(course / "notebooks" / "worked" / "01_data_loading.ipynb", as_version=4)
    NotebookClient(pulled, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(course / "notebooks" / "worked")}}).execute()
    printed = "".join(out.get("text", "") for out in pulled.cells[1].outputs)
    assert f"sys.path.append({str(course)!r})" in printed
    assert not [out for c in pulled.cells if c.cell_type == "code" for out in c.outputs
                if out.output_type == "error"]
