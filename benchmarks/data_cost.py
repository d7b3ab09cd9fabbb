"""What loading MNIST costs a learner: disk, memory and time, each load in a fresh process.

    python benchmarks/data_cost.py                 # this course
    python benchmarks/data_cost.py --course DIR    # another copy of the course, e.g. an older one

Measures the article's load (normalize=True, one_hot_label=True) with an empty cache (first
load), then again (second load); then lesson 1's extra normalize=False load; then the same
with a shared cache built once by `python -m helpers.data --build-cache DIR`. Peak memory is
the process's VmHWM; "private" is its anonymous memory after the load (RssAnon), which no
other process can share, unlike pages of a memory-mapped cache file (RssFile).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
import numpy as np
from helpers import data

def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmHWM", "RssAnon", "RssFile")}

base = status()
start = time.perf_counter()
(x, t), (xt, tt) = data.load_mnist(normalize=NORMALIZE, one_hot_label=True)
seconds = time.perf_counter() - start
after = status()
result = dict(seconds=seconds, peak_mb=after["VmHWM"], base_mb=base["VmHWM"],
              private_mb=after["RssAnon"], mapped_mb=after["RssFile"])
if hasattr(data, "fingerprint"):
    start = time.perf_counter()
    data.fingerprint(x)
    result["fingerprint_seconds"] = time.perf_counter() - start
print(json.dumps(result))
"""


def load(course, env, normalize=True):
    code = CHILD.replace("NORMALIZE", str(normalize))
    out = subprocess.run([sys.executable, "-c", code], cwd=course, check=True, text=True,
                         capture_output=True, env=dict(os.environ, PYTHONPATH=str(course),
                                                       OPENBLAS_NUM_THREADS="1", **env)).stdout
    return json.loads(out.splitlines()[-1])


def disk_mb(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6


def show(name, result, cache):
    extra = (f", fingerprint of x_train {1000 * result['fingerprint_seconds']:.0f} ms"
             if "fingerprint_seconds" in result else "")
    print(f"{name:32} {1000 * result['seconds']:7.0f} ms   peak {result['peak_mb']:5.0f} MB "
          f"(python+numpy {result['base_mb']:3.0f})   private {result['private_mb']:4.0f} MB   "
          f"mapped {result['mapped_mb']:4.0f} MB   learner's disk {disk_mb(cache):4.0f} MB{extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=ROOT)
    parser.add_argument("--rounds", type=int, default=3, help="second loads to time (3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        own = Path(tmp) / "own"
        env = {"NN_FROM_SCRATCH_CACHE": str(own), "NN_FROM_SCRATCH_SHARED_CACHE": ""}
        show("first load, own cache", load(args.course, env), own)
        for _ in range(args.rounds):
            show("second load, own cache", load(args.course, env), own)
        show("normalize=False too (lesson 1)", load(args.course, env, normalize=False), own)
        if not (args.course / "helpers" / "data.py").read_text().count("def build_cache"):
            return
        shared = Path(tmp) / "shared"
        subprocess.run([sys.executable, "-m", "helpers.data", "--build-cache", str(shared)],
                       cwd=args.course, check=True, env=dict(os.environ, PYTHONPATH=str(args.course)))
        print(f"shared cache: {disk_mb(shared):.0f} MB, once for everyone")
        learner = Path(tmp) / "learner"
        env = {"NN_FROM_SCRATCH_CACHE": str(learner), "NN_FROM_SCRATCH_SHARED_CACHE": str(shared)}
        for round in range(args.rounds):
            show(f"{'first' if round == 0 else 'later'} load, shared cache", load(args.course, env),
                 learner)


if __name__ == "__main__":
    main()
