"""Downloading what is not shipped, against HTTP servers on 127.0.0.1 (never the internet)."""
import dataclasses
import gzip
import os
import signal
import subprocess
import sys
import http.server
import socket
import threading
import time

import numpy as np
import pytest

from helpers import data, download, files
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
    assert f"{gone}train-images-idx3-ubyte.gz: cannot connect (" in message
    assert f"{bad.url}train-images-idx3-ubyte.gz is corrupt or not the expected file: its " \
           "content has MD5" in message
    # It names the URL and the cache, not a temporary file that no longer exists.
    assert ".download" not in message and "Delete" not in message
    assert f"Nothing from these mirrors was kept in {tmp_path / 'cache' / 'mnist'}" in message
    assert "Copy these files" in message and "train-images-idx3-ubyte.gz" in message
    assert list((tmp_path / "cache").rglob("*")) == [tmp_path / "cache" / "mnist"]
    good = mirrors(shipped_files())  # the next run, with a mirror that works, recovers
    load_mnist(dataset=mnist_from(gone, bad.url, good.url), data_dir=tmp_path / "none",
               cache_dir=tmp_path / "cache")


def test_a_server_that_goes_away_between_files(tmp_path, mirrors):
    files = shipped_files()
    only_images = {k: v for k, v in files.items() if "images" in k}
    server = mirrors(only_images)
    with pytest.raises(DatasetError, match=r"train-labels-idx1-ubyte.gz: HTTP error 404"):
        load_mnist(dataset=mnist_from(server.url), data_dir=tmp_path / "none",
                   cache_dir=tmp_path / "cache")
    # What did arrive was verified and kept; what did not is still missing.
    kept = sorted(p.name for p in (tmp_path / "cache" / "mnist").glob("*.gz"))
    assert kept == ["train-images-idx3-ubyte.gz"]


# Servers that misbehave: each stops by itself when its test ends.

class Silent:
    """Accepts connections and never answers (or, with trickle, sends a byte now and then)."""

    def __init__(self, trickle=None):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.done = threading.Event()
        self.trickle = trickle
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        self.listener.settimeout(0.1)
        while not self.done.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection):
        with connection:
            try:
                if self.trickle is not None:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9000000\r\n\r\n")
                while not self.done.wait(self.trickle or 1):
                    if self.trickle is not None:
                        connection.sendall(b"\x1f")
            except OSError:
                pass  # the client hung up, as it should

    def close(self):
        self.done.set()
        self.listener.close()


class Endless(Mirror):
    """Answers every request with a body that never ends (no Content-Length, or a false one)."""

    def __init__(self, announce=None):
        super().__init__({})
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                mirror.requests.append(self.path)
                self.send_response(200)
                if announce:
                    self.send_header("Content-Length", str(announce))
                self.end_headers()
                try:
                    while True:
                        self.wfile.write(bytes(1 << 20))
                except OSError:
                    pass  # the client hung up, as it should

            def log_message(self, *args):
                pass

        self.server.RequestHandlerClass = Handler


@pytest.fixture
def quick_timeouts(monkeypatch):
    """A stall is given up after about a second here; the real default is about a minute."""
    monkeypatch.setattr(download, "TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(download, "STALL_SECONDS", 1)


@pytest.mark.parametrize("trickle", [None, 0.2], ids=["silent", "trickling"])
def test_a_mirror_that_stalls_is_given_up_and_the_next_one_used(tmp_path, mirrors, mnist_labels,
                                                                quick_timeouts, trickle):
    stalled = Silent(trickle)
    good = mirrors(shipped_files())
    try:
        start = time.monotonic()
        (_, t_train), _ = load_mnist(dataset=mnist_from(stalled.url, good.url),
                                     data_dir=tmp_path / "none", cache_dir=tmp_path)
        # Four files, each given up on after the lowered timeouts: seconds, not forever.
        assert time.monotonic() - start < 60
    finally:
        stalled.close()
    np.testing.assert_array_equal(t_train, mnist_labels[0][1])
    assert not list(tmp_path.rglob(".download*"))


def test_when_every_mirror_stalls_the_error_says_so_for_each(tmp_path, quick_timeouts):
    silent, trickling = Silent(), Silent(trickle=0.2)
    try:
        with pytest.raises(DatasetError) as error:
            load_mnist(dataset=mnist_from(silent.url, trickling.url), data_dir=tmp_path / "none",
                       cache_dir=tmp_path)
    finally:
        silent.close()
        trickling.close()
    message = str(error.value)
    assert f"{silent.url}train-images-idx3-ubyte.gz: no answer for 1 s" in message
    assert f"{trickling.url}train-images-idx3-ubyte.gz: TimeoutError: stalled: less than 64 KiB " \
           "in 1 s" in message


def test_the_real_timeouts_give_up_on_a_stall_within_about_a_minute():
    assert download.TIMEOUT_SECONDS + download.STALL_SECONDS <= 60
    assert download.STALL_BYTES <= 64 * 1024  # a slow but live line sends far more


@pytest.mark.parametrize("announce", [None, 10_000_000_000], ids=["no length", "false length"])
def test_an_endless_body_is_cut_at_the_size_the_file_can_have(tmp_path, mirrors, mnist_labels,
                                                              announce):
    endless = Endless(announce)
    good = mirrors(shipped_files())
    try:
        (_, t_train), _ = load_mnist(dataset=mnist_from(endless.url, good.url),
                                     data_dir=tmp_path / "none", cache_dir=tmp_path)
    finally:
        endless.close()
    np.testing.assert_array_equal(t_train, mnist_labels[0][1])
    assert not list(tmp_path.rglob(".download*"))
    assert len(endless.requests) == 4


def test_an_endless_body_error_names_the_limit(tmp_path):
    endless = Endless()
    try:
        with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz: ValueError: it sent "
                                               r"more than the 47511440 bytes this file can have"):
            load_mnist(dataset=mnist_from(endless.url), data_dir=tmp_path / "none",
                       cache_dir=tmp_path)
    finally:
        endless.close()


def test_a_download_killed_halfway_is_cleaned_up_by_a_later_run(tmp_path, mirrors):
    good = mirrors(shipped_files())
    cache = tmp_path / "cache"
    code = f"""
import dataclasses, os, signal
from helpers import data, download, files
real = download.fetch
def fetch_then_die(url, path, limit, quiet=False):
    path.write_bytes(b"the first megabyte")
    os.kill(os.getpid(), signal.SIGKILL)
download.fetch = fetch_then_die
spec = dataclasses.replace(data.DATASETS["mnist"], mirrors=({good.url!r},))
data.load_mnist(dataset=spec, data_dir={str(tmp_path / "none")!r}, cache_dir={str(cache)!r})
"""
    env = dict(os.environ, PYTHONPATH=str(data.COURSE_ROOT))
    killed = subprocess.run([sys.executable, "-c", code], env=env, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    [leftover] = (cache / "mnist").glob(".download-*")
    then = time.time() - files.STALE_SECONDS - 60
    for path in (leftover / "train-images-idx3-ubyte.gz", leftover):
        os.utime(path, (then, then))
    load_mnist(dataset=mnist_from(good.url), data_dir=tmp_path / "none", cache_dir=cache)
    assert not leftover.exists()
