"""Plots (PNG): heatmaps of the matrices and the focus timeline. Uses matplotlib's Agg backend."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from miner.report.text import short

if TYPE_CHECKING:
    from miner.analysis import Analysis

# Fixed metadata keeps the PNG bytes reproducible for the same analysis.
PNG_METADATA = {"Software": None}


def heatmap(frame: pd.DataFrame, title: str, path: Path, *, percent: bool) -> Path:
    values = frame.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(8, 6.5), dpi=110)
    shown = np.ma.masked_invalid(values)
    image = ax.imshow(shown, cmap="YlOrRd", vmin=0)
    labels = [short(str(p)) for p in frame.columns]
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(frame.index)), [short(str(p)) for p in frame.index])
    ax.set_xlabel("to phase")
    ax.set_ylabel("focus / from phase")
    ax.set_title(title)
    peak = np.nanmax(values) if np.isfinite(values).any() else 0
    for (row, col), value in np.ndenumerate(values):
        if np.isfinite(value) and value > 0:
            label = f"{100 * value:.0f}%" if percent else f"{value:.0f}"
            ax.text(
                col,
                row,
                label,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > 0.6 * peak else "black",
            )
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(path, metadata=PNG_METADATA)
    plt.close(fig)
    return path


def timeline(analysis: Analysis, path: Path) -> Path:
    phases = list(analysis.phases)
    fig, ax = plt.subplots(figsize=(11, 4.5), dpi=110)
    commits = [c for c in analysis.commits if c.classification.primary is not None]
    if commits:
        when = np.array(
            [c.record.authored_at.astimezone(UTC).replace(tzinfo=None) for c in commits],
            dtype="datetime64[s]",
        )
        primary = [phases.index(c.classification.primary or "") for c in commits]
        focus = [phases.index(c.focus or "") for c in commits]
        ax.scatter(when, primary, s=10, color="tab:blue", label="primary phase", zorder=3)
        ax.step(when, focus, where="post", color="tab:orange", label="focus", linewidth=1.5)
        revisit = [i for i, c in enumerate(commits) if c.event == "revisit"]
        ax.scatter(
            [when[i] for i in revisit],
            [primary[i] for i in revisit],
            s=40,
            facecolors="none",
            edgecolors="tab:red",
            label="revisit",
            zorder=4,
        )
    ax.set_yticks(range(len(phases)), [short(p) for p in phases])
    ax.set_title("Phase and focus over time")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata=PNG_METADATA)
    plt.close(fig)
    return path


def write(analysis: Analysis, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    m = analysis.matrices
    return [
        heatmap(
            m.overlap_rate,
            "Overlap rate (focus → phase)",
            directory / "overlap_rate.png",
            percent=True,
        ),
        heatmap(
            m.revisits, "Revisit events (focus → phase)", directory / "revisits.png", percent=False
        ),
        heatmap(
            m.transition_probabilities,
            "Transition probabilities",
            directory / "transitions.png",
            percent=True,
        ),
        timeline(analysis, directory / "timeline.png"),
    ]
