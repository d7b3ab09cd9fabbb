"""Make the student edition of the course: exercises without their solutions.

    python tools/student_edition.py OUTDIR [--repository OWNER/NAME] [--force]

OUTDIR receives a working copy of the course (helpers/, data/, binder/, requirements) and
the lesson notebooks as nbgrader would release them: solution code replaced by a stub that
raises NotImplementedError, hidden tests removed, outputs cleared, test cells locked, and the
"What you should see" answers to ungraded questions left out. The work is done by nbgrader's
and nbconvert's own preprocessors (pip install nbgrader). The setup cell is
unchanged, so the notebooks still open on Colab and Binder; --repository points their
badges at the repository where you publish this edition.
"""
import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import TagRemovePreprocessor
from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions, LockCells

from course_files import ANSWER_TAG, COURSE_FILES, copy_files, lessons, new_folder
from refresh_notebooks import point_links

COPIED = COURSE_FILES + ["binder", "requirements.txt", "LICENSE"]
STUDENT_README = """# How a neural network learns, from scratch in NumPy: exercises

Work through the notebooks in `notebooks/` in order. Each ends with exercises: write your code
where it says `# YOUR CODE HERE` (and delete the `raise NotImplementedError()` below it), then
run the test cell that follows; it tells you what is wrong, and where.

On Colab: put this folder in your Google Drive and open a notebook; its first cell finds the
folder. Locally:

    python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && jupyter lab notebooks
"""


def student_notebook(path, repository=None):
    """The student version of one notebook, as a NotebookNode."""
    nb = nbformat.read(path, as_version=4)
    resources = {}
    drop_answers = TagRemovePreprocessor(remove_cell_tags=[ANSWER_TAG], enabled=True)
    for preprocessor in (ClearSolutions(), ClearHiddenTests(), ClearOutput(), LockCells(),
                         drop_answers):
        nb, resources = preprocessor.preprocess(nb, resources)
    if repository:
        for cell in nb.cells:
            cell.source = point_links(cell.source, repository)
    nbformat.validate(nb)
    return nb


def make_edition(outdir, repository=None, force=False):
    outdir = Path(outdir).resolve()
    refuse = (f"{outdir} is not empty: choose an empty or new folder, or pass --force to "
              "replace it")
    with new_folder(outdir, force, refuse) as build:
        copy_files(COPIED, build)
        (build / "README.md").write_text(STUDENT_README)
        (build / "notebooks").mkdir()
        for path in lessons():
            nbformat.write(student_notebook(path, repository), build / "notebooks" / path.name)
    return outdir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="folder to create the student edition in")
    parser.add_argument("--repository", help="OWNER/NAME the Colab and Binder badges point to")
    parser.add_argument("--force", action="store_true", help="replace OUTDIR if it has files")
    args = parser.parse_args(argv)
    outdir = make_edition(args.outdir, args.repository, args.force)
    print(f"student edition written to {outdir}")


if __name__ == "__main__":
    sys.exit(main())
