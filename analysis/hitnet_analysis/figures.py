"""The paper's figures from hitnet results, as matplotlib Figures (save with out="x.png").

- distributions(run): weights before/after quantization and activations before/after the
  nonlinearity and after quantization (HitNet's distribution figure);
- learning_curves(runs): valid (solid) and train (dashed) perplexity per epoch;
- degradation_bars(tree): final perplexity per quantization setting, with the increase over
  the full-precision run of the same cell;
- sloping_factor_curves(tree): final perplexity against the sloping factor lambda.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd

from .run import Run, load_run
from .tree import CELL, SLOPING_FACTOR, degradation_table, quant_label

STAGE_ORDER = {"weights": ("full", "quantized"), "activations": ("pre", "post", "quantized")}
STAGE_TITLES = {"full": "full precision", "quantized": "quantized", "pre": "pre-activation",
                "post": "post-activation"}


def _save(fig, out):
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=110, bbox_inches="tight")
    return fig


def _draw_histogram(ax, record):
    """Bars for a continuous tensor; stems at the levels with their fractions for a tensor
    with at most three values (a ternary quantizer's output), which bins would hide."""
    levels = record.levels
    if levels is not None:
        values, fractions = levels
        ax.bar(values, fractions, width=0.08 * max(np.ptp(record.edges), 1e-12), color="C3")
        for v, p in zip(values, fractions):
            ax.annotate(f"{p:.2f}", (v, p), ha="center", va="bottom", fontsize=8)
        ax.set_ylabel("fraction")
    else:
        total = max(record.counts.sum(), 1)
        ax.stairs(record.counts / total, record.edges, fill=True, color="C0", alpha=0.8)
        ax.set_ylabel("fraction per bin")
    s = record.stats
    ax.set_xlabel(f"mean {s.get('mean', np.nan):.3g}, std {s.get('std', np.nan):.3g}, "
                  f"zeros {s.get('frac_zero', np.nan):.1%}", fontsize=7)
    ax.margins(y=0.15)  # room for the level annotations


def distributions(run, epoch="last", kinds=("weights", "activations"), tensors=None, out=None):
    """One row per tensor, one column per stage (weights: full, quantized; activations:
    pre, post, quantized) at one epoch ("last" = the latest with histograms)."""
    run = run if isinstance(run, Run) else load_run(run)
    frame = run.histograms(epoch=epoch, kind=list(kinds), tensor=tensors)
    if frame.empty:
        raise ValueError(f"{run.h5_path}: no histograms for epoch {epoch!r} "
                         f"(epochs with histograms: {run.histogram_epochs})")
    groups = list(frame.groupby(["kind", "tensor"], sort=False))
    ncols = max(len(STAGE_ORDER.get(kind, ())) for (kind, _), _ in groups)
    fig, axes = plt.subplots(len(groups), ncols, figsize=(3.2 * ncols, 2.2 * len(groups)),
                             squeeze=False)
    for row, ((kind, tensor), rows) in enumerate(groups):
        by_stage = {r.stage: r.record for r in rows.itertuples()}
        for col in range(ncols):
            ax = axes[row][col]
            stages = STAGE_ORDER.get(kind, tuple(sorted(by_stage)))
            if col >= len(stages) or stages[col] not in by_stage:
                ax.axis("off")
                continue
            _draw_histogram(ax, by_stage[stages[col]])
            ax.set_title(f"{tensor} {STAGE_TITLES.get(stages[col], stages[col])}", fontsize=9)
    fig.suptitle(f"{run.name}: distributions at epoch {int(frame['epoch'].iloc[0])}")
    fig.tight_layout()
    return _save(fig, out)


def _as_runs(runs):
    """A Run, a path, a list of either, or a tree DataFrame -> [Run]. Of a tree, the runs
    with a readable results file (not those known only from summary.json)."""
    if isinstance(runs, pd.DataFrame):
        runs = list(runs["results_file"].dropna())
    if isinstance(runs, (Run, str, Path)):
        runs = [runs]
    return [r if isinstance(r, Run) else load_run(r) for r in runs]


def learning_curves(runs, label=None, out=None):
    """Valid (solid) and train (dashed) perplexity per epoch, one colour per run. `label`
    maps a Run to its legend text (default: its name)."""
    runs = [r for r in _as_runs(runs) if not r.metrics.empty]
    if not runs:
        raise ValueError("no runs with per-epoch metrics")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, run in enumerate(runs):
        m = run.metrics
        text = label(run) if label else run.name
        ax.plot(m["epoch"], m["valid_ppl"], color=f"C{i % 10}", label=text)
        ax.plot(m["epoch"], m["train_ppl"], color=f"C{i % 10}", linestyle="--", alpha=0.6)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("perplexity (valid solid, train dashed)")
    ax.set_yscale("log")
    if len(runs) > 8:  # many runs: legend beside the plot rather than over the curves
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, out)


def degradation_bars(tree, metric="test_ppl", out=None):
    """Final perplexity per quantization setting (bars grouped by cell); each bar is
    annotated with its increase over that cell's full-precision run when there is one.
    Several runs with one setting (seeds, lambdas) show their best value."""
    table = degradation_table(tree, metric).dropna(subset=[metric])
    if table.empty:
        raise ValueError("no finished runs with a " + metric)
    best = table.groupby([CELL, "quant"], as_index=False).agg(
        value=(metric, "min"), degradation=("degradation", "min"))
    cells = list(best[CELL].unique())
    quants = sorted(best["quant"].unique(), key=lambda q: (q != "W fp / A fp", q))
    width = 0.8 / len(cells)
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(quants) + 2), 4.5))
    x = np.arange(len(quants))
    for i, cell in enumerate(cells):
        rows = best[best[CELL] == cell].set_index("quant").reindex(quants)
        bars = ax.bar(x + (i - (len(cells) - 1) / 2) * width, rows["value"], width, label=str(cell))
        for bar, d in zip(bars, rows["degradation"]):
            if np.isfinite(d) and d != 0:
                ax.annotate(f"{d:+.1f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, quants, rotation=20, ha="right")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title("degradation from quantization (annotation: increase over full precision)")
    ax.set_ylim(0, 1.12 * np.nanmax(best["value"]))
    ax.legend(title="cell", loc="lower right")
    fig.tight_layout()
    return _save(fig, out)


def sloping_factor_curves(tree, metric="test_ppl", out=None):
    """Final perplexity against the sloping factor lambda, one line per quantization
    setting and cell."""
    table = degradation_table(tree, metric).dropna(subset=[metric])
    if SLOPING_FACTOR not in table or table[SLOPING_FACTOR].nunique() < 2:
        raise ValueError(f"needs finished runs with at least two values of {SLOPING_FACTOR}")
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for (cell, quant), rows in table.groupby([CELL, "quant"]):
        curve = rows.groupby(SLOPING_FACTOR)[metric].min().sort_index()
        ax.plot(curve.index, curve.values, marker="o", label=f"{cell}: {quant}")
    ax.set_xlabel("sloping factor λ (σ(x/λ), tanh(x/λ))")
    ax.set_ylabel(metric.replace("_", " "))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, out)


__all__ = ["distributions", "learning_curves", "degradation_bars", "sloping_factor_curves",
           "quant_label"]
