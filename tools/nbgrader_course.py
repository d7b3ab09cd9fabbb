"""Make an nbgrader course directory from the course, ready to generate, release and grade.

    python tools/nbgrader_course.py COURSE_DIR                    # one assignment per lesson
    python tools/nbgrader_course.py COURSE_DIR --whole-course     # one assignment, every lesson
    python tools/nbgrader_course.py COURSE_DIR --lessons 01 07    # only some lessons
    python tools/nbgrader_course.py COURSE_DIR --with-hints       # keep the exercises' hints

COURSE_DIR gets an nbgrader_config.py and, for each assignment, source/<assignment>/ with the
instructor notebooks and, beside them, helpers/ and data/. nbgrader copies every file of an
assignment folder, not only its notebooks, into release/<assignment>/ (what students get) and
into autograded/<student>/<assignment>/ (where it runs their notebooks, over the files they
submitted), so the notebooks' setup cell finds the course, and the grader always runs the
course's own helpers/, whatever a student's copy holds. Then, in COURSE_DIR:

    nbgrader generate_assignment 01_data_loading
    nbgrader autograde 01_data_loading

The assignments are the worked lessons (notebooks/worked/) without the hints that the learner
edition gives self-learners, and without links to the worked answers, unless --with-hints and
--with-answer-links put them in (the links open the worked answers on Colab).

Folders that exist are left alone unless you pass --force, which replaces source/<assignment>/
and nbgrader_config.py and nothing else (release/, submissions and the gradebook stay).
"""
import argparse
import sys
from pathlib import Path

import nbformat

import address
from course_files import ANSWER_TAG, COURSE_FILES, copy_files, lessons, new_folder, run
from learner_edition import add_answer_links, drop_hints
from opening_cells import put_opening_cells

COURSE_ID = "nn-from-scratch"
WHOLE_COURSE = "nn_course"
# nbgrader stops a cell that runs longer than this (its default: 30 s) and marks it failed.
# The slowest cell of the course is lesson 7's training loop, 10,000 updates. On the 2-core
# machine the course is tested on, shared with five other people, with one BLAS thread per
# kernel (as the config below sets): 21 s at load average 6.5, 50 s at 5.5. With OpenBLAS's
# default of a thread per core the same cell took 305 s at load 8.8: its threads wait for each
# other on a busy machine. 300 s is six times the slowest one-thread figure.
TIMEOUT = 300

CONFIG = '''\
# nbgrader's configuration for this course, written by tools/nbgrader_course.py.
import os

c = get_config()  # noqa: F821 - nbgrader defines get_config when it reads this file

# Students' exchange folders and the gradebook are kept under this name.
c.CourseDirectory.course_id = {course_id!r}

# How long one cell may run when nbgrader executes a notebook (autograde, validate) before it is
# interrupted and counted as failed. nbgrader's default, 30 s, is too short for this course:
# its slowest cell, lesson 7's training loop (10,000 updates), took 21 to 50 s on a 2-core
# machine shared with five other people (load average 5.5 to 6.5), with one BLAS thread.
# {timeout} s leaves six times the slowest figure; a student's endless loop costs at most that,
# once.
c.ExecutePreprocessor.timeout = {timeout}

# One BLAS thread per kernel: nbgrader grades one notebook at a time, and on a machine that is
# busy anyway, NumPy's threads wait for each other (the training loop took 305 s with two
# threads at load average 8.8). Set these before running nbgrader to choose otherwise.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

# The lessons' collapsed "What you should see" cells answer their ungraded questions for
# self-learners; the release students get leaves them out, as it leaves out the solutions.
from nbconvert.preprocessors import TagRemovePreprocessor  # noqa: E402
from nbgrader.converters import GenerateAssignment  # noqa: E402

c.TagRemovePreprocessor.enabled = True
c.TagRemovePreprocessor.remove_cell_tags = [{answer_tag!r}]
c.GenerateAssignment.preprocessors = (
    GenerateAssignment.class_traits()["preprocessors"].default() + [TagRemovePreprocessor])
'''


# Said when a class's release keeps the course's own badges.
PUBLIC_BADGES = (f"Note: the lessons' badges open {address.clone_url()}'s learner edition, which "
                 "has hints and links to the worked answers. To open your own copy instead, pass "
                 "--repository OWNER/NAME (and --branch) of the repository you publish it in.")


def assignments(whole_course=None, chosen=None):
    """{assignment name: [lesson notebooks]}: one per lesson, or one with them all."""
    notebooks = lessons(chosen)
    if whole_course:
        return {whole_course: notebooks}
    return {path.stem: [path] for path in notebooks}


def make_course(course_dir, whole_course=None, chosen=None, repository=None, force=False,
                course_id=COURSE_ID, timeout=TIMEOUT, hints=False, answer_links=False, branch=None):
    """Write nbgrader_config.py and source/<assignment>/ for each assignment into course_dir."""
    course_dir = Path(course_dir).resolve()
    plan = assignments(whole_course, chosen)
    targets = [course_dir / "source" / name for name in plan] + [course_dir / "nbgrader_config.py"]
    taken = [t for t in targets if t.exists()]
    if taken and not force:
        missing = [t for t in targets if not t.exists()]
        raise SystemExit("already there: " + ", ".join(str(t.relative_to(course_dir)) for t in taken)
                         + ". " + (f"Not there: {', '.join(str(t.relative_to(course_dir)) for t in missing)}"
                                   " (an earlier run stopped before it finished?). " if missing else "")
                         + "Pass --force to replace them (release/, submissions and the "
                         "gradebook are never touched), or choose other lessons.")
    # The configuration first, whole: an assignment never stands without it, for nbgrader's
    # defaults would release the "What you should see" answers and grade with a 30 s timeout.
    course_dir.mkdir(parents=True, exist_ok=True)
    config = course_dir / "nbgrader_config.py"
    partial = config.with_name(".nbgrader_config.py.partial")
    partial.write_text(CONFIG.format(course_id=course_id, timeout=timeout, answer_tag=ANSWER_TAG))
    partial.replace(config)
    for name, notebooks in plan.items():
        with new_folder(course_dir / "source" / name, force=True) as build:
            copy_files(COURSE_FILES, build)
            for path in notebooks:
                nb = nbformat.read(path, as_version=4)
                where = (repository or address.REPOSITORY, branch or address.BRANCH)
                if answer_links:
                    add_answer_links(nb, path.name, False, *where)
                if not hints:
                    drop_hints(nb)
                for cell in nb.cells:
                    cell.source = address.point_links(cell.source, *where)
                put_opening_cells(nb, path.name, "class", *where)  # not "the worked edition"
                nbformat.write(nb, build / path.name)
    return course_dir, list(plan)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course_dir", help="the nbgrader course directory (made if missing)")
    parser.add_argument("--whole-course", nargs="?", const=WHOLE_COURSE, metavar="NAME",
                        help=f"one assignment holding every lesson (named {WHOLE_COURSE} "
                             "unless you give a NAME), instead of one per lesson")
    parser.add_argument("--lessons", nargs="+", metavar="LESSON",
                        help="only these lessons, by number or name (e.g. 01 07)")
    parser.add_argument("--repository", help="OWNER/NAME (or its https://github.com/ address) the "
                                             "badges and the setup cell's fetch point to")
    parser.add_argument("--branch", help=f"the branch they point to (default: {address.BRANCH})")
    parser.add_argument("--with-hints", action="store_true", help="keep each exercise's hints")
    parser.add_argument("--with-answer-links", action="store_true",
                        help="link each exercise to its worked answer (on Colab)")
    parser.add_argument("--course-id", default=COURSE_ID, help=f"nbgrader course id ({COURSE_ID})")
    parser.add_argument("--timeout", type=int, default=TIMEOUT,
                        help=f"seconds one cell may run when nbgrader executes it ({TIMEOUT})")
    parser.add_argument("--force", action="store_true",
                        help="replace these assignments' source folders and nbgrader_config.py")
    args = parser.parse_args(argv)
    try:
        repository = args.repository and address.normalise(args.repository)
        branch = args.branch and address.check_branch(args.branch)
    except ValueError as error:
        parser.error(str(error))
    course_dir, names = make_course(args.course_dir, args.whole_course, args.lessons,
                                    repository, args.force, args.course_id, args.timeout,
                                    args.with_hints, args.with_answer_links, branch)
    if not repository:
        print(PUBLIC_BADGES, file=sys.stderr)
    print(f"nbgrader course written to {course_dir}, with the assignments:")
    for name in names:
        print(f"  source/{name}/")
    print(f"Next, in that folder:  cd {course_dir}\n"
          f"  nbgrader generate_assignment {names[0]}     # makes release/{names[0]}/\n"
          f"  nbgrader autograde {names[0]}               # grades submitted/*/{names[0]}/")


if __name__ == "__main__":
    sys.exit(run(main, "nbgrader_config.py and the assignments finished so far are whole; the one "
                    "being written was left out. Run the same command with --force to finish."))
