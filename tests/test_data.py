"""Loading the shipped MNIST: what learners get, and what happens when a file is wrong."""
import gzip
import hashlib
import mmap
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers import data
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
    monkeypatch.setattr("gdown.download", lambda *a, **k: pytest.fail("must not download"))
    (x_train, t_train), (x_test, t_test) = load_mnist(dataset="fashion-mnist", cache_dir=tmp_path)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert np.bincount(t_train).tolist() == [6000] * 10
    assert np.bincount(t_test).tolist() == [1000] * 10
