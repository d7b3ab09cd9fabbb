"""Writing files so that a crash or a full disk never leaves half a file behind.

Every temporary file or folder carries the process id of its writer in its name
(``.accuracy.png.<pid>.<random>.part``, ``.download-<pid>-<random>``), so that the
leftovers of a process that was killed can be told apart from a live writer's and removed.
"""
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

# A leftover is removed once its writer is gone and it has not changed for this long, or,
# whatever its name says, once it has not changed for a day (no writer pauses that long).
STALE_SECONDS = 600
ABANDONED_SECONDS = 24 * 3600
# .<name>.<pid>.<random>.part, .download-<pid>-<random>, and the same without a pid
# (written before names carried one); <random> is mkstemp's 8 characters.
_LEFTOVER = re.compile(r"^\.(?:.+\.(?P<pid>\d+)\.\w{8}\.part|.+\.\w{8}\.part"
                       r"|download-(?P<dpid>\d+)-\w{8}|download-\w{8})$")


@contextmanager
def atomic_write(path):
    """Open a temporary file beside ``path`` for writing; it replaces ``path`` only on success.

    Readers see the old file or the complete new one, never a partial one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_leftovers(path.parent, only=path.name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=".part")
    try:
        # mkstemp makes the file private (0600); give it the permissions a plain open()
        # would have, or keep those of the file it replaces.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def private_folder(parent, prefix):
    """A new temporary folder in ``parent`` named ``.<prefix>-<pid>-<random>``."""
    return Path(tempfile.mkdtemp(dir=parent, prefix=f".{prefix}-{os.getpid()}-"))


def remove_stale_leftovers(folder, only=None):
    """Delete the temporary files and folders that killed processes left in ``folder``.

    Only names this module makes are considered (with ``only``, just the temporary files
    of that file name), and only those whose writer is no longer running and that have not
    changed for STALE_SECONDS (so never a live writer's file). Returns the paths removed;
    a folder that cannot be read or changed is left as it is.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _LEFTOVER.match(entry.name)
        if match is None or (only is not None and not entry.name.startswith(f".{only}.")):
            continue
        pid = match.group("pid") or match.group("dpid")
        try:
            idle = time.time() - _last_change(entry.path)
            if idle > ABANDONED_SECONDS or (pid and idle > STALE_SECONDS
                                            and not _running(int(pid))):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass  # someone else removed it first, or we may not: leave it
    return removed


def _last_change(path):
    """The latest modification time of ``path`` or of anything directly inside it."""
    times = [os.lstat(path).st_mtime]
    if os.path.isdir(path) and not os.path.islink(path):
        times += [e.stat(follow_symlinks=False).st_mtime for e in os.scandir(path)]
    return max(times)


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
