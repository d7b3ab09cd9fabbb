"""Write the learner edition, notebooks/*.ipynb, from the worked edition, notebooks/worked/.

    python tools/learner_edition.py            # write every learner lesson anew
    python tools/learner_edition.py --check    # only say which are out of step (exit 1)
    python tools/learner_edition.py --force    # also over learner lessons changed by hand

A learner lesson is its worked lesson with each answer taken out, as nbgrader releases it:
solution code becomes a stub that raises NotImplementedError, a written answer reads YOUR
ANSWER HERE, and hidden tests are removed. What the learner has not yet to do stays: the
outputs of every cell that does not depend on an answer (figures, tables, printed checks), the
collapsed "What you should see" cells, and each code exercise's hints (cells tagged "hints"),
followed by a link to its worked answer. tools/student_edition.py and tools/nbgrader_course.py
make a class's release with the same function, without hints and answer links unless asked.
"""
import ast
import hashlib
import symtable
import sys

import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, LockCells

import address
from course_files import ANSWER_TAG, LEARNER, ROOT, WORKED, run
from opening_cells import WORKED_PATH, put_opening_cells

HINTS_TAG = "hints"  # a code exercise's collapsed hints, in the worked lesson before its answer
LINK_TAG = "worked-answer-link"  # the link to an exercise's worked answer, made here


def grading(cell):
    return cell.metadata.get("nbgrader", {})


def exercises(nb):
    """[(index of the '### Exercise' heading cell, its heading line, [indices of its answers])]."""
    found = []
    for i, cell in enumerate(nb.cells):
        heading = next((line for line in cell.source.splitlines()
                        if line.startswith("### Exercise")), None) if cell.cell_type == "markdown" else None
        if grading(cell).get("solution") and found:
            found[-1][2].append(i)
        elif heading:
            found.append((i, heading, []))
    return found


def anchor(heading):
    """The id JupyterLab gives a heading: its text as rendered (no code marks, math typeset),
    spaces as hyphens (e.g. Exercise-1.1-...)."""
    text = heading.lstrip("#").strip()
    for mark in ("`", "*", "$"):
        text = text.replace(mark, "")
    return text.replace(" ", "-")


def mark_anchors(nb):
    """Give each exercise heading cell a metadata id, which Colab's #scrollTo= links name."""
    for i, _, _ in exercises(nb):
        nb.cells[i].metadata["id"] = nb.cells[i].id
    return nb


def answer_link(nb, name, heading_index, heading, relative=True,
                repository=address.REPOSITORY, branch=address.BRANCH):
    """A markdown cell linking to an exercise's worked answer: beside this notebook, on Colab."""
    number = heading.split(" ")[2]
    colab = (address.colab(WORKED_PATH.format(name=name), repository, branch)
             + f"#scrollTo={nb.cells[heading_index].id}")
    links = [f"[open it on Colab]({colab})"]
    if relative:
        links.insert(0, f"[exercise {number} in the worked edition](worked/{name}#{anchor(heading)})")
    cell = nbformat.v4.new_markdown_cell(f"**Stuck, or done?** The worked answer: {' · '.join(links)}")
    cell.metadata["tags"] = [LINK_TAG]
    cell.id = f"{nb.cells[heading_index].id}-answer"[:64]
    return cell


def _free_names(table):
    """The global names that a scope and the functions and classes inside it read."""
    found = {symbol.get_name() for symbol in table.get_symbols()
             if symbol.is_referenced() and (table.get_type() == "module" or symbol.is_global())}
    for child in table.get_children():
        found |= _free_names(child)
    return found


def add_answer_links(nb, name, relative=True, repository=address.REPOSITORY,
                     branch=address.BRANCH):
    """Put a link to its worked answer in each exercise: after its hints, before its code
    answer; or, for an exercise answered in words alone, right after the written answer."""
    inserts = []  # (index to insert before, cell), all made before any cell moves
    for heading_index, heading, answers in exercises(nb):
        if answers:
            link = answer_link(nb, name, heading_index, heading, relative, repository, branch)
            code = [i for i in answers if nb.cells[i].cell_type == "code"]
            inserts.append((code[0], link) if code else (answers[-1] + 1, link))
    for index, cell in sorted(inserts, key=lambda pair: pair[0], reverse=True):
        nb.cells.insert(index, cell)
    return nb


def collapsed(source):
    """A "What you should see" cell, closed until the learner opens it, wherever it is shown
    (JupyterLab's collapsed cells are open on Colab, Kaggle and GitHub)."""
    title, _, rest = source.partition("\n")
    return f"<details><summary>{title.replace('**', '<b>', 1).replace('**', '</b>', 1)}</summary>\n\n{rest.strip()}\n\n</details>"


def drop_hints(nb):
    nb.cells = [cell for cell in nb.cells if HINTS_TAG not in cell.metadata.get("tags", [])]
    return nb


def names(source):
    """(names a cell reads before it assigns them, names it assigns, names whose objects it
    changes). Names bound by imports are left out: an import binds the same module wherever."""
    code = TransformerManager().transform_cell(source)  # %magics, !shell, x? as plain Python
    read, assigned, changed = set(), set(), set()
    for statement in ast.parse(code).body:  # in order: a name assigned above is not read here
        table = symtable.symtable(ast.unparse(statement), "<cell>", "exec")
        read |= _free_names(table) - assigned
        for node in ast.walk(statement):
            if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
                base = node.value
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name):
                    changed.add(base.id)
        assigned |= {symbol.get_name() for symbol in table.get_symbols()
                     if symbol.is_assigned() and not symbol.is_imported()}
    return read, assigned, changed


def answer_dependent(nb):
    """Indices of the code cells whose outputs depend on an exercise's answer or give it away.

    A cell depends on one if it reads a name that an answer or test cell made or changed, or that
    a cell depending on one made or changed; a cell that makes a name anew makes it independent.
    The code cells after a written answer, up to the next heading, measure what it predicts:
    their outputs are the answer, so they go too.
    """
    dependent, tainted = set(), set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and grading(cell).get("solution"):
            end = next((j for j in range(i + 1, len(nb.cells)) if nb.cells[j].cell_type == "markdown"
                        and nb.cells[j].source.startswith("#")), len(nb.cells))
            dependent |= {j for j in range(i + 1, end) if nb.cells[j].cell_type == "code"}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            read, assigned, changed = names(cell.source)
        except SyntaxError as error:
            raise ValueError(f"its cell {i} (id {cell.get('id')}) does not parse: {error}") from None
        if grading(cell).get("solution") or grading(cell).get("grade") or read & tainted:
            dependent.add(i)
            tainted |= assigned | changed
        else:
            tainted -= assigned
    return dependent


def learner_notebook(path, hints=True, links="relative", keep_outputs=True, edition="learner",
                     repository=address.REPOSITORY, branch=address.BRANCH):
    """The learner lesson made from the worked lesson at ``path``, as a NotebookNode.

    hints: keep the cells tagged "hints". links: "relative" (beside this notebook and on Colab),
    "colab" (on Colab only, for a release handed out alone) or None. keep_outputs: keep the
    outputs that do not depend on an answer (else every output is cleared, as nbgrader does).
    """
    nb = nbformat.read(path, as_version=4)
    dependent = answer_dependent(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            if i in dependent or not keep_outputs:
                cell.outputs = []
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = None
    if links:
        add_answer_links(nb, path.name, links == "relative", repository, branch)
    if not hints:
        drop_hints(nb)
    for cell in nb.cells:
        if ANSWER_TAG in cell.metadata.get("tags", []):
            cell.source = collapsed(cell.source)
    resources = {}
    for preprocessor in (ClearSolutions(), ClearHiddenTests(), LockCells()):
        nb, resources = preprocessor.preprocess(nb, resources)
    put_opening_cells(nb, path.name, edition, repository, branch)
    for cell in nb.cells:
        cell.source = address.point_links(cell.source, repository, branch)
    nbformat.validate(nb)
    return nb


def text(nb):
    """A notebook as the file holds it."""
    written = nbformat.writes(nb)
    return written if written.endswith("\n") else written + "\n"


def stamped(nb, name):
    """The file's text for a learner lesson, with the SHA-256 of that text in its metadata, so
    that a later write can tell a file changed by hand (or saved from Jupyter) from its own."""
    nb.metadata["learner_edition"] = {"written_from": f"notebooks/worked/{name}", "sha256": ""}
    nb.metadata["learner_edition"]["sha256"] = hashlib.sha256(text(nb).encode("utf-8")).hexdigest()
    return text(nb)


def changed_by_hand(path):
    """Whether a learner lesson differs from what this tool wrote there (its stamp)."""
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    stamp = nb.metadata.get("learner_edition", {}).get("sha256")
    if not stamp:
        return True
    nb.metadata["learner_edition"]["sha256"] = ""
    return hashlib.sha256(text(nb).encode("utf-8")).hexdigest() != stamp


def out_of_step():
    """The learner lessons that differ from what the worked lessons make, are missing, or have
    no worked lesson."""
    stale = [p.name for p in sorted(WORKED.glob("[0-9]*.ipynb"))
             if not (LEARNER / p.name).is_file()
             or (LEARNER / p.name).read_text(encoding="utf-8") != stamped(learner_notebook(p), p.name)]
    return stale + orphans()


def orphans():
    """Learner lessons without a worked lesson (renamed or removed there, or a teacher's own)."""
    return [p.name for p in sorted(LEARNER.glob("[0-9]*.ipynb")) if not (WORKED / p.name).is_file()]


def write_all(force=False):
    """Write every learner lesson from its worked lesson: {name: None, or why it was not}.

    A learner lesson changed by hand is not overwritten unless ``force``: edits belong in the
    worked lesson. A worked lesson that cannot be read or parsed is named, and the others are
    still written.
    """
    sys.path.insert(0, str(ROOT))
    from helpers.files import atomic_write
    outcome = {}
    for path in sorted(WORKED.glob("[0-9]*.ipynb")):
        target = LEARNER / path.name
        try:
            if target.is_file() and not force and changed_by_hand(target):
                outcome[path.name] = (f"notebooks/{path.name} was changed since it was written (by hand, "
                                      f"or saved from Jupyter), so it is left as it is. Edits belong in "
                                      f"notebooks/worked/{path.name}; pass --force to write it anew "
                                      "anyway (its changes are then lost)")
                continue
            written = stamped(learner_notebook(path), path.name)
        except Exception as error:  # noqa: BLE001 - a broken lesson must not stop the others
            outcome[path.name] = f"notebooks/worked/{path.name} could not be made into a learner lesson: {error}"
            continue
        with atomic_write(target) as f:
            f.write(written.encode("utf-8"))
        outcome[path.name] = None
    return outcome


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        stale = out_of_step()
        if stale:
            sys.exit("out of step with notebooks/worked/: " + ", ".join(stale)
                     + ". Run  python tools/learner_edition.py  to write them anew"
                     + (f" ({', '.join(orphans())} with no worked lesson: move or remove them)"
                        if orphans() else "") + ".")
        print("the learner edition is in step with the worked edition")
        return 0
    outcome = write_all(force="--force" in argv)
    for name, problem in outcome.items():
        print(problem or f"notebooks/{name}: written from notebooks/worked/{name}",
              file=sys.stderr if problem else sys.stdout)
    for name in orphans():
        print(f"notebooks/{name} has no worked lesson: move it out of notebooks/ or remove it",
              file=sys.stderr)
    return 1 if any(outcome.values()) else 0


if __name__ == "__main__":
    sys.exit(run(main, "the learner lessons written so far are whole, the others as they were; "
                    "run it again to finish"))
