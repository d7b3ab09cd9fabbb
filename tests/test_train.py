"""The article's training loop on the real MNIST."""
import numpy as np
import pytest

from helpers.train import TrainingDiverged, batch_masks, train
from helpers.two_layer_net import TwoLayerNet


def quick_run(mnist, seed=0, **options):
    (x_train, t_train), (x_test, t_test) = mnist
    network = TwoLayerNet(784, 50, 10, activation="relu", seed=seed)
    settings = dict(iters_num=1200, batch_size=100, learning_rate=0.1, seed=seed, progress=False)
    settings.update(options)
    return network, train(network, x_train, t_train, x_test, t_test, **settings)


def test_a_short_seeded_run_learns_mnist(mnist):
    network, history = quick_run(mnist)
    assert len(history.train_loss_list) == 1200
    assert history.iter_per_epoch == 600
    assert history.epoch_iterations == [0, 600]  # the article's `i % iter_per_epoch == 0`
    assert history.test_acc_list[-1] > 0.9 and history.train_acc_list[-1] > 0.9
    assert history.test_acc_list[0] < 0.5
    assert np.mean(history.train_loss_list[-100:]) < np.mean(history.train_loss_list[:100]) / 3
    assert history.train_seconds > 0 and history.eval_seconds > 0
    (x_train, t_train), (x_test, t_test) = mnist
    assert network.accuracy(x_test, t_test) > 0.9


def test_same_seed_same_run_and_another_seed_another_run(mnist):
    net_a, a = quick_run(mnist, iters_num=300)
    net_b, b = quick_run(mnist, iters_num=300)
    _, c = quick_run(mnist, seed=1, iters_num=300)
    assert a.train_loss_list == b.train_loss_list and a.test_acc_list == b.test_acc_list
    for key in net_a.params:
        np.testing.assert_array_equal(net_a.params[key], net_b.params[key])
    assert a.train_loss_list != c.train_loss_list


def test_one_evaluation_per_epoch_even_when_epochs_are_fractional(mnist):
    (x_train, t_train), _ = mnist
    history = train(TwoLayerNet(784, 20, 10, seed=0), x_train[:1000], t_train[:1000],
                    iters_num=60, batch_size=128, seed=0, progress=False)
    assert history.iter_per_epoch == 1000 / 128
    assert history.epoch_iterations == [0, 8, 16, 24, 32, 40, 47, 55]
    assert history.test_acc_list == [] and len(history.train_acc_list) == 8


def test_shuffled_epochs_see_every_example_once():
    batches = batch_masks(np.random.default_rng(0), 1000, 100, "shuffle")
    first_epoch = np.concatenate([next(batches) for _ in range(10)])
    np.testing.assert_array_equal(np.sort(first_epoch), np.arange(1000))
    second_epoch = np.concatenate([next(batches) for _ in range(10)])
    assert not np.array_equal(first_epoch, second_epoch)


def test_random_batches_are_drawn_with_replacement_as_in_the_article():
    seen = np.concatenate([m for m, _ in zip(batch_masks(np.random.default_rng(0), 1000, 100,
                                                         "random"), range(10))])
    assert len(np.unique(seen)) < 1000  # about 1 - 1/e of them: some drawn twice, some never


def test_shuffle_sampling_trains_too(mnist):
    _, history = quick_run(mnist, sampling="shuffle")
    assert history.test_acc_list[-1] > 0.9


def test_callback_sees_every_step_and_can_stop(mnist):
    seen = []

    def callback(i, history):
        seen.append((i, len(history.train_loss_list)))
        return i < 4

    _, history = quick_run(mnist, callback=callback)
    assert seen == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    assert len(history.train_loss_list) == 5


def test_too_large_learning_rate_stops_with_a_clear_message(mnist):
    with pytest.raises(TrainingDiverged, match=r"loss exploded .* at iteration \d+: the learning "
                                               r"rate \(100\) is too large") as error:
        quick_run(mnist, learning_rate=100)
    assert error.value.iteration < 20
    assert len(error.value.history.train_loss_list) == error.value.iteration + 1


def test_nan_in_the_initial_weights_is_blamed_on_them_not_the_learning_rate(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 50, 10, seed=0)
    network.params["W2"][3, 0] = np.nan
    before = {key: value.copy() for key, value in network.params.items()}
    with pytest.raises(ValueError, match=r"initial weight W2 holds NaN or infinite values \(1 of "
                                         r"its 50 rows, the first is row 3\).*not the learning rate"):
        train(network, x_train, t_train, iters_num=10, progress=False)
    for key in before:  # refused before a single update
        np.testing.assert_array_equal(network.params[key], before[key])


def test_nan_or_infinity_in_the_data_is_blamed_on_the_data(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    network = TwoLayerNet(784, 50, 10, seed=0)
    damaged = np.array(x_test[:1000])
    damaged[[17, 400], 5] = [np.inf, np.nan]
    with pytest.raises(ValueError, match=r"x_test holds NaN or infinite values \(2 of its 1000 "
                                         r"rows, the first is row 17\).*not the learning rate"):
        train(network, x_train, t_train, damaged, t_test[:1000], iters_num=10, progress=False)
    # Large but finite data whose sum overflows float32 is not mistaken for damage.
    huge = np.full((100, 784), 1e36, dtype=np.float32)
    train(network, huge, t_train[:100], iters_num=1, learning_rate=1e-30, progress=False)


def test_a_loss_that_is_nan_before_any_update_does_not_blame_the_learning_rate(mnist):
    (x_train, t_train), _ = mnist

    class BrokenNet(TwoLayerNet):
        def loss_and_gradient(self, x, t):
            loss, grad = super().loss_and_gradient(x, t)
            return float("nan"), grad

    with pytest.raises(TrainingDiverged, match="loss was nan at iteration 0, before any update, "
                                               "so it is not the learning rate") as error:
        train(BrokenNet(784, 50, 10, seed=0), x_train, t_train, iters_num=10, progress=False)
    assert "too large" not in str(error.value)


def test_weights_that_overflow_during_training_blame_the_learning_rate(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 50, 10, seed=0)
    with pytest.raises(TrainingDiverged, match=r"loss (became NaN|became infinite|exploded to \S+) "
                                               r"\(it started at 2.3\) at iteration \d+: the "
                                               r"learning rate \(1e\+38\) is too large"):
        train(network, x_train, t_train, iters_num=50, learning_rate=1e38, seed=0, progress=False)


def test_whole_numbers_may_come_as_floats_as_everywhere_else(mnist):
    (x_train, t_train), _ = mnist
    seen = []
    network = TwoLayerNet(784, 50, 10, seed=0)
    history = train(network, x_train, t_train, iters_num=10.0, batch_size=100.0, eval_every=5.0,
                    progress=False, callback=lambda i, h: seen.append(i))
    assert seen == list(range(10)) and history.settings["batch_size"] == 100
    assert history.epoch_iterations == [0, 5, 9]


def test_verbose_prints_the_articles_line(mnist, capsys):
    quick_run(mnist, iters_num=601, verbose=True)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("train acc")]
    assert len(lines) == 2
    assert lines[0].startswith("train acc, test acc | 0.")


@pytest.mark.parametrize("options, message", [
    (dict(batch_size=60001), "batch_size must be a whole number from 1 to 60000"),
    (dict(batch_size=0), "batch_size"),
    (dict(batch_size=50.5), "batch_size must be a whole number, not 50.5"),
    (dict(batch_size=True), "batch_size must be a whole number, not True"),
    (dict(iters_num=float("nan")), "iters_num must be a whole number, not nan"),
    (dict(iters_num="100"), "iters_num must be a whole number"),
    (dict(learning_rate=True), "learning_rate must be a positive finite number"),
    (dict(learning_rate=0), "learning_rate must be a positive finite number"),
    (dict(learning_rate=-0.1), "learning_rate"),
    (dict(learning_rate=float("nan")), "learning_rate"),
    (dict(learning_rate=float("inf")), "learning_rate"),
    (dict(iters_num=0), "iters_num"),
    (dict(sampling="sequential"), "sampling must be one of"),
])
def test_bad_settings_are_refused_before_training(mnist, options, message):
    with pytest.raises(ValueError, match=message):
        quick_run(mnist, **options)


def test_mismatched_data_is_refused(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    network = TwoLayerNet(784, 50, 10)
    with pytest.raises(ValueError, match="x_train has 60000 examples but t_train has 100"):
        train(network, x_train, t_train[:100], progress=False)
    with pytest.raises(ValueError, match="both x_test and t_test"):
        train(network, x_train, t_train, x_test, progress=False)


def test_eval_every_and_a_fixed_train_subset(mnist):
    (x_train, t_train), (x_test, t_test) = mnist
    network = TwoLayerNet(784, 50, 10, activation="relu", seed=0)
    history = train(network, x_train, t_train, x_test, t_test, iters_num=95, eval_every=20,
                    eval_train_size=1000, seed=0, progress=False)
    assert history.epoch_iterations == [0, 20, 40, 60, 80, 94]  # and after the last iteration
    assert history.train_acc_list[-1] == network.accuracy(x_train[:1000], t_train[:1000])
    assert history.test_acc_list[-1] == network.accuracy(x_test, t_test)
    with pytest.raises(ValueError, match="eval_every must be a whole number at least 1, not 0"):
        train(network, x_train, t_train, iters_num=5, eval_every=0, progress=False)


def test_one_hard_example_in_a_tiny_batch_is_not_divergence(mnist):
    (x_train, t_train), _ = mnist
    network = TwoLayerNet(784, 50, 10, activation="relu", seed=0)
    history = train(network, x_train, t_train, iters_num=2000, batch_size=1, learning_rate=0.1,
                    seed=0, progress=False)
    first = history.train_loss_list[0]
    assert max(history.train_loss_list) > 10 * first  # single examples spike past 10x ...
    assert len(history.train_loss_list) == 2000  # ... without stopping the run
