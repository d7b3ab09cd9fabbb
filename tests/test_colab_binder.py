"""The notebooks' setup cell on Colab (with a fake google.colab), on JupyterHub, in nbgrader's
folders and locally, and Binder's image."""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import address  # noqa: E402
NOTEBOOKS = sorted((ROOT / "notebooks" / "worked").glob("[0-9]*.ipynb"))
LEARNER = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SETUP = nbformat.read(LEARNER[0], as_version=4).cells[1].source

# Runs the setup cell, and then any other cells, in a fresh IPython shell, the way a notebook
# kernel would, and reports what it did. The fake google.colab module records drive.mount calls
# (and refuses, as Colab does when the learner does not allow access, with drive="refuse"); a
# folder listing below slow_root can be made to cost listing_seconds, as on Drive's mount.
RUNNER = textwrap.dedent('''
    import io, json, os, sys, time, types
    from pathlib import Path
    from IPython.core.interactiveshell import InteractiveShell

    spec = json.loads(sys.stdin.read())
    mounts, listings = [], []
    if spec["colab"]:
        class MessageError(Exception):
            pass
        def mount(path, **kw):
            mounts.append(path)
            if spec["drive"] == "refuse":
                raise MessageError("Error: credential propagation was unsuccessful")
        google = types.ModuleType("google")
        google.colab = types.ModuleType("google.colab")
        google.colab.drive = types.SimpleNamespace(mount=mount)
        sys.modules.update({"google": google, "google.colab": google.colab})
    if spec["listing_seconds"]:
        def slow(real):
            def listing(path=".", *args):
                if str(path).startswith(spec["slow_root"]):
                    time.sleep(spec["listing_seconds"])
                    listings.append(str(path))
                return real(path, *args)
            return listing
        os.scandir, os.listdir = slow(os.scandir), slow(os.listdir)
    sys.path[:0] = spec["path_first"]
    os.chdir(spec["cwd"])
    shell = InteractiveShell.instance()
    ran = []
    for source in spec["cells"]:
        for old, new in spec["replace"]:
            source = source.replace(old, new)
        real_stdout, sys.stdout = sys.stdout, io.StringIO()
        start = time.monotonic()
        try:
            result = shell.run_cell(source)
        finally:
            printed, sys.stdout = sys.stdout.getvalue(), real_stdout
        error = result.error_before_exec or result.error_in_exec
        ran.append({"seconds": time.monotonic() - start, "printed": printed,
                    "error": None if error is None else f"{type(error).__name__}: {error}"})
        if error is not None:
            break
    found = None
    if ran[0]["error"] is None:
        import helpers
        found = str(Path(helpers.__file__).parent.parent)
    print(json.dumps({"mounts": mounts, "found": found, "sys_path_0": sys.path[0],
                      "printed": ran[0]["printed"], "error": ran[0]["error"], "cells": ran,
                      "seconds": ran[0]["seconds"], "listings": len(listings),
                      "sys_path_count": sys.path.count(found) if found else 0,
                      "autoreload": any(m.endswith("autoreload") for m in shell.extension_manager.loaded)}))
''')


# What tells the setup cell where it runs; none of it may leak in from the machine running the tests.
PLACE_VARIABLES = ("PYTHONPATH", "NBGRADER_EXECUTION", "JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN",
                   "BINDER_LAUNCH_HOST", "BINDER_REPO_URL", "KAGGLE_KERNEL_RUN_TYPE")


def run_setup(tmp_path, colab, cwd, setup=SETUP, drive="ok", cells=(), replace=(),
              listing_seconds=0, path_first=(), **env_vars):
    """Run the setup cell (then ``cells``) with /content and /kaggle under tmp_path."""
    fake_root = tmp_path / "content"
    fake_root.mkdir(exist_ok=True)
    replace = [("/content", str(fake_root)), ("/kaggle", str(tmp_path / "kaggle")), *replace]
    env = {k: v for k, v in os.environ.items() if k not in PLACE_VARIABLES}
    env.update(env_vars, MPLBACKEND="Agg")
    spec = {"cells": [setup, *cells], "replace": replace, "colab": colab, "cwd": str(cwd),
            "drive": drive, "listing_seconds": listing_seconds, "path_first": list(map(str, path_first)),
            "slow_root": str(fake_root / "drive")}
    result = subprocess.run([sys.executable, "-c", RUNNER], cwd=tmp_path, env=env, timeout=600,
                            input=json.dumps(spec), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def copy_course(target, exist_ok=False):
    """A copy of the course as a learner uploads it: helpers and data, any folder name."""
    target.mkdir(parents=True, exist_ok=exist_ok)
    shutil.copytree(ROOT / "helpers", target / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", target / "data", copy_function=os.link)  # MNIST, as hard links
    return target


@pytest.mark.parametrize("drive_folder", ["MyDrive", "My Drive"])
def test_on_colab_the_setup_mounts_drive_and_finds_a_renamed_nested_course(tmp_path, drive_folder):
    course = copy_course(tmp_path / "content" / "drive" / drive_folder / "classes" / "spring" /
                         "NN course (copy)")
    (tmp_path / "content" / "drive" / drive_folder / "unrelated" / "photos").mkdir(parents=True)
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content")
    assert outcome["error"] is None
    assert outcome["mounts"] == [str(tmp_path / "content" / "drive")]
    assert outcome["sys_path_0"] == str(course) and outcome["found"] == str(course)
    assert outcome["autoreload"]


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=Course", "-c", "user.email=course@example.edu",
                    "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def github(tmp_path_factory):
    """GitHub, simulated: a bare repository holding the course as this checkout has it now,
    served over git's own protocol (file://), which honours --depth, --filter and --sparse."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    base = tmp_path_factory.mktemp("github")
    work = base / "work"
    work.mkdir()
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, work / name)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "The course")
    bare = base / "github.com" / "nn-from-scratch" / "course"
    git(base, "clone", "-q", "--bare", str(work), str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    git(bare, "config", "uploadpack.allowAnySHA1InWant", "true")
    return bare.as_uri()


def lesson_cells(name="01_data_loading.ipynb"):
    """The learner lesson's code cells after its setup cell, and the index of its first
    exercise's test cell among them (where the stub raises NotImplementedError)."""
    cells = [c for c in nbformat.read(ROOT / "notebooks" / name, as_version=4).cells[2:]
             if c.cell_type == "code"]
    first = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("solution"))
    return [c.source for c in cells], first + 1


def assert_stops_at_the_first_exercise(outcome, first_test):
    ran = outcome["cells"][1:]
    assert [cell["error"] for cell in ran[:first_test]] == [None] * first_test, ran[-1]
    assert len(ran) == first_test + 1 and ran[-1]["error"].startswith("NotImplementedError")


def test_on_colab_a_lesson_opened_from_its_badge_alone_fetches_the_course_and_runs(tmp_path, github):
    """An empty Drive and nothing in /content: the setup cell clones helpers/ and data/ from
    the notebook's repository and branch, and the lesson runs to its first exercise."""
    (tmp_path / "content" / "drive" / "MyDrive" / "Colab Notebooks").mkdir(parents=True)
    cells, first_test = lesson_cells()
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content", cells=cells,
                        replace=[(address.clone_url(), github)])
    fetched = tmp_path / "content" / "course"
    assert outcome["error"] is None and outcome["found"] == str(fetched)
    assert "fetching it from" in outcome["printed"] and "Fetched in" in outcome["printed"]
    assert "File > Save a copy in Drive" in outcome["printed"]
    assert_stops_at_the_first_exercise(outcome, first_test)
    # Only what a lesson needs: helpers/ and data/ (with MNIST), not the notebooks or tests.
    assert sorted(p.name for p in fetched.iterdir() if p.is_dir() and p.name != ".git") == ["data", "helpers"]
    assert len(list((fetched / "data" / "mnist").glob("*.gz"))) == 4
    assert [p.name for p in (tmp_path / "content").iterdir() if "fetching" in p.name] == []
    print(f"setup cell on an emulated Colab, fetching: {outcome['seconds']:.1f} s")
    # The next lesson in the same runtime uses the fetched copy, without asking for Drive.
    again = run_setup(tmp_path, colab=True, cwd=tmp_path / "content")
    assert again["found"] == str(fetched) and again["mounts"] == []
    assert "fetching" not in again["printed"] and "Save a copy" not in again["printed"]


def test_on_kaggle_a_lesson_imported_from_github_fetches_the_course_and_runs(tmp_path, github):
    working = tmp_path / "kaggle" / "working"
    working.mkdir(parents=True)
    cells, first_test = lesson_cells("02_mini_batches.ipynb")
    outcome = run_setup(tmp_path, colab=False, cwd=working, cells=cells,
                        replace=[(address.clone_url(), github)], KAGGLE_KERNEL_RUN_TYPE="Interactive")
    fetched = tmp_path / "kaggle" / "temp" / "course"  # not in working/, the notebook's output
    assert outcome["error"] is None and outcome["found"] == str(fetched)
    assert_stops_at_the_first_exercise(outcome, first_test)
    assert list(working.iterdir()) == []
    print(f"setup cell on an emulated Kaggle, fetching: {outcome['seconds']:.1f} s")


def test_on_kaggle_without_internet_it_says_to_switch_it_on_and_leaves_nothing(tmp_path):
    (tmp_path / "kaggle" / "working").mkdir(parents=True)
    unreachable = (tmp_path / "no-such-host" / "course").as_uri()
    outcome = run_setup(tmp_path, colab=False, cwd=tmp_path / "kaggle" / "working",
                        replace=[(address.clone_url(), unreachable)], KAGGLE_KERNEL_RUN_TYPE="Batch")
    assert outcome["error"].startswith("ConnectionError") and "switch on Internet" in outcome["error"]
    assert list((tmp_path / "kaggle" / "temp").iterdir()) == []  # no half-fetched course


def test_on_studio_lab_the_cloned_repository_is_found_as_on_a_laptop(tmp_path, github):
    home = tmp_path / "studio-lab-user"
    home.mkdir()
    git(home, "clone", "-q", github, "course")  # what Studio Lab's "Copy to project" does
    cells, first_test = lesson_cells("03_network_and_loss.ipynb")
    outcome = run_setup(tmp_path, colab=False, cwd=home / "course" / "notebooks", cells=cells)
    assert outcome["found"] == str(home / "course") and "fetching" not in outcome["printed"]
    assert_stops_at_the_first_exercise(outcome, first_test)


def big_drive(root, folders=5000):
    """A Drive of ``folders`` folders: 50 at the top, the rest two levels down."""
    for i in range(50):
        for j in range(folders // 50 - 1):
            (root / f"folder {i:02d}" / f"sub {j:03d}").mkdir(parents=True)


def test_on_colab_the_search_of_a_big_slow_drive_is_bounded_then_fetches(tmp_path, github):
    """5,000 folders, each listing costing 20 ms: the search stops after its 2.5 s, and the
    course is fetched, instead of walking Drive for minutes."""
    big_drive(tmp_path / "content" / "drive" / "MyDrive")
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content", listing_seconds=0.02,
                        replace=[(address.clone_url(), github)])
    assert outcome["error"] is None and outcome["found"] == str(tmp_path / "content" / "course")
    assert "Stopped looking through My Drive after" in outcome["printed"]
    assert outcome["listings"] <= 2.5 / 0.02  # bounded by the time it allows itself
    print(f"setup cell on a 5,000-folder Drive at 20 ms a listing: {outcome['seconds']:.1f} s")


def test_on_colab_the_course_where_the_article_keeps_it_is_found_at_once(tmp_path):
    drive = tmp_path / "content" / "drive" / "MyDrive"
    big_drive(drive)
    course = copy_course(drive / "course")
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content", listing_seconds=0.02)
    assert outcome["found"] == str(course) and outcome["listings"] == 0


def test_on_colab_a_learner_who_refuses_drive_still_gets_the_course(tmp_path, github):
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content", drive="refuse",
                        replace=[(address.clone_url(), github)])
    assert outcome["error"] is None and outcome["found"] == str(tmp_path / "content" / "course")
    assert "Google Drive is not mounted (MessageError" in outcome["printed"]
    assert "drive.mount" not in outcome["printed"]  # the article's lines, for what was done


def test_on_colab_of_two_copies_the_newest_is_used_and_both_are_named(tmp_path):
    drive = tmp_path / "content" / "drive" / "MyDrive"
    old, new = copy_course(drive / "course (1)"), copy_course(drive / "my course")
    for path in old.rglob("*.py"):
        os.utime(path, (1e9, 1e9))  # uploaded in 2001
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content")
    assert outcome["found"] == str(new)
    assert f"using the newest, {new}" in outcome["printed"] and str(old) in outcome["printed"]


def test_on_colab_a_copy_with_a_file_missing_is_named_and_not_used(tmp_path, github):
    half = copy_course(tmp_path / "content" / "drive" / "MyDrive" / "nn")
    (half / "helpers" / "train.py").unlink()
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content",
                        replace=[(address.clone_url(), github)])
    assert outcome["found"] == str(tmp_path / "content" / "course")  # fetched instead
    assert f"{half} (no helpers/train.py)" in outcome["printed"]


def test_a_half_copy_where_the_course_is_fetched_to_is_never_deleted(tmp_path, github):
    (tmp_path / "content" / "drive" / "MyDrive").mkdir(parents=True)
    mine = tmp_path / "content" / "course"
    (mine / "notes").mkdir(parents=True)
    (mine / "notes" / "week1.md").write_text("my notes\n")
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content",
                        replace=[(address.clone_url(), github)])
    assert outcome["error"].startswith("FileNotFoundError") and str(mine) in outcome["error"]
    assert "Rename or delete it" in outcome["error"]
    assert (mine / "notes" / "week1.md").read_text() == "my notes\n"


def test_a_course_already_on_sys_path_is_moved_first(tmp_path):
    other = tmp_path / "other"
    (other / "helpers").mkdir(parents=True)
    (other / "helpers" / "__init__.py").write_text("")  # another package called helpers
    outcome = run_setup(tmp_path, colab=False, cwd=ROOT / "notebooks", path_first=[other, ROOT])
    assert outcome["found"] == str(ROOT) and outcome["sys_path_0"] == str(ROOT)
    assert outcome["sys_path_count"] == 1


def test_a_wrong_course_folder_is_named_in_the_message(tmp_path):
    typed = tmp_path / "my courses" / "corse"
    setup = SETUP.replace('COURSE_FOLDER = ""', f'COURSE_FOLDER = "{typed}"', 1)
    outcome = run_setup(tmp_path, colab=False, cwd=tmp_path, setup=setup)
    assert outcome["error"].startswith("FileNotFoundError")
    assert f"COURSE_FOLDER is '{typed}'" in outcome["error"] and "no such folder" in outcome["error"]


def test_the_one_line_override_wins(tmp_path):
    course = copy_course(tmp_path / "somewhere" / "else")
    setup = SETUP.replace('COURSE_FOLDER = ""', f'COURSE_FOLDER = "{course}"', 1)
    assert setup != SETUP
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path, setup=setup)
    assert outcome["error"] is None and outcome["found"] == str(course)
    assert outcome["mounts"] == []


def test_locally_the_course_is_found_from_the_notebooks_folder_without_drive(tmp_path):
    outcome = run_setup(tmp_path, colab=False, cwd=ROOT / "notebooks")
    assert outcome["error"] is None and outcome["found"] == str(ROOT)
    assert outcome["mounts"] == [] and outcome["autoreload"]


def test_the_setup_cell_is_written_in_one_place_and_shows_as_the_articles_lines(tmp_path):
    import opening_cells
    one = opening_cells.setup_cell()
    for path in NOTEBOOKS + LEARNER:
        cell = nbformat.read(path, as_version=4).cells[1]
        assert cell.source == one.source, f"{path.name}: run tools/refresh_notebooks.py"
        assert cell.metadata["jupyter"]["source_hidden"] and cell.metadata["cellView"] == "form"
        assert not cell.outputs  # its output names the folder of the machine that ran it
    first = one.source.splitlines()[0]
    assert first.startswith("#@title Setup") and first.endswith('{ display-mode: "form" }')
    assert "drive.mount('/content/drive')" in one.source and "sys.path.append(" in one.source
    assert 'COURSE_FOLDER = ""  #@param {type:"string"}' in one.source
    # It prints the article's lines for the folder it found.
    course = copy_course(tmp_path / "content" / "drive" / "MyDrive" / "nn")
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content")
    assert f"drive.mount('{tmp_path / 'content' / 'drive'}')" in outcome["printed"]  # /content, faked
    assert f"sys.path.append({str(course)!r})" in outcome["printed"]
    local = run_setup(tmp_path, colab=False, cwd=ROOT / "notebooks")
    assert f"sys.path.append({str(ROOT)!r})" in local["printed"] and "drive" not in local["printed"]


def test_refresh_gives_a_lesson_written_with_an_older_setup_cell_todays(tmp_path):
    import refresh_notebooks
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 9. A new lesson"),
                nbformat.v4.new_code_cell('# Setup: find the course folder\nCOURSE_FOLDER = ""\n'),
                nbformat.v4.new_code_cell("print(1)")]
    path = tmp_path / "09_new.ipynb"
    nbformat.write(nb, path)
    refresh_notebooks.refresh(path, run=False)  # what --setup-only does
    cells = nbformat.read(path, as_version=4).cells
    import opening_cells
    assert cells[1].source == opening_cells.setup_cell().source
    assert cells[1].metadata["jupyter"] == {"source_hidden": True}
    assert cells[0].source.split("\n")[:3] == ["# 9. A new lesson", "", address.badges("notebooks/09_new.ipynb")]
    assert cells[2].source == "print(1)"


def test_on_colab_a_course_folder_typed_in_on_drive_mounts_drive(tmp_path):
    course = copy_course(tmp_path / "content" / "drive" / "MyDrive" / "deep" / "course")
    setup = SETUP.replace('COURSE_FOLDER = ""', 'COURSE_FOLDER = "/content/drive/MyDrive/deep/course"', 1)
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content", setup=setup)
    assert outcome["error"] is None and outcome["found"] == str(course)
    assert outcome["mounts"] == [str(tmp_path / "content" / "drive")]


def nbgrader_course(root, assignment="01_data_loading", with_course=("source", "release")):
    """nbgrader's folders as tools/nbgrader_course.py and nbgrader make them."""
    (root / "nbgrader_config.py").parent.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    for step in with_course:
        copy_course(root / step / assignment)
    for folder in ("submitted/ada", "autograded/ada"):
        (root / folder / assignment).mkdir(parents=True)
    return root


@pytest.mark.parametrize("step", ["source", "release", "submitted/ada", "autograded/ada"])
def test_in_an_nbgrader_course_each_step_finds_the_course(tmp_path, step):
    root = nbgrader_course(tmp_path / "nbgrader")
    copy_course(root / "autograded" / "ada" / "01_data_loading", exist_ok=True)
    outcome = run_setup(tmp_path, colab=False, cwd=root / step / "01_data_loading",
                        NBGRADER_EXECUTION="autograde")
    assert outcome["error"] is None
    # Its own folder when it holds helpers/ (nbgrader copies them there); a submission of
    # notebooks alone runs with the assignment's source/.
    expected = root / ("source" if step == "submitted/ada" else step) / "01_data_loading"
    assert outcome["found"] == str(expected)


def test_in_an_nbgrader_course_without_helpers_it_says_how_to_make_one(tmp_path):
    root = nbgrader_course(tmp_path / "nbgrader", with_course=())
    outcome = run_setup(tmp_path, colab=False, cwd=root / "autograded" / "ada" / "01_data_loading",
                        NBGRADER_EXECUTION="autograde")
    error = outcome["error"]
    assert error.startswith("FileNotFoundError") and "nbgrader course" in error
    assert "tools/nbgrader_course.py" in error and "source/01_data_loading/" in error
    assert "Colab" not in error and "COURSE_FOLDER" in error


def test_on_jupyterhub_outside_the_pulled_folder_it_speaks_of_the_link(tmp_path):
    (tmp_path / "home" / "Untitled").mkdir(parents=True)
    outcome = run_setup(tmp_path, colab=False, cwd=tmp_path / "home" / "Untitled",
                        JUPYTERHUB_USER="ada")
    error = outcome["error"]
    assert "On JupyterHub" in error and "link" in error and str(tmp_path / "home" / "Untitled") in error
    assert "Colab" not in error and "nbgrader" not in error


def test_locally_outside_the_course_it_says_where_it_runs(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    error = run_setup(tmp_path, colab=False, cwd=tmp_path / "elsewhere")["error"]
    assert "On your own machine" in error and str(tmp_path / "elsewhere") in error
    assert "Colab" not in error and "JupyterHub" not in error


def test_binder_pins_python_and_the_course_requirements():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip().startswith("python-3.")
    pinned = {line.split("==")[0].lower() for line in
              (ROOT / "binder" / "requirements.txt").read_text().splitlines()
              if "==" in line and not line.startswith("#")}
    needed = {line.split(">=")[0].strip().lower() for line in
              (ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    assert needed <= pinned, needed - pinned


@pytest.mark.skipif(os.environ.get("SKIP_BINDER_TEST") == "1", reason="SKIP_BINDER_TEST=1")
def test_every_notebook_runs_in_a_fresh_environment_from_binder_requirements(tmp_path):
    env_dir = tmp_path / "binder-env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "-r", ROOT / "binder" / "requirements.txt",
                    "nbclient"], check=True, timeout=900)
    script = textwrap.dedent('''
        import json, resource, sys, nbformat
        from nbclient import NotebookClient
        for path in sys.argv[2:]:
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": sys.argv[1]}}).execute()
        print(json.dumps({"kernel_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
    ''')
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    result = subprocess.run([python, "-c", script, ROOT / "notebooks" / "worked", *NOTEBOOKS], env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    peak = json.loads(result.stdout.strip().splitlines()[-1])["kernel_peak_mb"]
    assert peak < 1000, f"a notebook kernel used {peak:.0f} MB; Binder gives 1-2 GB in all"


def test_notebooks_name_the_kernel_as_ipykernel_does():
    """Else JupyterLab rewrites the name on opening and marks the lesson modified at once."""
    from ipykernel.kernelspec import get_kernel_dict
    for path in NOTEBOOKS:
        kernelspec = nbformat.read(path, as_version=4).metadata.kernelspec
        assert kernelspec == {"display_name": get_kernel_dict()["display_name"],
                              "language": "python", "name": "python3"}, path.name


def test_a_helpers_package_from_a_folder_named_like_the_course_is_not_kept(tmp_path):
    old = copy_course(tmp_path / "course-old")
    course = copy_course(tmp_path / "course")
    outcome = run_setup(tmp_path, colab=False, cwd=course, path_first=[old],
                        cells=["import helpers; print(helpers.__file__)"])
    assert outcome["cells"][1]["printed"].strip() == str(course / "helpers" / "__init__.py")


def test_on_colab_a_copy_without_mnist_is_not_taken_for_the_newest_whole_one(tmp_path):
    drive = tmp_path / "content" / "drive" / "MyDrive"
    whole = copy_course(drive / "course (old)")
    uploading = copy_course(drive / "course (uploading)")
    for gz in (uploading / "data" / "mnist").glob("*.gz"):
        gz.unlink()
    for path in whole.rglob("*"):
        os.utime(path, (1e9, 1e9), follow_symlinks=False)
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content")
    assert outcome["found"] == str(whole)
    assert f"{uploading} (no data/mnist/" in outcome["printed"]


def test_a_fetch_interrupted_earlier_is_cleared_away_by_the_next(tmp_path, github):
    (tmp_path / "content" / "drive" / "MyDrive").mkdir(parents=True)
    stale = tmp_path / "content" / ".course.fetching-999999999"  # a kernel long gone
    (stale / "helpers").mkdir(parents=True)
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content",
                        replace=[(address.clone_url(), github)])
    assert outcome["found"] == str(tmp_path / "content" / "course") and not stale.exists()


def test_on_colab_a_course_folder_on_drive_that_drive_refuses_says_so(tmp_path):
    setup = SETUP.replace('COURSE_FOLDER = ""', 'COURSE_FOLDER = "/content/drive/MyDrive/course"', 1)
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content", setup=setup, drive="refuse")
    assert "So COURSE_FOLDER cannot be reached: allow access" in outcome["printed"]
    assert "fetched into this runtime instead" not in outcome["printed"]


def test_a_broken_link_where_the_course_goes_is_named_not_replaced(tmp_path, github):
    (tmp_path / "content" / "drive" / "MyDrive").mkdir(parents=True)
    (tmp_path / "content" / "course").symlink_to(tmp_path / "gone")
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content",
                        replace=[(address.clone_url(), github)])
    assert outcome["error"].startswith("FileNotFoundError") and "Rename or delete it" in outcome["error"]
    assert (tmp_path / "content" / "course").is_symlink()
    assert not [p for p in (tmp_path / "content").iterdir() if "fetching" in p.name]
