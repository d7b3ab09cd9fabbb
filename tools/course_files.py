"""What the course's editions are made of, and how one is written without leaving half of it.

Shared by tools/student_edition.py and tools/nbgrader_course.py.
"""
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "notebooks" / "worked"  # the worked edition: the source of truth
LEARNER = ROOT / "notebooks"  # the learner edition, written from it by tools/learner_edition.py

# What a lesson notebook needs beside it to run: the code it imports and the data it reads.
COURSE_FILES = ["helpers", "data"]

# The tag of a lesson's collapsed "What you should see" cells: the answers to its ungraded
# questions, for self-learners. A class's editions leave them out, as they leave out solutions.
ANSWER_TAG = "what-you-should-see"


def lessons(chosen=None):
    """The worked lessons, in order; ``chosen`` keeps those named by number or name ("07")."""
    paths = sorted(WORKED.glob("[0-9]*.ipynb"))
    if not chosen:
        return paths
    picked = [p for p in paths if any(p.stem == c or p.stem.startswith(f"{c}_")
                                      or p.name == c for c in chosen)]
    unknown = [c for c in chosen if not any(p.stem == c or p.stem.startswith(f"{c}_")
                                            or p.name == c for p in paths)]
    if unknown:
        raise SystemExit(f"no lesson called {', '.join(unknown)}; the lessons are "
                         + ", ".join(p.stem for p in paths))
    return picked


def run(main, kept):
    """Run a tool's main(); Ctrl-C ends it with a line saying what was kept (``kept``) and
    status 130, as a shell expects, without a traceback."""
    try:
        return main()
    except KeyboardInterrupt:
        print(f"interrupted: {kept}", file=sys.stderr)
        return 130


def copy_files(names, dest):
    """Copy the course's files and folders ``names`` (e.g. COURSE_FILES) into ``dest``."""
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, Path(dest) / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, Path(dest) / name)


def refusal(target):
    """Why ``target`` may not be replaced by an edition, or None: it is or holds the course, it
    lies inside what would be copied into it, or it is a git working copy (someone's work)."""
    target = Path(target).resolve()
    if target == ROOT or ROOT.is_relative_to(target):
        return f"{target} is or holds the course itself: choose a folder outside {ROOT}"
    inside = [name for name in COURSE_FILES if target.is_relative_to(ROOT / name)]
    if inside:
        return f"{target} is inside the course's {inside[0]}/, which would be copied into itself"
    if (target / ".git").exists():
        return (f"{target} holds a .git folder (a repository, with its history): choose another "
                "folder, or move it away yourself if it is really to be replaced")
    return None


def listing(folder, most=8):
    """What a folder holds, for saying what --force replaces: its first entries and a count."""
    names = sorted(p.name for p in folder.iterdir())
    count = sum(1 for _ in folder.rglob("*"))
    return f"{', '.join(names[:most])}{', ...' if len(names) > most else ''} ({count} files and folders)"


@contextmanager
def new_folder(target, force=False, refuse=None):
    """Yield an empty folder beside ``target`` that becomes ``target`` when the block succeeds.

    A failure or an interruption leaves nothing of the build behind and ``target`` as it was.
    If ``target`` exists (a non-empty folder or a file), it is replaced only with ``force``, and
    never if it is the course, holds it, or holds a .git (see refusal); otherwise this stops with
    ``refuse``. The old ``target`` is renamed aside before the new one is renamed in, then
    deleted, so that no moment leaves it half deleted.
    """
    target = Path(target).resolve()
    reason = refusal(target)
    if reason:
        raise SystemExit(f"refused: {reason}")
    taken = target.is_file() or (target.is_dir() and any(target.iterdir()))
    if taken and not force:
        raise SystemExit(refuse or f"{target} exists: pass --force to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    except OSError as error:
        raise SystemExit(f"cannot write beside {target} ({error.strerror}): choose a folder "
                         "you may write in") from None
    try:
        build = work / "new"
        build.mkdir()
        yield build
        if target.exists():
            if target.is_dir():
                print(f"replacing {target}: {listing(target)}")
            target.rename(work / "old")  # atomic: the old one stays whole until the new is in
        build.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the build if it failed, else the old target
        if work.exists():
            print(f"could not delete all of {work} (the replaced folder): delete it yourself")
