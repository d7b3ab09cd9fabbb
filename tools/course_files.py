"""What the course's editions are made of, and how one is written without leaving half of it.

Shared by tools/student_edition.py and tools/nbgrader_course.py.
"""
import shutil
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


def copy_files(names, dest):
    """Copy the course's files and folders ``names`` (e.g. COURSE_FILES) into ``dest``."""
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, Path(dest) / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, Path(dest) / name)


@contextmanager
def new_folder(target, force=False, refuse=None):
    """Yield an empty folder beside ``target`` that becomes ``target`` when the block succeeds.

    A failure leaves nothing behind and ``target`` as it was. If ``target`` exists (a non-empty
    folder or a file), it is replaced only with ``force``; otherwise this stops with ``refuse``.
    """
    target = Path(target).resolve()
    taken = target.is_file() or (target.is_dir() and any(target.iterdir()))
    if taken and not force:
        raise SystemExit(refuse or f"{target} exists: pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}-") as tmp:
        build = Path(tmp) / "new"
        build.mkdir()
        yield build
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        build.rename(target)
