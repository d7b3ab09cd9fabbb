"""Make a class's edition of the course: exercises without their solutions, for a teacher.

    python tools/student_edition.py OUTDIR [--repository OWNER/NAME] [--branch BRANCH] [--force]
    python tools/student_edition.py OUTDIR --with-hints --with-answer-links

OUTDIR receives a working copy of the course (helpers/, data/, binder/, requirements) and
the lesson notebooks as nbgrader would release them: solution code replaced by a stub that
raises NotImplementedError, hidden tests removed, outputs cleared, test cells locked, and the
"What you should see" answers to ungraded questions left out. Unlike the learner edition in
notebooks/ (for self-learners), it has no hints and no links to the worked answers, unless
--with-hints and --with-answer-links put them in (the links then open the worked answers on
Colab). The work is done by nbgrader's and nbconvert's own preprocessors (pip install
nbgrader). The setup cell is unchanged, so the notebooks still open on Colab and Binder;
--repository and --branch point their badges and the setup cell's fetch at the repository
where you publish this edition.
"""
import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import TagRemovePreprocessor

import address
from course_files import ANSWER_TAG, COURSE_FILES, copy_files, lessons, new_folder, run
from learner_edition import learner_notebook

COPIED = COURSE_FILES + ["binder", "requirements.txt", "LICENSE"]
STUDENT_README = """# How a neural network learns, from scratch in NumPy: exercises

Work through the notebooks in `notebooks/` in order. Each ends with exercises: write your code
where it says `# YOUR CODE HERE` (and delete the `raise NotImplementedError()` below it), then
run the test cell that follows; it tells you what is wrong, and where.

On Colab: put this folder in your Google Drive and open a notebook; its first cell finds the
folder. Locally:

    python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && jupyter lab notebooks
"""


def student_notebook(path, repository=None, branch=None, hints=False, answer_links=False):
    """The class's version of one worked lesson, as a NotebookNode."""
    nb = learner_notebook(path, hints=hints, links="colab" if answer_links else None,
                          keep_outputs=False, edition="class",
                          repository=repository or address.REPOSITORY, branch=branch or address.BRANCH)
    drop_answers = TagRemovePreprocessor(remove_cell_tags=[ANSWER_TAG], enabled=True)
    nb, _ = drop_answers.preprocess(nb, {})
    nbformat.validate(nb)
    return nb


def make_edition(outdir, repository=None, force=False, branch=None, hints=False,
                 answer_links=False):
    outdir = Path(outdir).resolve()
    refuse = (f"{outdir} is not empty: choose an empty or new folder, or pass --force to "
              "replace it")
    with new_folder(outdir, force, refuse) as build:
        copy_files(COPIED, build)
        (build / "README.md").write_text(STUDENT_README)
        (build / "notebooks").mkdir()
        for path in lessons():
            nbformat.write(student_notebook(path, repository, branch, hints, answer_links),
                           build / "notebooks" / path.name)
    return outdir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="folder to create the student edition in")
    parser.add_argument("--repository", help="OWNER/NAME (or its https://github.com/ address) the "
                                             "badges and the setup cell's fetch point to")
    parser.add_argument("--branch", help="the branch they point to (default: %s)" % address.BRANCH)
    parser.add_argument("--with-hints", action="store_true", help="keep each exercise's hints")
    parser.add_argument("--with-answer-links", action="store_true",
                        help="link each exercise to its worked answer (on Colab)")
    parser.add_argument("--force", action="store_true", help="replace OUTDIR if it has files")
    args = parser.parse_args(argv)
    try:
        repository = args.repository and address.normalise(args.repository)
        branch = args.branch and address.check_branch(args.branch)
    except ValueError as error:
        parser.error(str(error))
    outdir = make_edition(args.outdir, repository, args.force, branch, args.with_hints,
                          args.with_answer_links)
    if not repository:
        from nbgrader_course import PUBLIC_BADGES
        print(PUBLIC_BADGES, file=sys.stderr)
    print(f"student edition written to {outdir}")


if __name__ == "__main__":
    sys.exit(run(main, "nothing was written, and OUTDIR is as it was"))
