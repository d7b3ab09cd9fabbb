"""A dashboard to retrain the network with sliders and compare what the settings do.

    from helpers.widgets import TrainingDashboard
    TrainingDashboard()          # as the last line of a cell

Settings are chosen by validation data (検証データ): each run trains on the first 50,000
training images and its accuracy curve is measured on the last 10,000 (helpers.data's
split_validation). The test data is used only when asked, once, for the run finally chosen:
the "Test the chosen run" button or dashboard.test(run).

Works with ipywidgets 7 (Colab) and 8 (JupyterLab 4). The curves are drawn with matplotlib
into an Image widget, redrawn while a run trains, but never for more than about a sixth of
its time. The dashboard keeps the last MAX_RUNS runs, so the plot stays readable and quick.
"""
import io
import time
from dataclasses import dataclass, field

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .data import load_mnist, split_validation
from .settings import positive_number, whole_number
from .train import TrainingDiverged, train
from .two_layer_net import TwoLayerNet, init_std

EVAL_TRAIN_SIZE = 5_000  # train accuracy on a fixed subset keeps the curves quick
EVAL_POINTS = 15  # accuracy measurements per run
REDRAW_SECONDS = 0.3  # at most this often,
REDRAW_GAP = 5  # and at least this many draws' time apart, so drawing takes ~1/6 of a run
MAX_RUNS = 8  # runs kept on the plot; the oldest goes first
LOSS_POINTS = 200  # points per loss curve, however many updates the run made
# A click that reaches the kernel this soon after a run ended was made while it ran (the
# kernel reads it only then): a double-click, not a wish for a second run.
CLICK_AFTER_RUN_SECONDS = 0.5
# The learning rates the slider offers: the values the lesson asks for, 1-2-3-5 per decade.
LEARNING_RATES = (0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5,
                  1.0, 2.0, 3.0, 5.0, 10.0)
# The initial weights (重みの初期値) offered: the book's default and its two named ones.
WEIGHT_INITS = (("0.01", 0.01), ("Xavier", "xavier"), ("He", "he"))


@dataclass(eq=False)  # runs are told apart by identity: two may have the same settings
class Run:
    """One training run: its settings, what it recorded, and why it stopped if it diverged."""

    settings: dict
    history: object = field(repr=False)  # its test_acc_list holds the validation accuracies
    diverged: str = ""
    color: str = "C0"  # the same color on every redraw, whichever runs are kept
    loss_curve: tuple = field(default=None, repr=False)  # (epochs, smoothed loss) once finished
    network: object = field(default=None, repr=False)  # the trained network, for test(run)
    number: int = 0  # runs are numbered 1, 2, ... in the order they were started
    test_accuracy: float = None  # measured only by dashboard.test(run)

    @property
    def validation_accuracy(self):
        return self.history.test_acc_list[-1] if self.history.test_acc_list else None

    @property
    def label(self):
        s = self.settings
        init = dict((value, name) for name, value in WEIGHT_INITS).get(
            s["weight_init_std"], str(s["weight_init_std"]))
        text = (f"#{self.number}: lr {s['learning_rate']:.3g}, batch {s['batch_size']}, "
                f"hidden {s['hidden_size']}, {s['activation']}, init {init}, {s['epochs']} ep, "
                f"seed {s['seed']}")
        return text + (" (diverged)" if self.diverged else "")


class TrainingDashboard:
    """Sliders for the settings, a Train button, live loss and accuracy curves, kept runs."""

    def __init__(self, data=None):
        self.data = data if data is not None else load_mnist(normalize=True, one_hot_label=True)
        # Runs learn from the first part and are compared on the second; never on the test data.
        self.train_data, self.validation_data = split_validation(*self.data[0])
        self.runs = []
        self.tested = []  # the runs measured on the test data, in order
        self.current = None  # the run in progress, if any
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="420px")
        self.learning_rate = widgets.SelectionSlider(
            options=[(f"{rate:g}", rate) for rate in LEARNING_RATES], value=0.1,
            description="learning rate", style=style, layout=layout)
        self.batch_size = widgets.IntSlider(value=100, min=1, max=1000, description="batch size",
                                            style=style, layout=layout)
        self.hidden_size = widgets.IntSlider(value=50, min=5, max=200, step=5,
                                             description="hidden size", style=style, layout=layout)
        self.epochs = widgets.IntSlider(value=1, min=1, max=10, description="epochs",
                                        style=style, layout=layout)
        self.activation = widgets.Dropdown(options=["relu", "sigmoid"], value="relu",
                                           description="activation", style=style)
        self.seed = widgets.BoundedIntText(value=0, min=0, max=1_000_000, description="seed",
                                           style=style)
        self.weight_init = widgets.Dropdown(options=WEIGHT_INITS, value=0.01,
                                            description="initial weights", style=style)
        self.chosen = widgets.Dropdown(options=[], description="chosen run", style=style,
                                       layout=widgets.Layout(width="640px"))
        self.test_button = widgets.Button(description="Test the chosen run", icon="flag-checkered",
                                          layout=widgets.Layout(width="200px"),
                                          tooltip="Once, at the end: measures the run on the test data")
        self.train_button = widgets.Button(description="Train", button_style="success", icon="play")
        self.clear_button = widgets.Button(description="Clear runs", icon="trash")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="progress",
                                            style=style, layout=layout)
        self.status = widgets.HTML(value="Choose the settings and press <b>Train</b>.")
        self.plot = widgets.Image(format="png")
        # The legend goes below the plots, where it hides no curve, in a readable size.
        self.figure = Figure(figsize=(11, 5.4))
        self.loss_ax, self.acc_ax = self.figure.subplots(1, 2)
        self.figure.subplots_adjust(left=0.06, right=0.98, bottom=0.38, top=0.93, wspace=0.18)
        self.draw_seconds = 0.0  # how long the last redraw took
        self._run_ended = -float("inf")  # time.perf_counter() when the last run ended
        self._runs_started = 0
        # Anything a click prints or raises is shown here, not lost in the browser's log.
        self.log = widgets.Output()
        self.train_button.on_click(lambda _: self._in_log(self._train_clicked))
        self.clear_button.on_click(lambda _: self._in_log(self.clear))
        self.test_button.on_click(lambda _: self._in_log(self._test_clicked))
        self.widget = widgets.VBox([
            widgets.HBox([widgets.VBox([self.learning_rate, self.batch_size, self.hidden_size,
                                        self.epochs]),
                          widgets.VBox([self.activation, self.weight_init, self.seed,
                                        widgets.HBox([self.train_button, self.clear_button])])]),
            self.progress, self.status, self.plot,
            widgets.HTML(value="<b>Once, at the end:</b> measure the run you chose (by its "
                              "validation accuracy) on the test data."),
            widgets.HBox([self.chosen, self.test_button]), self.log])
        self.draw()

    def _in_log(self, action):
        self.log.clear_output()
        with self.log:
            action()

    def _train_clicked(self):
        """Train, unless the click came while a run was in progress: then ignore it."""
        if self.current is not None or (
                time.perf_counter() - self._run_ended < CLICK_AFTER_RUN_SECONDS):
            return None
        return self.train()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    def settings(self):
        """The settings the widgets show now."""
        return dict(learning_rate=float(self.learning_rate.value), batch_size=self.batch_size.value,
                    hidden_size=self.hidden_size.value, epochs=self.epochs.value,
                    activation=self.activation.value, weight_init_std=self.weight_init.value,
                    seed=self.seed.value)

    def train(self, **settings):
        """Train a new network, drawing as it goes; return the Run.

        Uses the settings the widgets show, except those given here, e.g.
        train(learning_rate=3, batch_size=100); the sliders themselves are left as they are.
        """
        s = self.settings()
        unknown = set(settings) - set(s)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; the dashboard has {sorted(s)}")
        s.update(settings)
        (x_train, t_train), (x_val, t_val) = self.train_data, self.validation_data
        s = _checked(s, len(x_train))
        iters = max(1, round(s["epochs"] * len(x_train) / s["batch_size"]))
        network = TwoLayerNet(784, s["hidden_size"], 10, weight_init_std=s["weight_init_std"],
                              activation=s["activation"], seed=s["seed"])
        color = f"C{self._runs_started % 10}"
        self._runs_started += 1
        number = self._runs_started
        self.current = Run(s, None, color=color, number=number)
        self.progress.max, self.progress.value = iters, 0
        self.train_button.disabled = True
        last_draw = [time.perf_counter()]

        def show_progress(i, history):
            self.current.history = history
            # Drawing takes time from training: wait REDRAW_GAP draws' time between draws.
            if time.perf_counter() - last_draw[0] >= max(REDRAW_SECONDS,
                                                         REDRAW_GAP * self.draw_seconds):
                self.progress.value = i + 1
                self.status.value = (f"iteration {i + 1:,} of {iters:,}: loss "
                                     f"{history.train_loss_list[-1]:.3f}")
                self.draw()
                last_draw[0] = time.perf_counter()

        try:
            # train() calls its second data set "test"; here it is the validation data.
            history = train(network, x_train, t_train, x_val, t_val, iters_num=iters,
                            batch_size=s["batch_size"], learning_rate=s["learning_rate"],
                            seed=s["seed"], progress=False, callback=show_progress,
                            eval_every=max(1, iters // EVAL_POINTS),
                            eval_train_size=EVAL_TRAIN_SIZE)
            run = Run(s, history, color=color, network=network, number=number)
            accuracy = run.validation_accuracy
            self.status.value = (f"Finished {iters:,} iterations at learning rate "
                                 f"{s['learning_rate']:.3g} in {history.total_seconds:.1f} s: "
                                 f"validation accuracy <b>{accuracy:.3f}</b>.")
            if accuracy < 0.2:  # ten classes: 0.1 is guessing
                self.status.value += (" That is chance level: the network has not learned. A "
                                      "large learning rate can silence its neurons for good; a "
                                      "small one may just need more epochs.")
        except TrainingDiverged as error:
            run = Run(s, error.history, diverged=str(error), color=color, number=number)
            self.status.value = f"<b style='color:#c00'>Diverged.</b> {error}"
        finally:
            self.train_button.disabled = False
            self.current = None
        self.progress.value = len(run.history.train_loss_list)
        run.loss_curve = _loss_curve(run.history)  # a finished run's curve never changes
        self.runs.append(run)
        if len(self.runs) > MAX_RUNS:
            del self.runs[:-MAX_RUNS]
            self.status.value += (f" (The plot keeps the last {MAX_RUNS} runs; the oldest "
                                  "was removed.)")
        self._update_choices()
        self.draw()
        self._run_ended = time.perf_counter()
        return run

    def clear(self):
        """Forget every finished run."""
        self.runs.clear()
        self._update_choices()
        self.status.value = "Runs cleared."
        self.draw()

    def _update_choices(self):
        """The runs that can be tested: the kept ones that did not diverge, best first."""
        runs = sorted((run for run in self.runs if not run.diverged),
                      key=lambda run: -run.validation_accuracy)
        self.chosen.options = [(f"{run.label}: validation {run.validation_accuracy:.3f}", run)
                               for run in runs]
        self.chosen.value = runs[0] if runs else None

    def _test_clicked(self):
        if self.chosen.value is None:
            self.status.value = "No finished run to test yet: train, then choose a run."
        else:
            self.test(self.chosen.value)

    def test(self, run):
        """Measure ``run``'s network on the test data, once, and return its test accuracy.

        Do it once, at the end, for the run chosen by validation accuracy: a setting chosen
        because its test accuracy was best fits the test data, whose accuracy then no longer
        says how the network does on digits it has never seen. A run measured before is not
        measured again; its first result is returned.
        """
        if run.diverged or run.network is None:
            raise ValueError(f"run {run.label} has no trained network to test: choose a run "
                             "that finished")
        if run.test_accuracy is None:
            (x_test, t_test) = self.data[1]
            run.test_accuracy = run.network.accuracy(x_test, t_test)
            self.tested.append(run)
        self.status.value = (f"Run {run.label}: validation accuracy "
                             f"{run.validation_accuracy:.3f}, <b>test accuracy "
                             f"{run.test_accuracy:.3f}</b>, measured once on the "
                             f"{len(self.data[1][0]):,} test images.")
        if len(self.tested) > 1:
            self.status.value += (f" <b style='color:#c00'>{len(self.tested)} runs have now "
                                  "been tested.</b> Choosing among them by test accuracy would "
                                  "make the test data validation data: its accuracy would no "
                                  "longer be an honest estimate.")
        return run.test_accuracy

    def draw(self):
        """Redraw both plots, every kept run and the one in progress, into the Image widget."""
        start = time.perf_counter()
        loss_ax, acc_ax = self.loss_ax, self.acc_ax
        loss_ax.clear()
        acc_ax.clear()
        for legend in self.figure.legends:
            legend.remove()
        runs = self.runs + ([self.current] if self.current and self.current.history else [])
        for run in runs:
            _plot_run(loss_ax, acc_ax, run)
        loss_ax.set(xlabel="epochs", ylabel="loss (moving average)", ylim=(0, LOSS_TOP),
                    title="loss (✕: diverged there)")
        acc_ax.set(xlabel="epochs", ylabel="accuracy", ylim=(0, 1),
                   title=f"validation (solid) and train (dashed, first {EVAL_TRAIN_SIZE:,} images)")
        if runs:  # below the plots, so that it hides no curve however many runs there are
            handles, labels = acc_ax.get_legend_handles_labels()
            self.figure.legend(handles, labels, loc="upper center", ncol=2, fontsize=10,
                               bbox_to_anchor=(0.5, 0.25), frameon=False)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=80)
        self.plot.value = buffer.getvalue()
        self.draw_seconds = time.perf_counter() - start


LOSS_TOP = 3  # the loss plot's upper limit; the first loss is about 2.3


def _checked(s, train_size):
    """The dashboard's settings, checked as everywhere else in the course (helpers.settings)."""
    return dict(s, learning_rate=positive_number(s["learning_rate"], "learning_rate"),
                batch_size=whole_number(s["batch_size"], "batch_size", maximum=train_size),
                hidden_size=whole_number(s["hidden_size"], "hidden_size"),
                epochs=whole_number(s["epochs"], "epochs"),
                seed=whole_number(s["seed"], "seed", minimum=0),
                weight_init_std=_checked_init(s["weight_init_std"]))


def _checked_init(value):
    init_std(value, 1)  # refuses what the network would refuse, with the choices
    return value.lower() if isinstance(value, str) else float(value)


def _loss_curve(history):
    """(epochs, moving average of the loss), at most LOSS_POINTS points of it."""
    loss = np.asarray(history.train_loss_list, dtype=float)
    loss = loss[np.isfinite(loss)]
    if not len(loss):
        return np.empty(0), np.empty(0)
    window = max(1, len(loss) // 50)
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
    epochs = (np.arange(len(smooth)) + window) / history.iter_per_epoch
    keep = np.unique(np.linspace(0, len(smooth) - 1, LOSS_POINTS).round().astype(int))
    return epochs[keep], smooth[keep]


def _plot_run(loss_ax, acc_ax, run):
    history, color = run.history, run.color
    epochs, smooth = run.loss_curve if run.loss_curve is not None else _loss_curve(history)
    loss_ax.plot(epochs, smooth, color=color, linestyle=":" if run.diverged else "-",
                 label=run.label)
    if run.diverged:  # mark where it stopped: a run that diverges at once is no visible line
        at = len(history.train_loss_list) / history.iter_per_epoch
        loss_ax.plot([at], [min(smooth[-1], 0.95 * LOSS_TOP) if len(smooth) else 0.95 * LOSS_TOP],
                     color=color, marker="X", markersize=12, markeredgecolor="black",
                     linestyle="none", label="_diverged", clip_on=False)
    # Iteration i is the (i + 1)-th update: x counts epochs of updates done.
    at = (np.asarray(history.epoch_iterations) + 1) / history.iter_per_epoch
    acc_ax.plot(at, history.test_acc_list, color=color, marker="o", markersize=3, label=run.label)
    acc_ax.plot(at, history.train_acc_list, color=color, linestyle="--")
