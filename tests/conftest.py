import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Every test session builds its own cache, so a learner's ~/.cache is never touched."""
    path = tmp_path_factory.mktemp("cache")
    old = os.environ.get("NN_FROM_SCRATCH_CACHE")
    os.environ["NN_FROM_SCRATCH_CACHE"] = str(path)
    yield path
    if old is None:
        del os.environ["NN_FROM_SCRATCH_CACHE"]
    else:
        os.environ["NN_FROM_SCRATCH_CACHE"] = old


@pytest.fixture(scope="session")
def mnist():
    """The shipped MNIST as the article loads it: normalized, flattened, one-hot labels."""
    from helpers.data import load_mnist
    return load_mnist(normalize=True, one_hot_label=True)


@pytest.fixture(scope="session")
def mnist_labels():
    """The shipped MNIST with labels as digits."""
    from helpers.data import load_mnist
    return load_mnist(normalize=True, one_hot_label=False)


@contextlib.contextmanager
def jupyter_server(app, root, env, log_path, *options):
    """A Jupyter server (app: "jupyter_server" or "jupyterlab") on 127.0.0.1 serving root.

    Yields (url, token) once it answers, and stops it afterwards; its output goes to log_path,
    whose end a failure to start shows. options: more command-line settings.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = os.urandom(16).hex()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", app, "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             "--ServerApp.allow_root=True", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}", *options],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                status = urllib.request.Request(f"{url}/api/status",
                                                headers={"Authorization": f"token {token}"})
                try:
                    with urllib.request.urlopen(status, timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"{app} did not start:\n" + Path(log_path).read_text()[-3000:])
                time.sleep(0.5)
            yield url, token
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
