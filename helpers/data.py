"""Load MNIST, and other data sets in the same IDX format, as NumPy arrays.

The course ships MNIST in ``data/mnist/``, so loading it never needs the network.
Every file is parsed with its IDX header checked and its content compared with the
published checksum the first time it is used; the arrays are then cached as plain
``.npy`` files (never pickles) so that later loads are memory-mapped and instant.
"""
import gzip
import hashlib
import os
import stat
import sys
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import atomic_write, remove_stale_leftovers
from .settings import whole_number

COURSE_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = COURSE_ROOT / "data"
# Debian's dataset-* packages (e.g. dataset-fashion-mnist) install here.
SYSTEM_DATA_DIR = Path("/usr/share/datasets")

SHARED_CACHE_VARIABLE = "NN_FROM_SCRATCH_SHARED_CACHE"
MISSING = "does not exist"  # what _folder_problem says of a folder that is not there
PARTS = ("train_images", "train_labels", "test_images", "test_labels")
IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10


class DatasetError(Exception):
    """A data file is missing, corrupt or not what it claims to be."""


@dataclass(frozen=True)
class Dataset:
    """Where a data set's four files come from and what their content must hash to."""

    name: str
    files: dict  # part -> (file name, MD5 of the decompressed file)
    mirrors: tuple  # base URLs, tried in order
    train_size: int = 60000  # examples in each split: they bound what a download may send
    test_size: int = 10000


def idx_size(spec, part):
    """The exact size in bytes of one decompressed IDX file of ``spec``."""
    count = spec.train_size if part.startswith("train") else spec.test_size
    return 16 + count * IMAGE_SHAPE[0] * IMAGE_SHAPE[1] if part.endswith("images") else 8 + count


DATASETS = {
    "mnist": Dataset(
        name="mnist",
        files={
            "train_images": ("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"),
            "train_labels": ("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"),
            "test_images": ("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"),
            "test_labels": ("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"),
        },
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
    ),
    "fashion-mnist": Dataset(
        name="fashion-mnist",
        files={
            "train_images": ("train-images-idx3-ubyte", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
            "train_labels": ("train-labels-idx1-ubyte", "9018921c3c673c538a1fc5bad174d6f9"),
            "test_images": ("t10k-images-idx3-ubyte", "8181f5470baa50b63fa0f6fddb340f0a"),
            "test_labels": ("t10k-labels-idx1-ubyte", "15d484375f8d13e6eb1aabb0c3f46965"),
        },
        mirrors=(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
    ),
}


def load_mnist(normalize=True, flatten=True, one_hot_label=False, *, dataset="mnist",
               data_dir=None, cache_dir=None, download=True):
    """Return ``(x_train, t_train), (x_test, t_test)`` as in the book.

    normalize: float32 pixels in [0, 1] (else uint8 0-255).
    flatten: images as rows of 784 (else shape (N, 1, 28, 28)).
    one_hot_label: labels as float32 rows of 10 (else uint8 digits 0-9).
    dataset: "mnist" (shipped) or "fashion-mnist" (system copy or download).
    """
    spec = get_dataset(dataset)
    cache = dataset_cache_dir(spec, cache_dir)
    remove_stale_leftovers(cache)
    shared = shared_cache_dirs(spec, own_cache=cache)
    arrays = _load_parts(spec, cache, data_dir, download, normalize, shared)
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_images != n_labels:
            raise DatasetError(f"{spec.name} {split}: {n_images} images but {n_labels} labels; "
                               "the files do not belong together. Restore the original files.")

    def shaped(images):
        return images.reshape(len(images), -1) if flatten else images.reshape(len(images), 1, *IMAGE_SHAPE)

    def labels(t):
        return np.eye(NUM_CLASSES, dtype=np.float32)[t] if one_hot_label else t

    return ((shaped(arrays["train_images"]), labels(arrays["train_labels"])),
            (shaped(arrays["test_images"]), labels(arrays["test_labels"])))


def split_validation(x, t, validation_size=10000):
    """Split training data into ``(x_train, t_train), (x_val, t_val)``: the last
    ``validation_size`` rows become validation data (検証データ).

    Settings such as the learning rate or the batch size are chosen by validation accuracy,
    never by test accuracy: settings tuned on the test data fit the test data, and its
    accuracy no longer says how the network does on digits it has not seen (the book, 6.5.1).
    The test data is measured once, at the end. The parts are views of ``x`` and ``t``,
    so a memory-mapped data set is not copied.
    """
    if len(x) != len(t):
        raise ValueError(f"x has {len(x)} rows but t has {len(t)}: pass images and labels "
                         "of the same examples")
    validation_size = whole_number(validation_size, "validation_size", maximum=len(x) - 1)
    cut = len(x) - validation_size
    return (x[:cut], t[:cut]), (x[cut:], t[cut:])


def _load_parts(spec, cache, data_dir, download, normalize, shared):
    return {part: _cached_array(spec, part, cache, data_dir, download, shared,
                                normalize=normalize and part.endswith("images"))
            for part in PARTS}


def get_dataset(name):
    """The :class:`Dataset` called ``name`` (or ``name`` itself if it already is one)."""
    if isinstance(name, Dataset):
        return name
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}") from None


def dataset_cache_dir(spec, cache_dir=None):
    """Where converted arrays and downloads of ``spec`` are kept.

    Defaults to $NN_FROM_SCRATCH_CACHE, else $XDG_CACHE_HOME/nn-from-scratch, else
    ~/.cache/nn-from-scratch: local disk, not the course folder, which may live on a slow
    synced Drive. Without a home folder, a private folder in the temporary folder.
    """
    if cache_dir is None:
        cache_dir = os.environ.get("NN_FROM_SCRATCH_CACHE") or (
            Path(os.environ.get("XDG_CACHE_HOME") or _home_cache()) / "nn-from-scratch")
    return Path(cache_dir) / spec.name


def _home_cache():
    """~/.cache, or, where no home folder can be found (HOME unset and no passwd entry, as
    in some containers), a private temporary folder, with a warning that says so."""
    try:
        return Path.home() / ".cache"
    except (RuntimeError, KeyError, OSError):
        folder = _private_temporary_folder()
        warnings.warn("cannot find your home folder (HOME is not set, and the system knows no "
                      "home for your user), so the data cache goes to "
                      f"{folder / 'nn-from-scratch'}, which the system may empty. To keep it "
                      "elsewhere, set NN_FROM_SCRATCH_CACHE to a folder of your own.")
        return folder


def _private_temporary_folder():
    """<temp>/nn-from-scratch-<user id>, made private (0700); if someone else owns it or may
    write into it, a new private folder instead, since they could plant arrays in it."""
    user = os.getuid() if hasattr(os, "getuid") else "user"
    folder = Path(tempfile.gettempdir()) / f"nn-from-scratch-{user}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return folder  # cannot be made: loads still work, and saving the cache warns
    if stat.S_ISDIR(info.st_mode) and _only_mine(info):
        return folder
    return Path(tempfile.mkdtemp(prefix=f"{folder.name}-"))


def _only_mine(info):
    """Whether a folder's ``os.stat`` result says only this user may write into it."""
    if not hasattr(os, "getuid"):
        return True  # Windows: the user's temporary folder is already theirs alone
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def shared_cache_dirs(spec, own_cache=None):
    """The read-only cache a hub's admin built once for everyone ($NN_FROM_SCRATCH_SHARED_CACHE).

    It is only ever read: whatever it lacks is built in the learner's own cache
    (``own_cache``, named in the warning when the shared folder cannot be used).
    """
    shared = os.environ.get(SHARED_CACHE_VARIABLE)
    if not shared:
        return []
    root = Path(shared)
    problem = _folder_problem(root)
    if problem is None:
        problem = _folder_problem(root / spec.name)
        if problem == MISSING:
            return []  # built without this data set: the learner's own cache holds it, quietly
        root = root / spec.name
    if problem is not None:
        _warn_unusable_shared_cache(root, problem, own_cache)
        return []
    return [root]


def _folder_problem(path):
    """None if ``path`` is a folder this process may read; else what is wrong with it, in words."""
    try:
        if not path.is_dir():
            return "is not a folder" if path.exists() else MISSING
        with os.scandir(path):  # is_dir needs only the parent: reading needs the folder itself
            return None
    except OSError as error:
        return f"you may not read ({error.strerror or error})"


def _warn_unusable_shared_cache(folder, problem, own_cache):
    """Say why the shared cache is not used, where the arrays go instead, and who can fix it."""
    fix = (f"Correct {SHARED_CACHE_VARIABLE} (a typo?), or ask whoever set it to build the cache "
           f"there with `python -m helpers.data --build-cache {folder}`." if problem == MISSING
           else f"Ask whoever set {SHARED_CACHE_VARIABLE} to make {folder} readable by every "
                "learner (chmod -R a+rX on it and the folders above it), or correct it.")
    own = f" ({own_cache})" if own_cache is not None else ""
    warnings.warn(f"{SHARED_CACHE_VARIABLE} points at {folder}, which {problem}: using your own "
                  f"cache{own} instead, which takes up to 274 MB of your disk. {fix}")


def _cached_array(spec, part, cache, data_dir, download, shared, normalize):
    """One part from a verified .npy cache, else from the verified source (and then cached)."""
    filename, md5 = spec.files[part]
    name = f"{filename}-{md5[:12]}{'-float32' if normalize else ''}.npy"
    shape, dtype = part_shape(spec, part), np.dtype(np.float32 if normalize else np.uint8)
    for folder in shared:  # each one a readable folder built for this data set
        array = load_verified(folder / name, shape, dtype)
        if array is not None:
            return array
        warnings.warn(f"the shared cache has no intact {folder / name}; using your own "
                      f"cache. Ask whoever set {SHARED_CACHE_VARIABLE} to rebuild it with "
                      f"`python -m helpers.data --build-cache {folder.parent}`.")
    array = load_verified(cache / name, shape, dtype)
    if array is not None:
        return array
    array = _from_source(spec, part, cache, data_dir, download, normalize)
    if _save_verified(cache / name, array):
        del array  # free it before the file is mapped: the first load needs half the memory
        array = load_verified(cache / name, shape, dtype)
        if array is None:  # changed by someone else in between: build it again, unsaved
            array = _from_source(spec, part, cache, data_dir, download, normalize)
    return array if array.flags.writeable else array.copy()


def _from_source(spec, part, cache, data_dir, download, normalize):
    filename, md5 = spec.files[part]
    raw = read_idx(find_file(spec, part, data_dir=data_dir, cache_dir=cache, download=download),
                   expected_md5=md5, max_size=idx_size(spec, part))
    _check_kind(raw, part, filename)
    # One float32 array, no float64 or uint8 copy on the way: x / 255 exactly as the book.
    return np.divide(raw, np.float32(255), dtype=np.float32) if normalize else raw


def part_shape(spec, part):
    """The shape one part of ``spec`` must have: (N, 28, 28) images or (N,) labels."""
    count = spec.train_size if part.startswith("train") else spec.test_size
    return (count, *IMAGE_SHAPE) if part.endswith("images") else (count,)


def load_verified(path, shape=None, dtype=None):
    """The array in ``path``, memory-mapped, if its content matches the fingerprint saved
    beside it (``path.sum``) and it has the ``shape`` and ``dtype`` asked for; None if either
    file is missing, damaged or changed in any way (a fingerprint can be rewritten to match)."""
    array = _load_npy(path)
    if array is None or (shape is not None and array.shape != tuple(shape)) or (
            dtype is not None and array.dtype != np.dtype(dtype)):
        return None
    try:
        expected = Path(f"{path}.sum").read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return array if fingerprint(array) == expected else None


FINGERPRINT_BLOCK = 64 * 1024  # smaller blocks see smaller swaps, but cost more time


def fingerprint(array):
    """dtype, shape and a 64-bit checksum of every byte of ``array``, at memory speed.

    The bytes are summed as 64-bit words in 64 KiB blocks, and the block sums weighted by
    1, 3, 5, ...: any changed word, and any swap of blocks, changes the result. (MD5 or CRC32
    would take 3 to 10 times longer, every load.)
    """
    data = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    whole = len(data) - len(data) % FINGERPRINT_BLOCK
    sums = data[:whole].view(np.uint64).reshape(-1, FINGERPRINT_BLOCK // 8).sum(axis=1,
                                                                              dtype=np.uint64)
    tail = data[whole:].tobytes()
    tail = np.frombuffer(tail + bytes(-len(tail) % 8), dtype=np.uint64).sum(dtype=np.uint64)
    sums = np.append(sums, tail)
    weights = np.arange(1, 2 * len(sums), 2, dtype=np.uint64)
    checksum = int((sums * weights).sum(dtype=np.uint64))
    return f"{array.dtype.str} {array.shape} {checksum:016x}"


def _load_npy(path):
    # mmap "c" (copy-on-write): instant, shared between processes, and a learner who writes
    # into an array changes their copy in memory, never the cache on disk.
    try:
        # A plain ndarray view: np.memmap's subclass machinery slows every later operation.
        return np.asarray(np.load(path, mmap_mode="c", allow_pickle=False))
    except (OSError, ValueError, EOFError):
        return None  # missing or damaged: the cache is rebuilt from the verified source


def _save_verified(path, array):
    """Write the cache file and its fingerprint; a cache that cannot be written only costs
    speed, so warn."""
    try:
        with atomic_write(path) as f:
            np.save(f, array, allow_pickle=False)
        with atomic_write(f"{path}.sum") as f:
            f.write(fingerprint(array).encode())
        return True
    except OSError as error:
        warnings.warn(f"cannot cache arrays in {path.parent} ({error}); every load will parse "
                      "the raw files. Set NN_FROM_SCRATCH_CACHE to a writable folder.")
        return False


def _check_kind(array, part, filename):
    """Refuse a source file that is valid IDX but not an MNIST-style part: bytes, 28x28 or 0-9."""
    if array.dtype != np.uint8:
        raise DatasetError(f"{filename} should hold bytes (IDX type 0x08), but it holds "
                           f"{array.dtype}. Restore the original file.")
    if part.endswith("images"):
        if array.ndim != 3 or array.shape[1:] != IMAGE_SHAPE:
            raise DatasetError(f"{filename} should hold 28x28 images, but its header says "
                               f"{array.shape}. Restore the original file.")
    elif array.ndim != 1 or (array.size and array.max() >= NUM_CLASSES):
        raise DatasetError(f"{filename} should hold labels 0-9, but it does not. "
                           "Restore the original file.")


IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(content, name="IDX data"):
    """Parse the bytes of an IDX file: a 4-byte magic number, big-endian sizes, then the data.

    The magic number is two zero bytes, a data type code (0x08 = uint8) and the number of
    dimensions. Every part is checked, so a wrong or truncated file raises DatasetError.
    """
    if len(content) < 4 or content[0] != 0 or content[1] != 0 or content[2] not in IDX_DTYPES:
        raise DatasetError(f"{name} is not an IDX file (magic number {content[:4].hex() or 'missing'}, "
                           "expected 0000 followed by a type code and the number of dimensions).")
    ndim = content[3]
    header_size = 4 + 4 * ndim
    if ndim == 0 or len(content) < header_size:
        raise DatasetError(f"{name}: IDX header is truncated or names {ndim} dimensions.")
    shape = tuple(int(n) for n in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_DTYPES[content[2]])
    expected = header_size + int(np.prod(shape)) * dtype.itemsize
    if len(content) != expected:
        raise DatasetError(f"{name}: header promises shape {shape} ({expected} bytes in all) but the "
                           f"file has {len(content)} bytes; it is truncated or corrupt.")
    return np.frombuffer(content, dtype=dtype, offset=header_size).reshape(shape)


def read_idx(path, expected_md5=None, max_size=None, name=None, fix=None):
    """Read an IDX file, gzip-compressed or not, checking its content against ``expected_md5``.

    max_size: refuse content longer than this many bytes, without reading (or decompressing)
    more. name and fix: how errors name the file and what they advise.
    """
    path = Path(path)
    name = name or str(path)
    if fix is None:
        fix = (f" Delete {path} and load again to fetch a fresh copy, or restore it "
               "(for the shipped MNIST: `git checkout -- data/mnist`).")
    try:
        content = _read_content(path, max_size)
    # A damaged gzip stream raises any of these (zlib.error: "invalid distance too far back").
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"cannot read {name} ({type(error).__name__}: {error}).{fix}") from error
    if max_size is not None and len(content) > max_size:
        raise DatasetError(f"{name} holds more than the {max_size} bytes this file has; "
                           f"it is not the expected file.{fix}")
    if expected_md5 is not None:
        actual = hashlib.md5(content).hexdigest()
        if actual != expected_md5:
            raise DatasetError(f"{name} is corrupt or not the expected file: its content has MD5 "
                               f"{actual}, expected {expected_md5}.{fix}")
    try:
        return parse_idx(content, name=name)
    except DatasetError as error:
        raise DatasetError(f"{error}{fix}") from None


def _read_content(path, max_size):
    """The bytes of ``path``, decompressed if gzipped, at most ``max_size`` + 1 of them."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    with (gzip.open if gzipped else open)(path, "rb") as f:
        return f.read(-1 if max_size is None else max_size + 1)


def find_file(spec, part, data_dir=None, cache_dir=None, download=True):
    """Path of one raw file of ``spec``: shipped, system copy, earlier download, or new download."""
    filename, _ = spec.files[part]
    cache_dir = Path(cache_dir) if cache_dir is not None else dataset_cache_dir(spec)
    for folder in _search_dirs(spec, data_dir, cache_dir):
        for candidate in (folder / f"{filename}.gz", folder / filename):
            if candidate.is_file():
                return candidate
    if download:
        from .download import download_file  # gdown is needed only here
        return download_file(spec, part, cache_dir)
    raise DatasetError(missing_files_message(spec, data_dir, cache_dir))


def _search_dirs(spec, data_dir, cache_dir):
    if data_dir is not None:
        return [Path(data_dir)]
    return [DATA_DIR / spec.name, SYSTEM_DATA_DIR / spec.name, cache_dir]


def missing_files_message(spec, data_dir, cache_dir, reasons=()):
    """Say which files are missing and where a learner can put them by hand."""
    names = "\n".join(f"  {name}.gz" for name, _ in spec.files.values())
    where = "\n".join(f"  {d}" for d in _search_dirs(spec, data_dir, cache_dir))
    why = "".join(f"\n  {reason}" for reason in reasons)
    return (f"the {spec.name} files are not here and could not be downloaded.{why}\n"
            f"Copy these files:\n{names}\ninto any of these folders, then load again:\n{where}")


def build_cache(directory, dataset="mnist"):
    """Build every cached array of ``dataset`` in ``directory``, readable by everyone.

    For a shared read-only cache: build it once, then point every learner's
    $NN_FROM_SCRATCH_SHARED_CACHE at ``directory``. Returns the files it holds.
    """
    spec = get_dataset(dataset)
    cache = Path(directory) / spec.name
    cache.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # here a cache that cannot be written is a failure
        for normalize in (False, True):
            _load_parts(spec, cache, None, True, normalize, shared=())
    files = sorted(cache.glob("*.npy*"))
    for path in [Path(directory), cache, *files]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return files


def main(argv=None):
    """python -m helpers.data --build-cache DIR: a cache to share, read-only, on a hub."""
    import argparse
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data",
        description="Build, once, a cache of the arrays that every learner on a hub can share, "
                    f"read-only: then set {SHARED_CACHE_VARIABLE}=DIR for each of them.")
    parser.add_argument("--build-cache", metavar="DIR", required=True,
                        help="folder to build the cache in (created if needed)")
    parser.add_argument("--dataset", choices=sorted(DATASETS), action="append",
                        help="data set to include (repeatable; default: mnist)")
    args = parser.parse_args(argv)
    try:
        files = [f for name in args.dataset or ["mnist"] for f in build_cache(args.build_cache, name)]
    except (DatasetError, OSError, UserWarning) as error:
        print(f"error: cannot build the cache in {args.build_cache}: {error}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in files)
    print(f"built {len(files)} files, {size / 1e6:.0f} MB, in {Path(args.build_cache).resolve()}\n"
          f"Give every learner {SHARED_CACHE_VARIABLE}={Path(args.build_cache).resolve()}; "
          "it may be read-only (e.g. chmod -R a-w).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
