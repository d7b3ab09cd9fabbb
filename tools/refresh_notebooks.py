"""Re-execute the course notebooks in place, so their stored outputs are today's.

    python tools/refresh_notebooks.py                 # every notebook in notebooks/
    python tools/refresh_notebooks.py notebooks/04_gradients.ipynb
    python tools/refresh_notebooks.py --setup-only    # only rewrite the setup cells, no run

Each notebook runs top to bottom in a fresh kernel, from the notebooks/ folder, as nbval
will run it. Its Colab and Binder links are pointed at REPOSITORY first (the README's too),
so the repository is named here and nowhere else, and its setup cell (cell 1) is rewritten
from tools/setup_cell.ipy, the one place that cell is written. A notebook that fails is left
exactly as it was and the command exits with an error.
"""
import json
import re
import sys
import time
from pathlib import Path

import nbformat
from ipykernel.kernelspec import get_kernel_dict
from nbclient import NotebookClient

REPOSITORY = "nn-from-scratch/course"  # GitHub owner/name that the badges and links point to

WIDGET = "application/vnd.jupyter.widget-view+json"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from helpers.files import atomic_write  # noqa: E402
NOTEBOOKS = ROOT / "notebooks"
SETUP_CELL = Path(__file__).resolve().parent / "setup_cell.ipy"
# The setup cell shows as what it stands for: a Colab form (its #@title line) and a collapsed
# cell in JupyterLab, with the article's lines it printed below. Its output names a folder on
# the machine that ran it, so it is never stored, and nbval does not compare it.
SETUP_METADATA = {"cellView": "form", "jupyter": {"source_hidden": True},
                  "tags": ["nbval-ignore-output"]}
# Links to the course's own repository: Colab and Binder badges, and the setup cell's
# `git clone` fallback. Other GitHub links (to nbval, say) are left alone.
LINKS = re.compile(r"(colab\.research\.google\.com/github/|mybinder\.org/v2/gh/|"
                   r"git clone https://github\.com/)[\w.-]+/[\w.-]+?(?=/blob/|/HEAD|\s|$|\))")


def point_links(text, repository=REPOSITORY):
    """Point the course's Colab, Binder and git clone links in ``text`` at ``repository``."""
    return LINKS.sub(lambda m: m.group(1) + repository, text)


def setup_cell(repository=REPOSITORY):
    """The setup cell every lesson opens with (cell 1), from tools/setup_cell.ipy."""
    cell = nbformat.v4.new_code_cell(point_links(SETUP_CELL.read_text().rstrip("\n"), repository))
    cell.metadata.update(json.loads(json.dumps(SETUP_METADATA)))  # a copy: never shared
    return cell


def is_setup_cell(cell):
    return cell.cell_type == "code" and "COURSE_FOLDER" in cell.source


def put_setup_cell(nb, repository=REPOSITORY):
    """Rewrite cell 1 of ``nb`` as today's setup cell, if it is a setup cell (sets COURSE_FOLDER).

    A notebook without one is left as it is; tests/test_notebooks.py requires every lesson to
    open with the same setup cell.
    """
    if len(nb.cells) > 1 and is_setup_cell(nb.cells[1]):
        new = setup_cell(repository)
        new.id = nb.cells[1].get("id", new.id)  # keep the cell's id: smaller diffs
        nb.cells[1] = new
    return nb


def refresh(path, run=True):
    nb = nbformat.read(path, as_version=4)
    put_setup_cell(nb)
    for cell in nb.cells:
        cell.source = point_links(cell.source)
    if not run:
        write(nb, path)
        return 0.0
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps: different on every run
        if cell.cell_type == "code":
            # A stored widget view shows as an error until the cell runs again: drop it.
            cell.outputs = [out for out in cell.outputs if WIDGET not in out.get("data", {})]
    nb.metadata.pop("widgets", None)  # widget state: random model ids
    if len(nb.cells) > 1 and is_setup_cell(nb.cells[1]):
        nb.cells[1].outputs, nb.cells[1].execution_count = [], None  # this machine's folder
    # The kernel as ipykernel names it, or JupyterLab marks the notebook modified on opening.
    nb.metadata["kernelspec"] = {"display_name": get_kernel_dict()["display_name"],
                                 "language": "python", "name": "python3"}
    write(nb, path)
    return time.perf_counter() - start


def write(nb, path):
    text = nbformat.writes(nb)
    with atomic_write(path) as f:
        f.write((text if text.endswith("\n") else text + "\n").encode("utf-8"))


def main(args):
    run = "--setup-only" not in args
    paths = [Path(p).resolve() for p in args if p != "--setup-only"]
    paths = paths or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    readme = ROOT / "README.md"
    readme.write_text(point_links(readme.read_text()))
    failed = []
    for path in paths:
        try:
            seconds = refresh(path, run)
            print(f"{path.name}: {f'{seconds:.1f} s' if run else 'setup cell rewritten'}")
        except Exception as error:  # noqa: BLE001 - report every notebook, then fail
            print(f"{path.name}: FAILED, left unchanged\n{error}", file=sys.stderr)
            failed.append(path.name)
    if failed:
        sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
