"""Re-execute the worked lessons in place, so their stored outputs are today's, then write the
learner edition from them.

    python tools/refresh_notebooks.py                 # every lesson in notebooks/worked/
    python tools/refresh_notebooks.py notebooks/worked/04_gradients.ipynb
    python tools/refresh_notebooks.py --setup-only    # only rewrite setup cells and badges, no run

Each worked lesson runs top to bottom in a fresh kernel, from notebooks/worked/, as nbval will
run it. First its launch badges are written for the repository and branch that tools/address.py
names (the README's links are pointed there too), and its setup cell (cell 1) is rewritten from
tools/setup_cell.ipy, the one place that cell is written. A lesson that fails is left exactly
as it was and the command exits with an error. Last, notebooks/*.ipynb, the learner edition
that the badges open, is written anew from the worked lessons (tools/learner_edition.py).
"""
import sys
import time
from pathlib import Path

import nbformat
from ipykernel.kernelspec import get_kernel_dict
from nbclient import NotebookClient

import learner_edition
from address import point_links
from course_files import ROOT, WORKED as NOTEBOOKS, run
from opening_cells import is_setup_cell, put_opening_cells

WIDGET = "application/vnd.jupyter.widget-view+json"
sys.path.insert(0, str(ROOT))
from helpers.files import atomic_write  # noqa: E402


def refresh(path, run=True):
    nb = nbformat.read(path, as_version=4)
    put_opening_cells(nb, path.name, "worked")
    learner_edition.mark_anchors(nb)
    for cell in nb.cells:
        cell.source = point_links(cell.source)
    if not run:
        write(nb, path)
        return 0.0
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    except Exception:
        # nbclient answers Ctrl-C itself: it shuts the kernel down, and the run then fails with
        # another error. The shutdown it started is how to tell.
        if getattr(client, "_async_cleanup_kernel_future", None) is not None:
            raise KeyboardInterrupt from None
        raise
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps: different on every run
        if cell.cell_type == "code":
            # A stored widget view shows as an error until the cell runs again: drop it.
            cell.outputs = [out for out in cell.outputs if WIDGET not in out.get("data", {})]
    nb.metadata.pop("widgets", None)  # widget state: random model ids
    if is_setup_cell(nb):
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
            print(f"{path.name}: {f'{seconds:.1f} s' if run else 'opening cells rewritten'}")
        except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - report, then fail
            if isinstance(error, KeyboardInterrupt):
                done = paths[:paths.index(path)]
                print(f"interrupted: {path.name} and the lessons after it are left unchanged"
                      + (f"; {', '.join(p.name for p in done)} were refreshed" if done else "")
                      + ". The learner edition was not written: run this again to finish.",
                      file=sys.stderr)
                sys.exit(130)
            print(f"{path.name}: FAILED, left unchanged\n{error!r}", file=sys.stderr)
            failed.append(path.name)
    for name, problem in learner_edition.write_all().items():  # from the lessons as they now are
        print(problem or f"notebooks/{name}: the learner edition written anew",
              file=sys.stderr if problem else sys.stdout)
        failed += [f"notebooks/{name}"] if problem else []
    if failed:
        sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")


if __name__ == "__main__":
    sys.exit(run(lambda: main(sys.argv[1:]), "the lessons reported above are refreshed, the others "
                 "as they were; run this again to write the learner edition"))
