"""The course's pictures: the accuracy figure, the loss curve, grids of digits, a chain of layers."""
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .files import atomic_write


def plot_accuracy(train_acc_list, test_acc_list=(), ax=None):
    """The article's figure: train (solid, o) and test (dashed, s) accuracy per epoch."""
    ax = ax if ax is not None else plt.subplots(figsize=(6, 4))[1]
    x = np.arange(len(train_acc_list))
    ax.plot(x, train_acc_list, marker="o", label="train acc")
    if len(test_acc_list):
        ax.plot(np.arange(len(test_acc_list)), test_acc_list, marker="s", linestyle="--",
                label="test acc")
    ax.set_xlabel("epochs")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.0)
    ax.legend(loc="lower right")
    return ax


def plot_loss(train_loss_list, ax=None, window=100):
    """Loss at every iteration (faint) with its moving average over ``window`` iterations."""
    ax = ax if ax is not None else plt.subplots(figsize=(6, 4))[1]
    loss = np.asarray(train_loss_list, dtype=float)
    ax.plot(loss, alpha=0.3, linewidth=0.8, label="loss per mini-batch")
    if len(loss) >= window:
        average = np.convolve(loss, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(window - 1, len(loss)), average, label=f"average of {window}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.legend(loc="upper right")
    return ax


def plot_digits(images, labels=None, predictions=None, ncols=10, size=1.0):
    """A grid of images titled with their label, or 'label→prediction' in red when wrong."""
    images = np.asarray(images)
    n = len(images)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= n:
            continue
        ax.imshow(images[k].reshape(28, 28), cmap="gray_r")
        if labels is None:
            continue
        label = int(labels[k])
        if predictions is None or int(predictions[k]) == label:
            ax.set_title(str(label), fontsize=9)
        else:
            ax.set_title(f"{label}→{int(predictions[k])}", fontsize=9, color="red")
    fig.tight_layout()
    return fig


def save_figure(fig, path, dpi=100):
    """Save ``fig`` as PNG so that ``path`` is either the old file or the complete new one."""
    with atomic_write(path) as f:
        fig.savefig(f, format="png", dpi=dpi)
    return Path(path)


def plot_chain(values, layers, ax=None):
    """Draw values[0] → [layers[0]] → values[1] → … → [layers[-1]] → values[-1], left to right.

    values: labels of what flows between the layers (e.g. "x\\n(100, 784)"), one more than
    layers: the labels of the boxes (e.g. "Affine\\nW1 (784, 50)"). A forward pass, drawn.
    """
    if len(values) != len(layers) + 1:
        raise ValueError(f"need one more value than layers, got {len(values)} and {len(layers)}")
    step = 3.0  # from one arrow to the next; a box sits halfway between them
    width = len(layers) * step
    ax = ax if ax is not None else plt.subplots(figsize=(0.7 * (width + 1.2), 1.8))[1]
    for i, label in enumerate(layers):
        ax.text((i + 0.5) * step, 0, label, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.4", facecolor="#e8eef7", edgecolor="#4a6fa5"))
    for i, label in enumerate(values):
        ax.annotate("", xy=(i * step + 0.6, 0), xytext=(i * step - 0.6, 0),
                    arrowprops=dict(arrowstyle="->", color="#555"))
        ax.text(i * step, 0.3, label, ha="center", va="bottom", fontsize=9)  # above the boxes
    ax.set_xlim(-0.6, width + 0.6)
    ax.set_ylim(-0.5, 1.1)
    ax.axis("off")
    return ax
