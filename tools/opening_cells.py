"""The two cells every lesson opens with, written here and nowhere else.

Cell 0: the lesson's title, its launch badges (which open the learner edition) and a line that
says which edition this is and links to the other. Cell 1: the setup cell, from
tools/setup_cell.ipy, with the repository it fetches the course from and the course's files.
"""
import json
import re
from pathlib import Path

import nbformat

import address

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
SETUP_CELL = TOOLS / "setup_cell.ipy"
# The setup cell shows as what it stands for: a Colab form (its #@title line) and a collapsed
# cell in JupyterLab, with the article's lines it printed below. Its output names a folder on
# the machine that ran it, so it is never stored, and nbval does not compare it.
SETUP_METADATA = {"cellView": "form", "jupyter": {"source_hidden": True},
                  "tags": ["nbval-ignore-output"]}
LEARNER_PATH = "notebooks/{name}"  # where the badges point: the learner edition
WORKED_PATH = "notebooks/worked/{name}"
EDITION_LINES = {
    "worked": ("> **Worked edition**: every exercise is answered here, and nbval checks that the "
               "answers pass. To do the exercises yourself, open the "
               "[learner edition](../{name}) (the badges above open it)."),
    "learner": ("> **Learner edition**: the exercises are yours to do. Each code exercise has "
                "hints to open one at a time, and every exercise links to its worked answer in "
                "the [worked edition](worked/{name})."),
    "class": None,  # a teacher's release: no link to the answers
}


def course_files():
    """The files a whole copy of the course holds, for the setup cell to check a copy by."""
    found = [p for p in (ROOT / "helpers").rglob("*.py") if "__pycache__" not in p.parts]
    found += (ROOT / "data" / "mnist").glob("*.gz")  # a copy without MNIST cannot run a lesson
    return tuple(sorted(p.relative_to(ROOT).as_posix() for p in found))


def setup_cell(repository=address.REPOSITORY, branch=address.BRANCH):
    """The setup cell every lesson opens with (cell 1), from tools/setup_cell.ipy."""
    source = SETUP_CELL.read_text().rstrip("\n")
    files = "".join(f'\n    "{name}",' for name in course_files())
    for pattern, value in ((r'^COURSE_REPOSITORY = ".*"$', f'COURSE_REPOSITORY = "{address.clone_url(repository)}"'),
                           (r'^COURSE_BRANCH = ".*"$', f'COURSE_BRANCH = "{branch}"'),
                           (r"^COURSE_FILES = \(\)$", f"COURSE_FILES = ({files}\n)")):
        source, count = re.subn(pattern, value, source, count=1, flags=re.M)
        assert count == 1, f"tools/setup_cell.ipy has no line {pattern}"
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(json.loads(json.dumps(SETUP_METADATA)))  # a copy: never shared
    return cell


def is_setup_cell(nb):
    return (len(nb.cells) > 1 and nb.cells[1].cell_type == "code"
            and "COURSE_FOLDER" in nb.cells[1].source)


def header(source, name, edition, repository=address.REPOSITORY, branch=address.BRANCH):
    """Cell 0's text with today's badges and edition line right below the title."""
    lines = [line for line in source.split("\n")
             if not line.startswith(("[![Open In Colab]", "> **Worked edition**",
                                     "> **Learner edition**"))]
    while len(lines) > 1 and not lines[1].strip():  # the blank lines the old ones left
        del lines[1]
    new = ["", address.badges(LEARNER_PATH.format(name=name), repository, branch)]
    if EDITION_LINES[edition]:
        new += ["", EDITION_LINES[edition].format(name=name)]
    return "\n".join(lines[:1] + new + [""] + lines[1:])


def put_opening_cells(nb, name, edition, repository=address.REPOSITORY, branch=address.BRANCH):
    """Rewrite cell 0's badges and edition line, and cell 1 as today's setup cell.

    A notebook without a setup cell keeps its cell 1; tests/test_notebooks.py requires every
    lesson to open with the same setup cell.
    """
    if nb.cells and nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "):
        nb.cells[0].source = header(nb.cells[0].source, name, edition, repository, branch)
    if is_setup_cell(nb):
        new = setup_cell(repository, branch)
        new.id = nb.cells[1].get("id", new.id)  # keep the cell's id: smaller diffs
        nb.cells[1] = new
    return nb
