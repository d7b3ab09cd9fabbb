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
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SETUP = nbformat.read(NOTEBOOKS[0], as_version=4).cells[1].source

# Runs the setup cell in a fresh IPython shell, the way a notebook kernel would, and reports
# what it did. The fake google.colab module records drive.mount calls.
RUNNER = textwrap.dedent('''
    import json, sys, types
    from pathlib import Path
    from IPython.core.interactiveshell import InteractiveShell

    setup, fake_root, colab, cwd = json.loads(sys.stdin.read())
    mounts = []
    if colab:
        google = types.ModuleType("google")
        google.colab = types.ModuleType("google.colab")
        google.colab.drive = types.SimpleNamespace(mount=lambda path, **kw: mounts.append(path))
        sys.modules.update({"google": google, "google.colab": google.colab})
    import os
    os.chdir(cwd)
    shell = InteractiveShell.instance()
    import io
    real_stdout, sys.stdout = sys.stdout, io.StringIO()
    try:
        result = shell.run_cell(setup.replace("/content", fake_root))
    finally:
        printed, sys.stdout = sys.stdout.getvalue(), real_stdout
    error = result.error_in_exec
    found = None
    if error is None:
        import helpers
        found = str(Path(helpers.__file__).parent.parent)
    print(json.dumps({"mounts": mounts, "found": found, "sys_path_0": sys.path[0],
                      "printed": printed,
                      "error": None if error is None else f"{type(error).__name__}: {error}",
                      "autoreload": any(m.endswith("autoreload") for m in shell.extension_manager.loaded)}))
''')


# What tells the setup cell where it runs; none of it may leak in from the machine running the tests.
PLACE_VARIABLES = ("PYTHONPATH", "NBGRADER_EXECUTION", "JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN",
                   "BINDER_LAUNCH_HOST", "BINDER_REPO_URL")


def run_setup(tmp_path, colab, cwd, setup=SETUP, **env_vars):
    fake_root = tmp_path / "content"
    fake_root.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in PLACE_VARIABLES}
    env.update(env_vars)
    result = subprocess.run([sys.executable, "-c", RUNNER], cwd=tmp_path, env=env, timeout=120,
                            input=json.dumps([setup, str(fake_root), colab, str(cwd)]),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def copy_course(target, exist_ok=False):
    """A copy of the course as a learner uploads it: helpers and data, any folder name."""
    target.mkdir(parents=True, exist_ok=exist_ok)
    shutil.copytree(ROOT / "helpers", target / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (target / "data").mkdir()
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


def test_on_colab_without_the_course_on_drive_it_says_what_to_do(tmp_path):
    (tmp_path / "content" / "drive" / "MyDrive" / "other").mkdir(parents=True)
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content")
    assert outcome["error"].startswith("FileNotFoundError")
    assert "My Drive" in outcome["error"] and "git clone https://github.com/" in outcome["error"]
    assert "COURSE_FOLDER" in outcome["error"] and "On Colab" in outcome["error"]


def test_on_colab_a_clone_in_content_is_found(tmp_path):
    (tmp_path / "content" / "drive" / "MyDrive").mkdir(parents=True)
    course = copy_course(tmp_path / "content" / "course")
    outcome = run_setup(tmp_path, colab=True, cwd=tmp_path / "content")
    assert outcome["error"] is None and outcome["found"] == str(course)


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
    import refresh_notebooks
    one = refresh_notebooks.setup_cell()
    for path in NOTEBOOKS:
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
    assert cells[1].source == refresh_notebooks.setup_cell().source
    assert cells[1].metadata["jupyter"] == {"source_hidden": True}
    assert [c.source for c in cells[::2]] == ["# 9. A new lesson", "print(1)"]


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
    result = subprocess.run([python, "-c", script, ROOT / "notebooks", *NOTEBOOKS], env=env,
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
