"""The helpers' and the dashboard's tests again, in an environment with Colab's versions."""
import os
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITES = ["tests/test_widgets.py", "tests/test_blas.py", "tests/test_download.py",
          "tests/test_train.py", "tests/test_network.py", "tests/test_data.py"]


@pytest.mark.skipif(os.environ.get("SKIP_COLAB_VERSIONS_TEST") == "1",
                    reason="SKIP_COLAB_VERSIONS_TEST=1")
def test_helpers_and_widgets_pass_with_colabs_versions(tmp_path):
    env_dir = tmp_path / "colab-env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "-r",
                    ROOT / "tests" / "colab-requirements.txt"], check=True, timeout=900)
    versions = subprocess.run(
        [python, "-c", "import ipywidgets, IPython, numpy; "
                       "print(ipywidgets.__version__, IPython.__version__, numpy.__version__)"],
        capture_output=True, text=True, check=True).stdout.split()
    assert versions[:2] == ["7.7.1", "7.34.0"] and versions[2].startswith("2.")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-o", "addopts=", *SUITES], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]
