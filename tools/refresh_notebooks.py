"""Re-execute the course notebooks in place, so their stored outputs are today's.

    python tools/refresh_notebooks.py                 # every notebook in notebooks/
    python tools/refresh_notebooks.py notebooks/04_gradients.ipynb

Each notebook runs top to bottom in a fresh kernel, from the notebooks/ folder, as nbval
will run it. Its Colab and Binder links are pointed at REPOSITORY first (the README's too),
so the repository is named here and nowhere else. A notebook that fails is left exactly as
it was and the command exits with an error.
"""
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
# Links to the course's own repository: Colab and Binder badges, and the setup cell's
# `git clone` fallback. Other GitHub links (to nbval, say) are left alone.
LINKS = re.compile(r"(colab\.research\.google\.com/github/|mybinder\.org/v2/gh/|"
                   r"git clone https://github\.com/)[\w.-]+/[\w.-]+?(?=/blob/|/HEAD|\s|$|\))")


def point_links(text, repository=REPOSITORY):
    """Point the course's Colab, Binder and git clone links in ``text`` at ``repository``."""
    return LINKS.sub(lambda m: m.group(1) + repository, text)


def refresh(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.source = point_links(cell.source)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps: different on every run
        if cell.cell_type == "code":
            # A stored widget view shows as an error until the cell runs again: drop it.
            cell.outputs = [out for out in cell.outputs if WIDGET not in out.get("data", {})]
    nb.metadata.pop("widgets", None)  # widget state: random model ids
    # The kernel as ipykernel names it, or JupyterLab marks the notebook modified on opening.
    nb.metadata["kernelspec"] = {"display_name": get_kernel_dict()["display_name"],
                                 "language": "python", "name": "python3"}
    text = nbformat.writes(nb)
    with atomic_write(path) as f:
        f.write((text if text.endswith("\n") else text + "\n").encode("utf-8"))
    return time.perf_counter() - start


def main(paths):
    paths = [Path(p).resolve() for p in paths] or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    readme = ROOT / "README.md"
    readme.write_text(point_links(readme.read_text()))
    failed = []
    for path in paths:
        try:
            print(f"{path.name}: {refresh(path):.1f} s")
        except Exception as error:  # noqa: BLE001 - report every notebook, then fail
            print(f"{path.name}: FAILED, left unchanged\n{error}", file=sys.stderr)
            failed.append(path.name)
    if failed:
        sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
