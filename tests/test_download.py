"""Downloading what is not shipped, against HTTP servers on 127.0.0.1 (never the internet)."""
import dataclasses
import gzip
import http.server
import socket
import threading

import numpy as np
import pytest

from helpers import data
from helpers.data import DatasetError, load_mnist

MNIST_DIR = data.DATA_DIR / "mnist"


class Mirror:
    """A local web server that serves given files and records what was asked of it."""

    def __init__(self, files):
        self.files = files
        self.requests = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                mirror.requests.append(self.path)
                body = mirror.files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirrors():
    started = []

    def start(files):
        started.append(Mirror(files))
        return started[-1]

    yield start
    for mirror in started:
        mirror.close()


def shipped_files():
    return {f.name: f.read_bytes() for f in MNIST_DIR.glob("*.gz")}


def corrupted(files):
    bad = {}
    for name, body in files.items():
        content = bytearray(gzip.decompress(body))
        content[-1] ^= 0xFF
        bad[name] = gzip.compress(bytes(content), compresslevel=1)
    return bad


def dead_url():
    with socket.socket() as s:  # a port that nothing listens on any more
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def mnist_from(*urls):
    return dataclasses.replace(data.DATASETS["mnist"], mirrors=tuple(urls))


def test_checkout_without_data_downloads_verified_files(tmp_path, mirrors, mnist_labels):
    good = mirrors(shipped_files())
    cache = tmp_path / "cache"
    (x_train, t_train), (x_test, t_test) = load_mnist(
        one_hot_label=False, dataset=mnist_from(good.url), data_dir=tmp_path / "no-data",
        cache_dir=cache)
    np.testing.assert_array_equal(x_train, mnist_labels[0][0])
    np.testing.assert_array_equal(t_test, mnist_labels[1][1])
    assert sorted(p.name for p in (cache / "mnist").glob("*.gz")) == sorted(shipped_files())
    # A second load needs no server at all.
    good.close()
    load_mnist(dataset=mnist_from(dead_url()), data_dir=tmp_path / "no-data", cache_dir=cache)


def test_falls_back_past_a_dead_a_missing_and_a_corrupt_mirror(tmp_path, mirrors, mnist_labels):
    empty = mirrors({})  # answers 404
    bad = mirrors(corrupted(shipped_files()))
    good = mirrors(shipped_files())
    spec = mnist_from(dead_url(), empty.url, bad.url, good.url)
    (_, t_train), _ = load_mnist(dataset=spec, data_dir=tmp_path / "none", cache_dir=tmp_path)
    np.testing.assert_array_equal(t_train, mnist_labels[0][1])
    assert len(empty.requests) == len(bad.requests) == len(good.requests) == 4


def test_when_every_mirror_fails_nothing_is_kept_and_the_error_says_why(tmp_path, mirrors):
    bad = mirrors(corrupted(shipped_files()))
    gone = dead_url()
    with pytest.raises(DatasetError) as error:
        load_mnist(dataset=mnist_from(gone, bad.url), data_dir=tmp_path / "none",
                   cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert gone in message and "ConnectionError" in message
    assert bad.url in message and "MD5" in message
    assert "Copy these files" in message and "train-images-idx3-ubyte.gz" in message
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert leftovers == []


def test_a_server_that_goes_away_between_files(tmp_path, mirrors):
    files = shipped_files()
    only_images = {k: v for k, v in files.items() if "images" in k}
    server = mirrors(only_images)
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz: HTTPError|train-labels"):
        load_mnist(dataset=mnist_from(server.url), data_dir=tmp_path / "none",
                   cache_dir=tmp_path / "cache")
    # What did arrive was verified and kept; what did not is still missing.
    kept = sorted(p.name for p in (tmp_path / "cache" / "mnist").glob("*.gz"))
    assert kept == ["train-images-idx3-ubyte.gz"]
