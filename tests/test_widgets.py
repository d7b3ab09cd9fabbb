"""The retraining dashboard, driven headless: set sliders, click Train, read what it drew.

These tests also run in an environment pinned to Colab's versions (ipywidgets 7.7);
see test_colab_versions.py.
"""
import numpy as np
import pytest

from helpers import widgets as dashboard_module
from helpers.widgets import TrainingDashboard

PNG = b"\x89PNG"


@pytest.fixture
def dashboard(mnist, monkeypatch):
    # Clicks in these tests come one right after another run, faster than any person's.
    monkeypatch.setattr(dashboard_module, "CLICK_AFTER_RUN_SECONDS", 0)
    return TrainingDashboard(data=mnist)


def set_sliders(d, learning_rate=0.5, batch_size=200, hidden_size=20, epochs=1,
                activation="relu", seed=3, weight_init=0.01):
    d.learning_rate.value = learning_rate
    d.batch_size.value = batch_size
    d.hidden_size.value = hidden_size
    d.epochs.value = epochs
    d.activation.value = activation
    d.seed.value = seed
    d.weight_init.value = weight_init


def lines_of(ax):
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_defaults_and_ranges(dashboard):
    assert dashboard.settings() == dict(learning_rate=0.1, batch_size=100, hidden_size=50,
                                        epochs=1, activation="relu", weight_init_std=0.01, seed=0)
    assert [value for _, value in dashboard.weight_init.options] == [0.01, "xavier", "he"]
    # Every learning rate the lesson asks for is on the slider, exactly.
    rates = [value for _, value in dashboard.learning_rate.options]
    assert rates[0] == 0.001 and rates[-1] == 10 and {0.001, 0.01, 0.5, 1, 3, 10} <= set(rates)
    assert dashboard.learning_rate.label == "0.1"
    assert (dashboard.batch_size.min, dashboard.batch_size.max) == (1, 1000)
    assert bytes(dashboard.plot.value).startswith(PNG) and dashboard.runs == []


def test_click_train_records_the_run_and_draws_it(dashboard, monkeypatch):
    monkeypatch.setattr(dashboard_module, "REDRAW_SECONDS", 0.02)
    monkeypatch.setattr(dashboard_module, "REDRAW_GAP", 0)
    frames = []
    dashboard.plot.observe(lambda change: frames.append(bytes(change["new"])), names="value")
    set_sliders(dashboard)
    dashboard.train_button.click()

    (run,) = dashboard.runs
    history = run.history
    assert len(history.train_loss_list) == 250  # 1 epoch of 50,000 in batches of 200
    assert history.epoch_iterations == list(range(0, 250, 16)) + [249]
    assert history.test_acc_list[-1] > 0.85 and not run.diverged
    assert dashboard.progress.value == dashboard.progress.max == 250
    assert "validation accuracy" in dashboard.status.value and "test" not in dashboard.status.value
    assert len(frames) > 10, "the curves must update during the run, not only at the end"
    assert all(frame.startswith(PNG) for frame in frames)

    (loss_line,) = lines_of(dashboard.loss_ax)
    (acc_line,) = lines_of(dashboard.acc_ax)
    assert acc_line.get_label() == "#1: lr 0.5, batch 200, hidden 20, relu, init 0.01, 1 ep, seed 3"
    np.testing.assert_allclose(acc_line.get_ydata(), history.test_acc_list)
    np.testing.assert_allclose(acc_line.get_xdata()[-1], 1.0)  # 250 of 250 updates
    assert loss_line.get_ydata()[-1] < loss_line.get_ydata()[0]
    (legend,) = dashboard.figure.legends
    assert [text.get_text() for text in legend.get_texts()] == [acc_line.get_label()]


def test_runs_are_overlaid_and_can_be_cleared(dashboard):
    set_sliders(dashboard, batch_size=1000, epochs=2)
    dashboard.train_button.click()
    set_sliders(dashboard, batch_size=100, epochs=1, learning_rate=0.1)
    dashboard.train_button.click()
    labels = [line.get_label() for line in lines_of(dashboard.acc_ax)]
    assert labels == ["#1: lr 0.5, batch 1000, hidden 20, relu, init 0.01, 2 ep, seed 3",
                      "#2: lr 0.1, batch 100, hidden 20, relu, init 0.01, 1 ep, seed 3"]
    # Both on an x axis of epochs, so different batch sizes compare fairly.
    assert [round(line.get_xdata()[-1], 2) for line in lines_of(dashboard.acc_ax)] == [2.0, 1.0]
    dashboard.clear_button.click()
    assert dashboard.runs == [] and lines_of(dashboard.acc_ax) == []
    assert dashboard.figure.legends == [] and dashboard.chosen.options == ()


def test_a_diverging_run_is_shown_as_such(dashboard):
    set_sliders(dashboard, learning_rate=10)
    dashboard.train_button.click()
    (run,) = dashboard.runs
    assert "the learning rate (10) is too large" in run.diverged
    assert run.label.endswith("(diverged)")
    assert "Diverged" in dashboard.status.value and "iteration" in dashboard.status.value
    (loss_line,) = lines_of(dashboard.loss_ax)
    assert loss_line.get_linestyle() == ":" and np.all(np.isfinite(loss_line.get_ydata()))
    # It diverged after a few updates: a line too short to see, so a marker shows where.
    (marker,) = [line for line in dashboard.loss_ax.get_lines() if line.get_marker() == "X"]
    assert marker.get_color() == loss_line.get_color()
    np.testing.assert_allclose(marker.get_xdata(), [len(run.history.train_loss_list) / 250])
    assert 0 < marker.get_ydata()[0] <= dashboard.loss_ax.get_ylim()[1]
    assert not dashboard.train_button.disabled
    assert bytes(dashboard.plot.value).startswith(PNG)


def test_the_same_settings_give_the_same_run(dashboard):
    set_sliders(dashboard, batch_size=500)
    first = dashboard.train()
    second = dashboard.train()
    assert first.history.train_loss_list == second.history.train_loss_list
    dashboard.seed.value = 4
    assert dashboard.train().history.train_loss_list != first.history.train_loss_list


def test_what_a_click_prints_goes_to_the_dashboards_output_widget(dashboard, monkeypatch):
    assert dashboard.log in dashboard.widget.children
    entered = []
    monkeypatch.setattr(type(dashboard.log), "__enter__", lambda self: entered.append(self))
    monkeypatch.setattr(type(dashboard.log), "__exit__", lambda self, *exc: None)
    set_sliders(dashboard, batch_size=1000)
    dashboard.train_button.click()
    dashboard.clear_button.click()
    # Each click enters the log (clear_output enters it too, to clear it).
    assert len(entered) >= 2 and all(widget is dashboard.log for widget in entered)
    assert len(dashboard.runs) == 0  # the clear click ran too


def test_train_from_code_with_settings_leaves_the_sliders_alone(dashboard):
    run = dashboard.train(learning_rate=10.0, batch_size=500)
    assert run.settings["learning_rate"] == 10.0 and run.settings["batch_size"] == 500
    assert run.diverged and "learning rate (10) is too large" in run.diverged
    assert dashboard.learning_rate.value == 0.1 and dashboard.batch_size.value == 100
    with pytest.raises(ValueError, match="unknown settings \\['momentum'\\]"):
        dashboard.train(momentum=0.9)


def test_a_run_that_stops_learning_is_called_out(dashboard):
    dashboard.train(learning_rate=2.0, batch_size=200)  # seed 0: every ReLU falls silent
    assert "chance" in dashboard.status.value and "learning rate" in dashboard.status.value


def test_a_double_click_trains_once(dashboard, monkeypatch):
    """The kernel reads a second click only when the first run has ended: it is ignored."""
    monkeypatch.setattr(dashboard_module, "CLICK_AFTER_RUN_SECONDS", 0.5)
    set_sliders(dashboard, batch_size=1000)
    dashboard.train_button.click()
    dashboard.train_button.click()  # arrives as soon as the first run ends
    assert len(dashboard.runs) == 1
    dashboard._run_ended -= 0.5  # a person's next click, half a second later, trains again
    dashboard.train_button.click()
    assert len(dashboard.runs) == 2


def test_a_click_during_a_run_is_ignored(dashboard, monkeypatch):
    monkeypatch.setattr(dashboard_module, "REDRAW_SECONDS", 0)
    monkeypatch.setattr(dashboard_module, "REDRAW_GAP", 0)
    draw, clicks = dashboard.draw, []

    def draw_and_click():
        if dashboard.current is not None:  # a click handled while the run is in progress
            clicks.append(dashboard.train_button.click())
        draw()

    monkeypatch.setattr(dashboard, "draw", draw_and_click)
    dashboard.train(batch_size=1000)
    assert len(clicks) > 1 and len(dashboard.runs) == 1


@pytest.mark.parametrize("settings, message", [
    (dict(batch_size=0), "batch_size must be a whole number from 1 to 50000, not 0"),
    (dict(batch_size=60_000), "batch_size must be a whole number from 1 to 50000"),
    (dict(batch_size=50.5), "batch_size must be a whole number, not 50.5"),
    (dict(learning_rate=0), "learning_rate must be a positive finite number, not 0"),
    (dict(learning_rate=float("nan")), "learning_rate must be a positive finite number"),
    (dict(epochs=0), "epochs must be a whole number at least 1, not 0"),
    (dict(hidden_size=True), "hidden_size must be a whole number, not True"),
    (dict(seed=-1), "seed must be a whole number at least 0, not -1"),
    (dict(weight_init_std="glorot"), "weight_init_std must be a positive number or one of"),
    (dict(weight_init_std=0), "weight_init_std must be a positive finite number, not 0"),
])
def test_settings_are_checked_as_everywhere_else_before_anything_runs(dashboard, settings, message):
    with pytest.raises(ValueError, match=message.replace("(", "\\(")):
        dashboard.train(**settings)
    assert dashboard.runs == [] and dashboard.current is None
    assert not dashboard.train_button.disabled


def test_runs_kept_are_capped_and_the_redraw_stays_bounded(dashboard):
    for seed in range(dashboard_module.MAX_RUNS + 2):
        dashboard.train(batch_size=1000, hidden_size=5, seed=seed)
    assert [run.settings["seed"] for run in dashboard.runs] == list(range(2, 12))[:dashboard_module.MAX_RUNS]
    assert "keeps the last 8 runs" in dashboard.status.value
    assert len(lines_of(dashboard.acc_ax)) == dashboard_module.MAX_RUNS
    # Each run keeps the same color when older ones go, and its loss curve is computed once.
    assert len({run.color for run in dashboard.runs}) == dashboard_module.MAX_RUNS
    assert all(len(run.loss_curve[0]) <= dashboard_module.LOSS_POINTS for run in dashboard.runs)


def test_a_long_run_draws_at_most_loss_points(dashboard):
    run = dashboard.train(batch_size=20, hidden_size=5)  # 2,500 updates
    assert len(run.history.train_loss_list) == 2500
    (line,) = lines_of(dashboard.loss_ax)
    assert len(line.get_xdata()) <= dashboard_module.LOSS_POINTS
    np.testing.assert_allclose(line.get_xdata()[-1], 1.0)


def test_the_legend_hides_no_curve_with_a_full_dashboard(dashboard):
    for seed in range(dashboard_module.MAX_RUNS):
        dashboard.train(batch_size=1000, hidden_size=5, seed=seed)
    dashboard.draw()
    (legend,) = dashboard.figure.legends
    box = legend.get_window_extent()
    for ax in (dashboard.loss_ax, dashboard.acc_ax):
        assert not box.overlaps(ax.get_window_extent()), "the legend covers a plot"
    assert len(legend.get_texts()) == dashboard_module.MAX_RUNS
    assert min(text.get_fontsize() for text in legend.get_texts()) >= 9


def test_the_initialisation_choice_sets_the_initial_weights(dashboard, monkeypatch):
    made, real = [], dashboard_module.TwoLayerNet

    def recording_network(*args, **kwargs):
        network = real(*args, **kwargs)
        made.append((network.params["W1"].std(), network.params["W2"].std()))
        return network

    monkeypatch.setattr(dashboard_module, "TwoLayerNet", recording_network)
    for weight_init in (0.01, "xavier", "he"):
        set_sliders(dashboard, batch_size=1000, hidden_size=50, weight_init=weight_init)
        dashboard.train_button.click()
    (small, xavier, he) = made
    np.testing.assert_allclose(small, [0.01, 0.01], rtol=0.1)
    np.testing.assert_allclose(xavier, [1 / 28, 1 / np.sqrt(50)], rtol=0.1)
    np.testing.assert_allclose(he, [np.sqrt(2) / 28, np.sqrt(2 / 50)], rtol=0.1)
    assert [run.label.split(", ")[4] for run in dashboard.runs] == [
        "init 0.01", "init Xavier", "init He"]
    # The same seed: the same draws, scaled, so the runs differ by the initialisation alone.
    assert dashboard.runs[0].history.train_loss_list != dashboard.runs[1].history.train_loss_list


def test_runs_learn_on_training_data_and_are_compared_on_validation_data(dashboard, monkeypatch):
    (x_train, _), (x_test, _) = dashboard.data
    (x_part, _), (x_val, t_val) = dashboard.train_data, dashboard.validation_data
    assert len(x_part) == 50_000 and len(x_val) == 10_000
    assert np.shares_memory(x_val, x_train) and not np.shares_memory(x_val, x_test)
    measured = []
    accuracy = dashboard_module.TwoLayerNet.accuracy
    monkeypatch.setattr(dashboard_module.TwoLayerNet, "accuracy",
                        lambda self, x, t, **kw: measured.append(x) or accuracy(self, x, t, **kw))
    set_sliders(dashboard, batch_size=500)
    dashboard.train_button.click()
    (run,) = dashboard.runs
    assert measured and not any(np.shares_memory(x, x_test) for x in measured), (
        "training must not look at the test data")
    assert any(x is x_val for x in measured)
    assert run.test_accuracy is None and dashboard.tested == []
    # The solid curve is the validation accuracy, and says so.
    assert run.validation_accuracy == run.history.test_acc_list[-1] == pytest.approx(
        accuracy(run.network, x_val, t_val))
    assert dashboard.acc_ax.get_title().startswith("validation (solid)")
    assert "test" not in dashboard.acc_ax.get_title()


def test_the_test_data_is_measured_only_on_request_and_once(dashboard, mnist):
    (_, _), (x_test, t_test) = mnist
    dashboard.test_button.click()  # nothing to test yet
    assert "No finished run" in dashboard.status.value and dashboard.tested == []
    worse = dashboard.train(batch_size=1000, learning_rate=0.01)
    better = dashboard.train(batch_size=200)
    dashboard.train(learning_rate=10.0)  # diverged: not offered
    assert better.validation_accuracy > worse.validation_accuracy
    assert [run for _, run in dashboard.chosen.options] == [better, worse]
    assert dashboard.chosen.value is better and dashboard.tested == []
    assert all(run.test_accuracy is None for run in dashboard.runs)

    dashboard.test_button.click()
    assert better.test_accuracy == better.network.accuracy(x_test, t_test) > 0.85
    assert worse.test_accuracy is None and dashboard.tested == [better]
    assert "test accuracy" in dashboard.status.value and "once" in dashboard.status.value
    dashboard.test_button.click()  # a double-click: the same run is not measured again
    assert dashboard.tested == [better] and "runs have now been tested" not in dashboard.status.value

    assert dashboard.test(worse) == worse.test_accuracy  # a second run tested: a warning
    assert dashboard.tested == [better, worse]
    assert "2 runs have now been tested" in dashboard.status.value
    with pytest.raises(ValueError, match="no trained network to test"):
        dashboard.test(dashboard.runs[-1])
