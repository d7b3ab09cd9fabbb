"""The helpers' and the dashboard's tests again, in an environment with Colab's versions:
Colab's Python (3.13, from pyenv) and the packages of tests/colab-requirements.txt."""
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITES = ["tests/test_widgets.py", "tests/test_blas.py", "tests/test_download.py",
          "tests/test_train.py", "tests/test_network.py", "tests/test_data.py"]


def pyenv_python(version):
    """pyenv's newest Python `version` (say "3.13"), found as .ci/run finds 3.9:
    ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python | sort -V | tail -n 1.
    None if pyenv has none."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = [path for path in (root / "versions").glob(version + "*/bin/python")
             if path.exists()]
    natural = lambda path: [int(part) if part.isdigit() else part
                            for part in re.split(r"(\d+)", str(path))]
    return max(found, key=natural) if found else None


PYTHON313 = pyenv_python("3.13")


@pytest.mark.skipif(os.environ.get("SKIP_COLAB_VERSIONS_TEST") == "1",
                    reason="SKIP_COLAB_VERSIONS_TEST=1")
@pytest.mark.skipif(PYTHON313 is None,
                    reason="no Python 3.13 under pyenv here (Colab's Python): "
                           "the Colab-versions test needs it")
def test_helpers_and_widgets_pass_with_colabs_versions(tmp_path):
    env_dir = tmp_path / "colab-env"
    subprocess.run([PYTHON313, "-m", "venv", env_dir], check=True, timeout=300)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "-r",
                    ROOT / "tests" / "colab-requirements.txt"], check=True, timeout=900)
    versions = subprocess.run(
        [python, "-c", "import platform, ipywidgets, IPython, numpy; "
                       "print(platform.python_version(), ipywidgets.__version__, "
                       "IPython.__version__, numpy.__version__)"],
        capture_output=True, text=True, check=True).stdout.split()
    python_version, ipywidgets_version, ipython_version, numpy_version = versions
    assert python_version.startswith("3.13."), versions
    assert numpy_version.startswith("2.1."), versions
    assert (ipywidgets_version, ipython_version) == ("7.7.1", "7.34.0"), versions
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-o", "addopts=", *SUITES], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]
