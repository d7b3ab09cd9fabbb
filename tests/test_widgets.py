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
def dashboard(mnist):
    return TrainingDashboard(data=mnist)


def set_sliders(d, learning_rate=0.5, batch_size=200, hidden_size=20, epochs=1,
                activation="relu", seed=3):
    d.learning_rate.value = learning_rate
    d.batch_size.value = batch_size
    d.hidden_size.value = hidden_size
    d.epochs.value = epochs
    d.activation.value = activation
    d.seed.value = seed


def lines_of(ax):
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_defaults_and_ranges(dashboard):
    assert dashboard.settings() == dict(learning_rate=0.1, batch_size=100, hidden_size=50,
                                        epochs=1, activation="relu", seed=0)
    assert dashboard.learning_rate.min == -3 and dashboard.learning_rate.max == 1  # 1e-3 .. 10
    assert (dashboard.batch_size.min, dashboard.batch_size.max) == (1, 1000)
    assert bytes(dashboard.plot.value).startswith(PNG) and dashboard.runs == []


def test_click_train_records_the_run_and_draws_it(dashboard, monkeypatch):
    monkeypatch.setattr(dashboard_module, "REDRAW_SECONDS", 0.02)
    frames = []
    dashboard.plot.observe(lambda change: frames.append(bytes(change["new"])), names="value")
    set_sliders(dashboard)
    dashboard.train_button.click()

    (run,) = dashboard.runs
    history = run.history
    assert len(history.train_loss_list) == 300  # 1 epoch of 60,000 in batches of 200
    assert history.epoch_iterations == list(range(0, 300, 20)) + [299]
    assert history.test_acc_list[-1] > 0.85 and not run.diverged
    assert dashboard.progress.value == dashboard.progress.max == 300
    assert "test accuracy" in dashboard.status.value
    assert len(frames) > 10, "the curves must update during the run, not only at the end"
    assert all(frame.startswith(PNG) for frame in frames)

    (loss_line,) = lines_of(dashboard.loss_ax)
    (acc_line,) = lines_of(dashboard.acc_ax)
    assert acc_line.get_label() == "lr 0.5, batch 200, hidden 20, relu, 1 ep, seed 3"
    np.testing.assert_allclose(acc_line.get_ydata(), history.test_acc_list)
    np.testing.assert_allclose(acc_line.get_xdata()[-1], 1.0)  # 300 of 300 updates
    assert loss_line.get_ydata()[-1] < loss_line.get_ydata()[0]
    assert len(dashboard.acc_ax.get_legend().get_texts()) == 1


def test_runs_are_overlaid_and_can_be_cleared(dashboard):
    set_sliders(dashboard, batch_size=1000, epochs=2)
    dashboard.train_button.click()
    set_sliders(dashboard, batch_size=100, epochs=1, learning_rate=0.1)
    dashboard.train_button.click()
    labels = [line.get_label() for line in lines_of(dashboard.acc_ax)]
    assert labels == ["lr 0.5, batch 1000, hidden 20, relu, 2 ep, seed 3",
                      "lr 0.1, batch 100, hidden 20, relu, 1 ep, seed 3"]
    # Both on an x axis of epochs, so different batch sizes compare fairly.
    assert [round(line.get_xdata()[-1], 2) for line in lines_of(dashboard.acc_ax)] == [2.0, 1.0]
    dashboard.clear_button.click()
    assert dashboard.runs == [] and lines_of(dashboard.acc_ax) == []
    assert dashboard.acc_ax.get_legend() is None


def test_a_diverging_run_is_shown_as_such(dashboard):
    set_sliders(dashboard, learning_rate=10)
    dashboard.train_button.click()
    (run,) = dashboard.runs
    assert "the learning rate (10) is too large" in run.diverged
    assert run.label.endswith("(diverged)")
    assert "Diverged" in dashboard.status.value and "iteration" in dashboard.status.value
    (loss_line,) = lines_of(dashboard.loss_ax)
    assert loss_line.get_linestyle() == ":" and np.all(np.isfinite(loss_line.get_ydata()))
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
    dashboard.train(learning_rate=3.0, batch_size=200)
    assert "chance" in dashboard.status.value and "learning rate" in dashboard.status.value
