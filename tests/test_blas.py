"""The course's BLAS thread limit: on inside its calls, the learner's setting untouched outside."""
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from helpers import blas
from helpers.train import train
from helpers.two_layer_net import TwoLayerNet


def blas_threads_now():
    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


@pytest.fixture
def three_blas_threads():
    """The learner's own setting, which the course must leave as it found it."""
    with threadpool_limits(limits=3, user_api="blas"):
        assert blas_threads_now() == 3
        yield


def test_training_steps_run_with_one_thread_and_the_setting_is_restored(mnist, three_blas_threads):
    (x_train, t_train), (x_test, t_test) = mnist
    seen = []
    train(TwoLayerNet(784, 20, 10, activation="relu", seed=0), x_train, t_train,
          iters_num=5, batch_size=50, seed=0, progress=False,
          callback=lambda i, history: seen.append(blas_threads_now()))
    assert seen == [blas.STEP_THREADS] * 5
    assert blas_threads_now() == 3


def test_network_methods_limit_threads_only_while_they_run(mnist, three_blas_threads, monkeypatch):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 20, 10, seed=0)
    seen = {}
    scores = network._scores

    def spy(x):
        seen.setdefault(len(x), blas_threads_now())
        return scores(x)

    monkeypatch.setattr(network, "_scores", spy)
    network.loss(x_train[:7], t_train[:7])
    network.accuracy(x_train[:20_000], t_train[:20_000])  # two chunks of 10,000
    assert seen == {7: blas.STEP_THREADS, 10_000: blas.EVAL_THREADS}
    assert blas_threads_now() == 3


def test_eval_threads_are_bounded_by_the_cpus_this_process_may_use():
    assert 1 <= blas.EVAL_THREADS <= min(blas.MAX_EVAL_THREADS, blas.available_cpus())


@pytest.mark.parametrize("files, quota", [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu.max": "50000 100000\n"}, 0.5),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
    ({}, None),
])
def test_cgroup_cpu_quota_v1_and_v2(tmp_path, files, quota):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert blas.cgroup_cpu_quota(str(tmp_path)) == quota


@pytest.mark.parametrize("quota, cpus", [(None, 2), (0.5, 1), (1.5, 1), (8.0, 2)])
def test_a_cgroup_quota_bounds_the_cpus(monkeypatch, quota, cpus):
    monkeypatch.setattr(blas.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(blas, "cgroup_cpu_quota", lambda: quota)
    assert blas.available_cpus() == cpus


def test_without_threadpoolctl_the_course_still_trains(mnist, monkeypatch):
    monkeypatch.setattr(blas, "ThreadpoolController", None)
    (x_train, t_train), (x_test, t_test) = mnist
    network = TwoLayerNet(784, 20, 10, activation="relu", seed=0)
    train(network, x_train, t_train, iters_num=200, seed=0, progress=False)
    assert network.accuracy(x_test, t_test) > 0.8 and blas.blas_threads() is None
    with blas.limit_threads(1):
        assert np.ones((2, 2)) @ np.ones(2) is not None
