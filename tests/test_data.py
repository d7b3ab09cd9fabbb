"""Loading the shipped MNIST: what learners get, and what happens when a file is wrong."""
import gzip
import hashlib
import mmap
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import data, files
from helpers.data import DatasetError, load_mnist, parse_idx, read_idx

MNIST_DIR = data.DATA_DIR / "mnist"
# Label counts of the real MNIST, digits 0-9.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_shipped_files_match_the_checksums_in_data_readme():
    listed = re.findall(r"^([0-9a-f]{64})  (\S+\.gz)$", (data.DATA_DIR / "README.md").read_text(),
                        re.MULTILINE)
    assert len(listed) == 4
    for digest, name in listed:
        assert hashlib.sha256((MNIST_DIR / name).read_bytes()).hexdigest() == digest, name


def test_shipped_content_matches_the_canonical_md5():
    for filename, md5 in data.DATASETS["mnist"].files.values():
        content = gzip.decompress((MNIST_DIR / f"{filename}.gz").read_bytes())
        assert hashlib.md5(content).hexdigest() == md5


def test_default_load_is_the_books(mnist_labels):
    (x_train, t_train), (x_test, t_test) = mnist_labels
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32
    assert 0.0 <= x_train.min() and x_train.max() == 1.0
    assert t_train.shape == (60000,) and t_test.shape == (10000,)
    assert np.bincount(t_train).tolist() == TRAIN_COUNTS
    assert np.bincount(t_test).tolist() == TEST_COUNTS


def test_unnormalized_images_are_uint8_and_normalize_divides_by_255(mnist_labels):
    (x_raw, _), (x_raw_test, _) = load_mnist(normalize=False)
    assert x_raw.dtype == np.uint8 and x_raw.max() == 255 and x_raw.min() == 0
    np.testing.assert_array_equal(mnist_labels[0][0], x_raw.astype(np.float32) / 255)
    np.testing.assert_array_equal(mnist_labels[1][0], x_raw_test.astype(np.float32) / 255)


def test_flatten_false_gives_channel_images(mnist_labels):
    (x_train, _), (x_test, _) = load_mnist(flatten=False)
    assert x_train.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    np.testing.assert_array_equal(x_train.reshape(60000, 784), mnist_labels[0][0])


def test_one_hot_labels(mnist, mnist_labels):
    (_, t_train), (_, t_test) = mnist
    assert t_train.shape == (60000, 10) and t_test.shape == (10000, 10)
    assert set(np.unique(t_train)) == {0.0, 1.0}
    np.testing.assert_array_equal(t_train.sum(axis=1), 1)
    np.testing.assert_array_equal(t_train.argmax(axis=1), mnist_labels[0][1])


def test_the_first_training_image_is_a_five(mnist_labels):
    (x_train, t_train), _ = mnist_labels
    assert t_train[0] == 5
    assert x_train[0].reshape(28, 28)[14].max() > 0.9  # ink crosses the middle row


def test_second_load_is_served_from_the_npy_cache(tmp_path):
    cache = tmp_path / "cache"
    (x1, _), _ = load_mnist(cache_dir=cache)
    files = sorted(p.name for p in (cache / "mnist").glob("*.npy"))
    assert len(files) == 4 and not list((cache / "mnist").glob("*.pkl"))
    # The raw files are no longer needed: the cache alone answers, memory-mapped.
    (x2, _), _ = load_mnist(cache_dir=cache, data_dir=tmp_path / "empty", download=False)
    assert memory_mapped(x2)
    np.testing.assert_array_equal(x1, x2)


def memory_mapped(array):
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, "base", None)
    return False


def test_writing_into_a_loaded_array_does_not_change_the_cache(tmp_path):
    (x, _), _ = load_mnist(cache_dir=tmp_path)
    original = x[0].copy()
    x[0] = 0.5
    (x_again, _), _ = load_mnist(cache_dir=tmp_path)
    np.testing.assert_array_equal(x_again[0], original)


def test_damaged_cache_is_rebuilt_from_the_verified_source(tmp_path, mnist_labels):
    load_mnist(cache_dir=tmp_path)
    for npy in (tmp_path / "mnist").glob("*.npy"):
        npy.write_bytes(npy.read_bytes()[:1000])
    (x, t), _ = load_mnist(cache_dir=tmp_path)
    np.testing.assert_array_equal(x, mnist_labels[0][0])
    np.testing.assert_array_equal(t, mnist_labels[0][1])


def test_unwritable_cache_warns_and_still_loads(tmp_path, mnist_labels):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(UserWarning, match="NN_FROM_SCRATCH_CACHE"):
        (x, _), _ = load_mnist(cache_dir=blocker)
    np.testing.assert_array_equal(x, mnist_labels[0][0])


def copy_of_shipped(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(MNIST_DIR, folder)
    for f in folder.iterdir():
        f.chmod(0o644)
    return folder


def test_corrupt_file_names_itself_and_says_what_to_do(tmp_path):
    folder = copy_of_shipped(tmp_path)
    target = folder / "train-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(target.read_bytes()))
    content[100] = (content[100] + 1) % 10  # one label changed: still a valid IDX file
    target.write_bytes(gzip.compress(bytes(content), compresslevel=1))
    with pytest.raises(DatasetError, match=r"train-labels-idx1-ubyte\.gz is corrupt.*MD5.*Delete"):
        load_mnist(data_dir=folder, cache_dir=tmp_path / "cache", download=False)
    assert not list((tmp_path / "cache").rglob("train-labels*"))  # nothing cached from it


def test_truncated_file_is_an_error_not_garbage(tmp_path):
    folder = copy_of_shipped(tmp_path)
    target = folder / "t10k-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:50000])
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte\.gz"):
        load_mnist(data_dir=folder, cache_dir=tmp_path / "cache", download=False)


def test_a_file_in_the_wrong_place_is_refused(tmp_path):
    folder = copy_of_shipped(tmp_path)
    shutil.copy(folder / "t10k-labels-idx1-ubyte.gz", folder / "train-labels-idx1-ubyte.gz")
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz is corrupt or not the expected"):
        load_mnist(data_dir=folder, cache_dir=tmp_path / "cache", download=False)


def test_uncompressed_files_are_read_too(tmp_path, mnist_labels):
    folder = tmp_path / "raw"
    folder.mkdir()
    for f in MNIST_DIR.glob("*.gz"):
        (folder / f.stem).write_bytes(gzip.decompress(f.read_bytes()))
    (_, _), (x_test, t_test) = load_mnist(data_dir=folder, cache_dir=tmp_path / "c", download=False)
    np.testing.assert_array_equal(t_test, mnist_labels[1][1])


def idx_bytes(array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def test_parse_idx_reads_a_header_and_data():
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(idx_bytes(array)), array)


@pytest.mark.parametrize("content, message", [
    (b"\x08\x03\x00\x00" + bytes(20), "magic number 08030000"),
    (b"", "magic number missing"),
    (bytes([0, 0, 0x08, 3]) + np.array([2, 28], ">u4").tobytes(), "header is truncated"),
    (bytes([0, 0, 0x08, 1]) + np.array([10], ">u4").tobytes() + bytes(7), "truncated or corrupt"),
    (bytes([0, 0, 0x08, 1]) + np.array([10], ">u4").tobytes() + bytes(11), "file has 19 bytes"),
])
def test_parse_idx_rejects_bad_headers(content, message):
    with pytest.raises(DatasetError, match=message):
        parse_idx(content, name="some-file")


def test_read_idx_without_checksum_still_validates_the_header(tmp_path):
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"\x12\x34" + bytes(100))
    with pytest.raises(DatasetError, match=f"{bad}.*not an IDX file.*Delete"):
        read_idx(bad)


def test_labels_above_nine_are_rejected(tmp_path):
    content = idx_bytes(np.full(10000, 12))  # a valid IDX file, with a matching checksum
    spec = data.Dataset("odd", {**data.DATASETS["mnist"].files, "test_labels": (
        "t10k-labels-idx1-ubyte", hashlib.md5(content).hexdigest())}, ())
    folder = copy_of_shipped(tmp_path)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(content))
    with pytest.raises(DatasetError, match="labels 0-9"):
        load_mnist(dataset=spec, data_dir=folder, cache_dir=tmp_path / "c", download=False)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="fashion-mnist"):
        load_mnist(dataset="cifar")


def test_missing_files_without_download_say_where_to_put_them(tmp_path):
    with pytest.raises(DatasetError) as error:
        load_mnist(data_dir=tmp_path / "nowhere", cache_dir=tmp_path / "c", download=False)
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert str(tmp_path / "nowhere") in message


def test_cache_defaults_to_a_user_folder_not_the_course(monkeypatch, tmp_path):
    monkeypatch.delenv("NN_FROM_SCRATCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.dataset_cache_dir(data.DATASETS["mnist"]) == tmp_path / "nn-from-scratch" / "mnist"


FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_comes_from_the_system_copy(tmp_path, monkeypatch):
    monkeypatch.setattr("helpers.download.download_file", lambda *a: pytest.fail("downloaded"))
    (x_train, t_train), (x_test, t_test) = load_mnist(dataset="fashion-mnist", cache_dir=tmp_path)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert np.bincount(t_train).tolist() == [6000] * 10
    assert np.bincount(t_test).tolist() == [1000] * 10


# Fault injection: what a learner sees when a file or the cache is damaged, that nothing
# damaged is kept, and that the next normal load recovers.

def test_every_single_byte_corruption_of_a_gz_is_a_dataset_error_naming_the_file(tmp_path):
    original = (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").read_bytes()
    target = tmp_path / "t10k-labels-idx1-ubyte.gz"
    md5 = data.DATASETS["mnist"].files["test_labels"][1]
    kinds = set()
    for position in range(0, len(original), 3):  # a third of the 4,517 bytes: every kind
        damaged = bytearray(original)
        damaged[position] ^= 0x55
        target.write_bytes(bytes(damaged))
        try:
            read_idx(target, expected_md5=md5, max_size=10008)
        except DatasetError as error:
            assert str(target) in str(error) and "Delete" in str(error), str(error)
            kinds.add(str(error).split("(")[1].split(":")[0] if "cannot read" in str(error)
                      else "content")
    # Damage inside the compressed stream is among them ("invalid distance too far back").
    assert {"error", "BadGzipFile", "content"} <= kinds, kinds


def test_a_damaged_gz_in_the_course_is_reported_by_load_mnist_and_nothing_is_cached(tmp_path):
    folder = copy_of_shipped(tmp_path)
    target = folder / "train-labels-idx1-ubyte.gz"
    damaged = bytearray(target.read_bytes())
    damaged[100] ^= 0xFF
    target.write_bytes(bytes(damaged))
    with pytest.raises(DatasetError, match=r"cannot read .*train-labels-idx1-ubyte\.gz \(error: "
                                           r"Error -3 .*too far back\)\. Delete .*labels-idx1-ubyte"):
        load_mnist(data_dir=folder, cache_dir=tmp_path / "cache", download=False)
    assert not list((tmp_path / "cache").rglob("train-labels*"))
    shutil.copy(MNIST_DIR / target.name, target)  # restored: the next load works
    load_mnist(data_dir=folder, cache_dir=tmp_path / "cache", download=False)


def test_a_gz_that_decompresses_to_far_more_than_the_file_can_be_is_refused(tmp_path):
    folder = copy_of_shipped(tmp_path)
    bomb = gzip.compress(bytes(200_000_000), compresslevel=9)  # 200 MB of zeros in 200 KB
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(bomb)
    with pytest.raises(DatasetError, match="holds more than the 60008 bytes this file has"):
        load_mnist(data_dir=folder, cache_dir=tmp_path / "cache", download=False)


def cache_file(cache, prefix):
    [path] = (cache / "mnist").glob(f"{prefix}*.npy")
    return path


def overwrite(path, offset_from_end, content):
    with open(path, "r+b") as f:
        f.seek(-offset_from_end, 2)
        f.write(content)


@pytest.mark.parametrize("prefix, damage", [
    # one pixel of the last training image becomes -1.7e38
    ("train-images", lambda p: overwrite(p, 4, np.float32(-1.7e38).tobytes())),
    # the last training label, a 8, becomes a 3
    ("train-labels", lambda p: overwrite(p, 1, b"\x03")),
    # the whole test set becomes zeros, keeping the file's size and header
    ("t10k-images", lambda p: overwrite(p, 10000 * 784 * 4, bytes(10000 * 784 * 4))),
])
def test_a_changed_byte_in_a_cached_array_is_detected_and_rebuilt(tmp_path, mnist_labels,
                                                                    prefix, damage):
    cache = tmp_path / "cache"
    load_mnist(cache_dir=cache)
    path = cache_file(cache, prefix)
    damage(path)
    (x_train, t_train), (x_test, t_test) = load_mnist(cache_dir=cache)
    np.testing.assert_array_equal(x_train, mnist_labels[0][0])
    np.testing.assert_array_equal(t_train, mnist_labels[0][1])
    np.testing.assert_array_equal(x_test, mnist_labels[1][0])
    assert data.load_verified(path) is not None  # the file itself was rebuilt
    # and the next load is served from the repaired cache, without the raw files
    (x_again, _), _ = load_mnist(cache_dir=cache, data_dir=tmp_path / "empty", download=False)
    assert memory_mapped(x_again)


def test_a_valid_but_shorter_cached_array_is_rebuilt_not_blamed_on_the_shipped_files(
        tmp_path, mnist_labels):
    cache = tmp_path / "cache"
    load_mnist(cache_dir=cache)
    path = cache_file(cache, "train-labels")
    short = mnist_labels[0][1][:100]
    np.save(path, short)
    (_, t_train), _ = load_mnist(cache_dir=cache)
    np.testing.assert_array_equal(t_train, mnist_labels[0][1])
    # Even with a fingerprint that matches it, a cache of the wrong length is not trusted.
    np.save(path, short)
    Path(f"{path}.sum").write_text(data.fingerprint(np.load(path)))
    (_, t_train), _ = load_mnist(cache_dir=cache)
    assert len(t_train) == 60000 and len(np.load(path)) == 60000


def test_a_cache_without_its_fingerprint_is_rebuilt(tmp_path, mnist_labels):
    load_mnist(cache_dir=tmp_path)
    for sums in (tmp_path / "mnist").glob("*.sum"):
        sums.unlink()
    (x, _), _ = load_mnist(cache_dir=tmp_path)
    np.testing.assert_array_equal(x, mnist_labels[0][0])
    assert len(list((tmp_path / "mnist").glob("*.npy.sum"))) == 4


def test_fingerprint_sees_any_changed_byte_and_swapped_blocks():
    block = data.FINGERPRINT_BLOCK
    array = np.random.default_rng(0).integers(0, 256, size=2 * block + 1000, dtype=np.uint8)
    reference = data.fingerprint(array)
    # in a block, at its edges, in the tail that is not a whole block
    for position in (0, 1, 7, block - 1, block, 2 * block + 999):
        for change in (1, 128, 255):
            damaged = array.copy()
            damaged[position] ^= change
            assert data.fingerprint(damaged) != reference
    swapped = np.concatenate([array[block:2 * block], array[:block], array[2 * block:]])
    assert data.fingerprint(swapped) != reference
    assert data.fingerprint(array[:-1]) != reference
    assert data.fingerprint(array.view(np.int8)) != reference  # the dtype is part of it


def run_python(code, **env):
    environment = dict(os.environ, PYTHONPATH=str(data.COURSE_ROOT), **env)
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                          text=True, timeout=300)


def test_a_process_killed_while_writing_the_cache_leaves_nothing_that_outlives_it(
        tmp_path, mnist_labels):
    cache = tmp_path / "cache"
    killed = run_python(f"""
import os, signal, numpy as np
from helpers import data, files
def save_then_die(f, array, allow_pickle):
    f.write(b"half an array")
    f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
data.np.save = save_then_die
data.load_mnist(cache_dir={str(cache)!r})
""")
    assert killed.returncode == -signal.SIGKILL
    [leftover] = (cache / "mnist").glob(".*.part")
    assert not list((cache / "mnist").glob("*.npy"))
    (x, _), _ = load_mnist(cache_dir=cache)  # works at once, but may not know it is stale yet
    np.testing.assert_array_equal(x, mnist_labels[0][0])
    assert leftover.exists()
    age(leftover, files.STALE_SECONDS + 60)
    load_mnist(cache_dir=cache)
    assert not leftover.exists()


def age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_cleanup_removes_only_dead_writers_leftovers(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        old = files.STALE_SECONDS + 60
        names = {
            f".x.npy.{dead.pid}.abc123_x.part": (old, False),
            f".accuracy.png.{live.pid}.abc123_x.part": (old, True),  # its writer still runs
            f".x.npy.{dead.pid}.def456_y.part": (5, True),  # too recent to judge
            ".x.npy.oldnam3s.part": (old, True),  # no pid: only after a day
            ".x.npy.olderna1.part": (files.ABANDONED_SECONDS + 60, False),
            ".my-notes.part": (files.ABANDONED_SECONDS + 60, True),  # not a name we make
            "x.npy": (old, True),  # not a temporary name at all
        }
        for name, (seconds, _) in names.items():
            (tmp_path / name).write_bytes(b"partial")
            age(tmp_path / name, seconds)
        download = tmp_path / f".download-{dead.pid}-zz1234_a"
        download.mkdir()
        (download / "t10k-images-idx3-ubyte.gz").write_bytes(b"partial")
        age(download / "t10k-images-idx3-ubyte.gz", old)
        age(download, old)
        removed = files.remove_stale_leftovers(tmp_path)
        assert sorted(p.name for p in removed) == sorted(
            [download.name] + [n for n, (_, kept) in names.items() if not kept])
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            n for n, (_, kept) in names.items() if kept)
    finally:
        live.kill()
        live.wait()


# A shared read-only cache, built once for a whole class on a hub.

def test_a_shared_read_only_cache_serves_every_learner_without_a_write(tmp_path, monkeypatch,
                                                                       mnist_labels):
    shared = tmp_path / "shared"
    built = run_python(f"import sys; from helpers.data import main; "
                       f"sys.exit(main(['--build-cache', {str(shared)!r}]))")
    assert built.returncode == 0, built.stderr
    assert f"NN_FROM_SCRATCH_SHARED_CACHE={shared}" in built.stdout
    held = sorted(p.name for p in (shared / "mnist").iterdir())
    assert len(held) == 12  # uint8 and float32 images, labels, each with its fingerprint
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in (shared / "mnist").iterdir())
    for p in [shared / "mnist", *(shared / "mnist").iterdir()]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    monkeypatch.setenv("NN_FROM_SCRATCH_SHARED_CACHE", str(shared))
    monkeypatch.setattr(data, "atomic_write", lambda path: pytest.fail(f"wrote {path}"))
    own = tmp_path / "learner"
    for normalize in (True, False):
        (x, t), _ = load_mnist(normalize=normalize, cache_dir=own)
        assert memory_mapped(x)
    np.testing.assert_array_equal(load_mnist(cache_dir=own)[0][0], mnist_labels[0][0])
    assert not own.exists()  # not a byte of the learner's disk


def test_a_damaged_shared_cache_warns_and_falls_back_to_the_learners_own(tmp_path, monkeypatch,
                                                                          mnist_labels):
    shared = tmp_path / "shared"
    data.build_cache(shared)
    overwrite(cache_file(shared, "train-labels"), 1, b"\x03")
    monkeypatch.setenv("NN_FROM_SCRATCH_SHARED_CACHE", str(shared))
    with pytest.warns(UserWarning, match=r"shared cache has no intact .*train-labels.*--build-cache"):
        (_, t), _ = load_mnist(cache_dir=tmp_path / "own")
    np.testing.assert_array_equal(t, mnist_labels[0][1])
    assert [p.name for p in (tmp_path / "own" / "mnist").glob("*.npy")] == [
        cache_file(shared, "train-labels").name]


def test_a_data_set_the_shared_cache_does_not_hold_goes_to_the_learners_cache_quietly(
        tmp_path, monkeypatch, recwarn):
    monkeypatch.setenv("NN_FROM_SCRATCH_SHARED_CACHE", str(tmp_path / "shared"))
    (tmp_path / "shared").mkdir()
    load_mnist(cache_dir=tmp_path / "own")
    assert len(list((tmp_path / "own" / "mnist").glob("*.npy"))) == 4
    assert not [w for w in recwarn if "shared" in str(w.message)]


def unreachable(monkeypatch, folder, function="is_dir"):
    """Act as if ``folder`` were another user's, mode 700: root may enter any folder, so the
    tests make ``Path.is_dir`` (for what is inside it) or ``os.scandir`` (of it) refuse."""
    def refuse(path):
        return PermissionError(13, "Permission denied", str(path))
    if function == "is_dir":
        is_dir = Path.is_dir

        def guarded(path):
            if folder in Path(path).parents:
                raise refuse(path)
            return is_dir(path)
        monkeypatch.setattr(Path, "is_dir", guarded)
    else:
        scandir = os.scandir

        def guarded(path="."):
            if Path(path) == folder:
                raise refuse(path)
            return scandir(path)
        monkeypatch.setattr(os, "scandir", guarded)


@pytest.mark.parametrize("where, closed, function, named", [
    ("admin/cache", "admin", "is_dir", "admin/cache"),  # in a folder the learner may not enter
    ("admin", "admin", "scandir", "admin"),  # the folder itself may not be read
    ("admin", "admin/mnist", "scandir", "admin/mnist"),  # nor its folder for MNIST
])
def test_a_shared_cache_the_learner_may_not_read_warns_and_uses_their_own(
        tmp_path, monkeypatch, mnist_labels, where, closed, function, named):
    (tmp_path / "admin" / "cache" / "mnist").mkdir(parents=True)
    (tmp_path / "admin" / "mnist").mkdir()
    unreachable(monkeypatch, tmp_path / closed, function)
    monkeypatch.setenv("NN_FROM_SCRATCH_SHARED_CACHE", str(tmp_path / where))
    own = tmp_path / "own"
    expected = (rf"NN_FROM_SCRATCH_SHARED_CACHE points at {re.escape(str(tmp_path / named))}, "
                r"which you may not read \(Permission denied\): using your own cache "
                rf"\({re.escape(str(own / 'mnist'))}\) instead.*chmod")
    with pytest.warns(UserWarning, match=expected):
        (x, t), _ = load_mnist(cache_dir=own)
    np.testing.assert_array_equal(x, mnist_labels[0][0])
    np.testing.assert_array_equal(t, mnist_labels[0][1])
    assert len(list((own / "mnist").glob("*.npy"))) == 4


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions, which root is not held to")
def test_a_shared_cache_under_a_closed_folder_warns_without_any_emulation(tmp_path, monkeypatch):
    closed = tmp_path / "admin"
    (closed / "cache").mkdir(parents=True)
    monkeypatch.setenv("NN_FROM_SCRATCH_SHARED_CACHE", str(closed / "cache"))
    closed.chmod(0o000)
    try:
        with pytest.warns(UserWarning, match="which you may not read"):
            load_mnist(cache_dir=tmp_path / "own")
    finally:
        closed.chmod(0o700)


@pytest.mark.parametrize("where, problem", [
    ("shraed", "does not exist"),  # a typo
    ("a-file", "is not a folder"),
    ("a-file/cache", "does not exist"),
])
def test_a_shared_cache_variable_naming_no_folder_warns_and_uses_the_learners_own(
        tmp_path, monkeypatch, mnist_labels, where, problem):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("NN_FROM_SCRATCH_SHARED_CACHE", str(tmp_path / where))
    own = tmp_path / "own"
    with pytest.warns(UserWarning) as warned:
        (x, _), _ = load_mnist(cache_dir=own)
    [message] = [str(w.message) for w in warned if "SHARED_CACHE" in str(w.message)]
    assert f"NN_FROM_SCRATCH_SHARED_CACHE points at {tmp_path / where}, which {problem}" in message
    assert f"using your own cache ({own / 'mnist'}) instead" in message
    assert "--build-cache" in message or problem != "does not exist"
    np.testing.assert_array_equal(x, mnist_labels[0][0])


@pytest.mark.parametrize("prefix, replace", [
    ("train-images", lambda a: a.astype(np.float16)),  # the same pixels, roughly
    ("train-labels", lambda a: a.astype(np.int64)),
    ("t10k-images", lambda a: a.reshape(len(a), -1)),  # the same bytes, another shape
])
def test_a_cached_array_of_another_dtype_or_shape_is_rebuilt_even_with_its_fingerprint(
        tmp_path, mnist_labels, prefix, replace):
    cache = tmp_path / "cache"
    load_mnist(cache_dir=cache)
    path = cache_file(cache, prefix)
    original = np.load(path)
    np.save(path, replace(original))
    Path(f"{path}.sum").write_text(data.fingerprint(np.load(path)))
    (x_train, t_train), (x_test, _) = load_mnist(cache_dir=cache)
    assert x_train.dtype == x_test.dtype == np.float32 and t_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, mnist_labels[0][0])
    np.testing.assert_array_equal(t_train, mnist_labels[0][1])
    np.testing.assert_array_equal(x_test, mnist_labels[1][0])
    rebuilt = np.load(path)
    assert rebuilt.dtype == original.dtype and rebuilt.shape == original.shape
    assert data.load_verified(path, original.shape, original.dtype) is not None


def test_a_shared_cache_array_of_another_dtype_is_not_used(tmp_path, monkeypatch, mnist_labels):
    shared = tmp_path / "shared"
    data.build_cache(shared)
    path = cache_file(shared, "train-labels")
    np.save(path, np.load(path).astype(np.int32))
    Path(f"{path}.sum").write_text(data.fingerprint(np.load(path)))
    monkeypatch.setenv("NN_FROM_SCRATCH_SHARED_CACHE", str(shared))
    with pytest.warns(UserWarning, match=r"shared cache has no intact .*train-labels"):
        (_, t), _ = load_mnist(cache_dir=tmp_path / "own")
    assert t.dtype == np.uint8
    np.testing.assert_array_equal(t, mnist_labels[0][1])


# No home folder: HOME unset and no passwd entry for the user, as in some containers.

def homeless(monkeypatch, tmp_path):
    """Remove HOME and the user's passwd entry, and let the temporary folder be tmp_path."""
    import pwd
    import tempfile

    def no_entry(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")
    for name in ("HOME", "NN_FROM_SCRATCH_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(RuntimeError, match="Could not determine home directory"):
        Path.home()  # what the learner's Python says, and what broke every load
    return tmp_path / f"nn-from-scratch-{os.getuid()}"


@pytest.mark.skipif(os.name != "posix", reason="the passwd file is POSIX's")
def test_without_a_home_folder_the_cache_goes_to_a_private_temporary_folder_with_a_warning(
        tmp_path, monkeypatch, mnist_labels):
    folder = homeless(monkeypatch, tmp_path)
    cache = folder / "nn-from-scratch" / "mnist"
    with pytest.warns(UserWarning, match=rf"cannot find your home folder .*goes to "
                                         rf"{re.escape(str(folder / 'nn-from-scratch'))}, "
                                         r".*set NN_FROM_SCRATCH_CACHE"):
        (x, _), _ = load_mnist()
    np.testing.assert_array_equal(x, mnist_labels[0][0])
    assert len(list(cache.glob("*.npy"))) == 4
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with pytest.warns(UserWarning, match="cannot find your home folder"):
        (x, _), _ = load_mnist(data_dir=tmp_path / "empty", download=False)  # from that cache
    assert memory_mapped(x)


@pytest.mark.skipif(os.name != "posix", reason="the passwd file is POSIX's")
def test_without_a_home_folder_xdg_cache_home_is_used_quietly(tmp_path, monkeypatch, recwarn):
    homeless(monkeypatch, tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "nn-from-scratch" / "mnist"
    assert data.dataset_cache_dir(data.DATASETS["mnist"]) == expected
    assert not recwarn.list


@pytest.mark.skipif(os.name != "posix", reason="the passwd file is POSIX's")
def test_without_a_home_folder_a_temporary_folder_others_may_write_is_not_trusted(
        tmp_path, monkeypatch):
    folder = homeless(monkeypatch, tmp_path)
    folder.mkdir()
    folder.chmod(0o777)  # anyone could have planted arrays, and their fingerprints, in it
    with pytest.warns(UserWarning, match="cannot find your home folder"):
        cache = data.dataset_cache_dir(data.DATASETS["mnist"])
    assert folder not in cache.parents and cache.parents[1].parent == tmp_path
    assert stat.S_IMODE(cache.parents[1].stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="the passwd file is POSIX's")
def test_the_command_line_runs_without_a_home_folder(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOME", "NN_FROM_SCRATCH_CACHE", "XDG_CACHE_HOME")}
    env.update(PYTHONPATH=str(data.COURSE_ROOT), TMPDIR=str(tmp_path))
    code = ("import pwd, runpy, sys\n"
            "def no_entry(uid): raise KeyError(uid)\n"
            "pwd.getpwuid = no_entry  # no passwd entry for this user\n"
            "sys.argv = ['helpers', '--iters-num', '601', '--activation', 'relu',\n"
            "            '--no-progress', '--output', 'a.png']\n"
            "runpy.run_module('helpers', run_name='__main__', alter_sys=True)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot find your home folder" in result.stderr
    assert "set NN_FROM_SCRATCH_CACHE" in result.stderr
    assert (tmp_path / "a.png").is_file()
    assert len(list((tmp_path / f"nn-from-scratch-{os.getuid()}").rglob("*.npy"))) == 4
