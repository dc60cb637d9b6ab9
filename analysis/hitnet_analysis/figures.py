"""The paper's figures from hitnet results, as matplotlib Figures (save with out="x.png").

- distributions(run): one run's weights and activations before and after quantization;
- compare_distributions(runs): the same tensors of several runs side by side (FP vs HitNet);
- learning_curves(runs): perplexity per epoch, plus gradient norms, clipped batches and
  quantization errors in extra panels when the runs recorded them;
- degradation_bars(tree): test perplexity per quantization scheme, with the increase over
  full precision;
- sloping_factor_curves(tree): test and best validation perplexity against λ (log axis);
- paper_comparison(tree): measured test perplexity beside the paper's.

Every figure draws what there is: runs still training, diverged runs and a tree with a
single λ show as such instead of raising. When there is nothing at all to draw, the figure
says so in words and carries that text in `fig.hitnet_note` (reports then skip it).
Runs are named by `label` (tree column or argument; see labels.py), one colour per label.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator
import numpy as np
import pandas as pd

from .labels import SLOPING_FACTOR as SLOPING_KEY, describe_quant, flat_config, run_labels, scheme_rank
from .paper import paper_number
from .run import Run, load_run
from .tree import CELL, SLOPING_FACTOR, flatten, quant_label  # noqa: F401 (quant_label re-exported)

STAGE_ORDER = {"weights": ("full", "quantized"), "activations": ("pre", "post", "quantized")}
STAGE_TITLES = {"full": "full precision", "quantized": "quantized", "pre": "pre-activation",
                "post": "post-activation"}
GATE_NAMES = {"i": "input gate", "f": "forget gate", "o": "output gate", "g": "candidate, tanh",
              "c": "cell: tanh(c)", "h": "hidden output", "r": "reset gate", "z": "update gate",
              "n": "candidate, tanh", "w_ih": "input weights", "w_hh": "recurrent weights"}
GATE_ORDER = ("w_ih", "w_hh", "i", "f", "o", "g", "c", "r", "z", "n", "h")
UNFINISHED = ("running", "interrupted", "stopped", "pending")
DPI = 110


def _save(fig, out):
    """Writes the figure as PNG when `out` is given. Every figure here lays itself out
    (layout="constrained": titles, labels and legends inside the canvas), so no second
    "tight" pass is needed."""
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=DPI)
    return fig


def _message_figure(text, out=None, size=(6, 2.5)):
    """A figure that says why there is nothing to draw (and remembers it in hitnet_note)."""
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    ax.axis("off")
    ax.text(0.5, 0.5, textwrap.fill(text, 60), ha="center", va="center", fontsize=11,
            transform=ax.transAxes)
    fig.hitnet_note = text
    return _save(fig, out)


def _fit(text, fig, fontsize=10):
    """A title wrapped to the figure's width (constrained layout does not shrink titles)."""
    chars = int(fig.get_figwidth() * 72 / (0.55 * fontsize))  # average glyph ≈ 0.55 em
    return "\n".join(textwrap.wrap(str(text), max(chars, 20)))


def _wrap(label, width=18):
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _colors(labels):
    """One colour per distinct label, in order of first appearance."""
    out = {}
    for label in labels:
        out.setdefault(label, f"C{len(out) % 10}")
    return out


def _tensor_title(tensor: str) -> str:
    """"lstm0.w_hh" -> "lstm0.w_hh (recurrent weights)"."""
    short = tensor.split(".")[-1]
    return f"{tensor} ({GATE_NAMES[short]})" if short in GATE_NAMES else tensor


# Stages whose generic name would mislead: the LSTM cell's "pre" is the cell state itself.
SPECIAL_STAGE_TITLES = {("c", "pre"): "cell state c_t", ("c", "post"): "tanh(c_t)",
                        ("h", "post"): "output h_t", ("embedding", "post"): "output"}


def _stage_title(tensor: str, stage: str) -> str:
    short = tensor.split(".")[-1]
    return f"{tensor}: " + SPECIAL_STAGE_TITLES.get((short, stage), STAGE_TITLES.get(stage, stage))


def _tensor_key(tensor: str):
    layer, _, short = tensor.rpartition(".")
    return (layer, GATE_ORDER.index(short) if short in GATE_ORDER else len(GATE_ORDER), short)


def _as_runs(runs):
    """A Run, a path, or a list of either -> [Run]."""
    if isinstance(runs, (Run, str, Path)):
        runs = [runs]
    return [r if isinstance(r, Run) else load_run(r) for r in runs]


def _run_labels(runs, labels):
    """Labels for Run objects: a function Run -> text, a list, or derived from their configs."""
    if callable(labels):
        return [labels(r) for r in runs]
    if labels is not None:
        return list(labels)
    return run_labels([flatten(r.config) for r in runs],
                      hashes=[r.attrs.get("config_hash") for r in runs])


def _frame_runs(tree, labels=None):
    """(runs, labels, statuses) from a tree DataFrame (the runs with a readable results
    file, named by its label column) or from Runs/paths."""
    if isinstance(tree, pd.DataFrame):
        readable = tree[tree["results_file"].notna()] if "results_file" in tree else tree.iloc[:0]
        runs = [load_run(p) for p in readable["results_file"]]
        names = list(readable["label"]) if "label" in readable else _run_labels(runs, None)
        statuses = list(readable["status"])
        return runs, (names if labels is None else _run_labels(runs, labels)), statuses
    runs = _as_runs(tree)
    return runs, _run_labels(runs, labels), [r.status for r in runs]


# --- distributions -----------------------------------------------------------------------

def _draw_histogram(ax, record, color="C0"):
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
        ax.stairs(record.counts / total, record.edges, fill=True, color=color, alpha=0.8)
        ax.set_ylabel("fraction per bin")
    s = record.stats
    ax.set_xlabel(f"value  (mean {s.get('mean', np.nan):.3g}, std {s.get('std', np.nan):.3g}, "
                  f"zeros {s.get('frac_zero', np.nan):.1%})", fontsize=7)
    ax.margins(y=0.15)  # room for the level annotations


def distributions(run, epoch="last", kinds=("weights", "activations"), tensors=None, out=None,
                  title=None):
    """One row per tensor, one column per stage (weights: full, quantized; activations:
    pre, post, quantized) at one epoch ("last" = the latest with histograms). A run without
    histograms yet gives a figure saying so; an epoch asked for by number that has none is
    an error (ValueError naming the epochs there are)."""
    run = run if isinstance(run, Run) else load_run(run)
    title = title or run.name
    frame = run.histograms(epoch=epoch, kind=list(kinds), tensor=tensors)
    if frame.empty:
        if epoch == "last" or not run.histogram_epochs:
            return _message_figure(f"{title}: no histograms yet (status {run.status}, "
                                   f"{len(run.metrics)} epochs done)", out)
        raise ValueError(f"{run.h5_path}: no histograms for epoch {epoch!r} "
                         f"(epochs with histograms: {run.histogram_epochs})")
    groups = sorted(frame.groupby(["kind", "tensor"], sort=False),
                    key=lambda g: (g[0][0] != "weights", _tensor_key(g[0][1])))
    # One column per stage that some tensor of the kind has (a full-precision run has no
    # "quantized" column).
    present = {kind: [s for s in STAGE_ORDER.get(kind, ()) if s in set(rows["stage"])]
               for kind, rows in frame.groupby("kind")}
    ncols = max(max(len(v) for v in present.values()), 1)
    fig, axes = plt.subplots(len(groups), ncols, figsize=(3.4 * ncols, 2.4 * len(groups)),
                             squeeze=False, layout="constrained")
    for row, ((kind, tensor), rows) in enumerate(groups):
        by_stage = {r.stage: r.record for r in rows.itertuples()}
        stages = present.get(kind) or sorted(by_stage)
        for col in range(ncols):
            ax = axes[row][col]
            if col >= len(stages) or stages[col] not in by_stage:
                ax.axis("off")
                continue
            _draw_histogram(ax, by_stage[stages[col]])
            ax.set_title(_stage_title(tensor, stages[col]), fontsize=9)
    fig.suptitle(_fit(f"{title}: distributions at epoch {int(frame['epoch'].iloc[0])}", fig, 11),
                 fontsize=11)
    return _save(fig, out)


def _before_stage(kind):
    return "full" if kind == "weights" else "post"


def _central_range(record, mass=0.998):
    """The value range holding the central `mass` of a histogram's counts (bin edges)."""
    cumulative = np.cumsum(record.counts) / max(record.counts.sum(), 1)
    lo = np.searchsorted(cumulative, (1 - mass) / 2)
    hi = np.searchsorted(cumulative, 1 - (1 - mass) / 2)
    return record.edges[lo], record.edges[min(hi + 1, len(record.edges) - 1)]


def compare_distributions(runs, labels=None, epoch="last", tensors=None, out=None):
    """Several runs' tensors side by side: per tensor (rows) the distribution before
    quantization (full-precision weights, activations after the nonlinearity; one outline per
    run, as densities so that different ranges compare) and after it (each quantized run's
    levels with their fractions, or its histogram when it has more than three levels).
    Tensors: the recurrent layers' weights and gates (`tensors` picks others)."""
    runs, names, _ = _frame_runs(runs, labels)
    colors = _colors(names)
    per_run = []
    for run, name in zip(runs, names):
        frame = run.histograms(epoch=epoch if epoch != "last" else
                               (run.histogram_epochs[-1] if run.histogram_epochs else -1))
        if not frame.empty:
            per_run.append((name, run, frame))
    if not per_run:
        return _message_figure("no histograms yet in " + (", ".join(names) or "these runs"), out)
    def wanted(t):
        if tensors is not None:
            return t in tensors
        short = t.split(".")[-1]
        return "." in t and short in GATE_ORDER
    names_seen = sorted({(k, t) for _, _, f in per_run for k, t in zip(f["kind"], f["tensor"])
                         if wanted(t)}, key=lambda kt: (kt[0] != "weights", _tensor_key(kt[1])))
    if not names_seen:
        return _message_figure("none of the requested tensors has histograms", out)
    fig, axes = plt.subplots(len(names_seen), 2, figsize=(10, 2.5 * len(names_seen)),
                             squeeze=False, layout="constrained")
    for row, (kind, tensor) in enumerate(names_seen):
        before, after = axes[row]
        quantized, befores = [], []
        for name, run, frame in per_run:
            rows = frame[(frame["kind"] == kind) & (frame["tensor"] == tensor)]
            stages = {r.stage: r.record for r in rows.itertuples()}
            record = stages.get(_before_stage(kind))
            if record is not None:
                befores.append(record)
                widths = np.diff(record.edges)
                density = record.counts / max(record.counts.sum(), 1) / np.where(widths > 0, widths, 1)
                before.stairs(density, record.edges, color=colors[name], linewidth=1.4,
                              label=name)
            if "quantized" in stages:
                quantized.append((name, stages["quantized"]))
        if kind == "weights" and befores:  # long thin tails would squeeze the bell to a line
            lo, hi = zip(*(_central_range(r) for r in befores))
            before.set_xlim(min(lo), max(hi))
        before.set_title(f"{_tensor_title(tensor)}: before quantization", fontsize=9)
        before.set_ylabel("density")
        before.set_xlabel("weight value" if kind == "weights" else "activation value", fontsize=8)
        if not quantized:
            after.text(0.5, 0.5, "not quantized in these runs", ha="center", va="center",
                       transform=after.transAxes, fontsize=9, color="0.4")
            after.set_xticks([]), after.set_yticks([])
        width = 0.8 / max(len(quantized), 1)
        for i, (name, record) in enumerate(quantized):
            levels = record.levels
            if levels is not None:
                values, fractions = levels
                positions = np.arange(len(values)) + (i - (len(quantized) - 1) / 2) * width
                bars = after.bar(positions, fractions, width * 0.95, color=colors[name], label=name)
                for bar, v, p in zip(bars, values, fractions):
                    after.annotate(f"{v + 0.0:.2g}: {p:.0%}",  # + 0.0: no "-0"
                                   (bar.get_x() + bar.get_width() / 2, p),
                                   ha="center", va="bottom", fontsize=8)
                after.set_xticks([])
                after.set_xlabel("levels (value: fraction)", fontsize=8)
            else:
                total = max(record.counts.sum(), 1)
                after.stairs(record.counts / total, record.edges, color=colors[name], label=name)
                after.set_xlabel("quantized value", fontsize=8)
        if quantized:
            after.set_ylabel("fraction")
            after.set_ylim(0, 1.15 * max(max(r.levels[1]) if r.levels is not None
                                         else (r.counts / max(r.counts.sum(), 1)).max()
                                         for _, r in quantized))
        after.set_title(f"{_tensor_title(tensor)}: after quantization", fontsize=9)
    epochs = ", ".join(f"{name} epoch {int(f['epoch'].iloc[0])}" for name, _, f in per_run)
    fig.suptitle(_fit(f"Distributions before and after quantization ({epochs})", fig, 11),
                 fontsize=11)
    axes[0][0].legend(fontsize=8, loc="best")  # the runs' colours, once
    return _save(fig, out)


# --- learning curves ---------------------------------------------------------------------

def _plain_log_axis(ax, fine=False):
    """A log y axis labelled 100, 200, 300, 500 (not 10^2 and bare minor ticks); `fine` adds 120
    and 150, so a fine-tuning curve that stays between 100 and 200 still reads."""
    ax.set_yscale("log")
    labelled = (1.2, 1.5, 2, 3, 5) if fine else (1, 2, 3, 5)
    if fine:
        ax.yaxis.set_minor_locator(LogLocator(subs=(1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))

    def minor(v, _):
        mantissa = round(v / 10 ** np.floor(np.log10(v)), 2) if v > 0 else 0
        return f"{v:g}" if mantissa in labelled else ""
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))
    ax.tick_params(axis="y", which="minor", labelsize=9)


def _qerr_columns(metrics):
    return [c for c in metrics.columns if c.startswith("qerr.")]


def _is_weight_tensor(name: str) -> bool:
    short = name.split(".")[-1]
    return short.startswith("w_") or short in ("weight", "bias")


def learning_curves(runs, label=None, out=None, diagnostics=True, title=None):
    """Validation (solid) and training (dashed) perplexity per epoch, one colour per run
    (a band shows validation's spread over sampled passes when there is one). When the runs
    recorded them and `diagnostics` is on, extra panels: gradient norm before clipping (mean
    solid, max dotted, the clip threshold grey), the percentage of clipped batches, and the
    relative quantization error ||Q(x)-x||/||x|| (one run: per tensor; several: the mean over
    weight tensors solid and over activation tensors dashed). `runs`: a tree DataFrame (its
    label column names the runs), Runs or paths; `label`: a function Run -> text or a list."""
    runs, names, statuses = _frame_runs(runs, label)
    colors = _colors(names)
    drawn = [(r, n, s) for r, n, s in zip(runs, names, statuses) if not r.metrics.empty]
    waiting = [n for r, n in zip(runs, names) if r.metrics.empty]
    if not drawn:
        return _message_figure("no run has finished an epoch yet"
                               + (f" ({', '.join(waiting)})" if waiting else ""), out)
    metrics = [r.metrics for r, _, _ in drawn]
    panels = ["ppl"]
    if diagnostics and any({"grad_norm_mean", "grad_norm_max"} & set(m) for m in metrics):
        panels.append("grad")
    if diagnostics and any("clipped_frac" in m for m in metrics):
        panels.append("clipped")
    if diagnostics and any(_qerr_columns(m) for m in metrics):
        panels.append("qerr")
    # Many runs or long names: the legend goes beside the panels, its entries wrapped, so it
    # neither covers a curve nor runs off the figure.
    many = len(drawn) > 6 or any(len(n) > 40 for n in names)
    fig, axes = plt.subplots(len(panels), 1, sharex=True, layout="constrained",
                             figsize=(12 if many else 7.5, 3.6 + 2.6 * (len(panels) - 1)),
                             squeeze=False)
    axes = {p: a for p, a in zip(panels, axes[:, 0])}
    dots = {"marker": ".", "markersize": 4}  # a run of one epoch is a point, not a line
    clips = set()
    for run, name, status in drawn:
        m, color = run.metrics, colors[name]
        text = name if status in ("finished", None) else f"{name} ({status})"
        ax = axes["ppl"]
        ax.plot(m["epoch"], m["valid_ppl"], color=color, marker="o", markersize=3,
                label=textwrap.fill(text, 50) if many else text)
        if "valid_ppl_std" in m and (m["valid_ppl_std"].fillna(0) > 0).any():
            ax.fill_between(m["epoch"], m["valid_ppl"] - m["valid_ppl_std"],
                            m["valid_ppl"] + m["valid_ppl_std"], color=color, alpha=0.2)
        ax.plot(m["epoch"], m["train_ppl"], color=color, linestyle="--", alpha=0.7, **dots)
        if status == "diverged":
            ax.plot(m["epoch"].iloc[-1], m["valid_ppl"].iloc[-1], marker="X", markersize=10,
                    color=color, linestyle="none")
        if "grad" in axes:
            if "grad_norm_mean" in m:
                axes["grad"].plot(m["epoch"], m["grad_norm_mean"], color=color, **dots)
            if "grad_norm_max" in m:
                axes["grad"].plot(m["epoch"], m["grad_norm_max"], color=color, linestyle=":",
                                  **dots)
            clip = (run.config.get("train") or {}).get("clip")
            if isinstance(clip, (int, float)) and clip > 0:
                clips.add(float(clip))
        if "clipped" in axes and "clipped_frac" in m:
            axes["clipped"].plot(m["epoch"], 100 * m["clipped_frac"], color=color, marker="o",
                                 markersize=3)
        if "qerr" in axes:
            columns = _qerr_columns(m)
            if len(drawn) == 1:
                for i, c in enumerate(columns):
                    axes["qerr"].plot(m["epoch"], m[c], color=f"C{i % 10}",
                                      linestyle="-" if _is_weight_tensor(c) else "--",
                                      label=c[len("qerr."):], **dots)
            else:
                for weights, style in ((True, "-"), (False, "--")):
                    group = [c for c in columns if _is_weight_tensor(c) == weights]
                    if group:
                        axes["qerr"].plot(m["epoch"], m[group].mean(axis=1), color=color,
                                          linestyle=style, **dots)
    ax = axes["ppl"]
    _plain_log_axis(ax, fine=True)
    ax.set_ylabel("perplexity")
    ax.set_title(_fit(title or "Perplexity per epoch: validation (solid), training (dashed)", fig),
                 fontsize=10)
    if waiting:  # in the legend, where it cannot cover a curve
        ax.plot([], [], linestyle="none",
                label="no epoch yet:\n" + "\n".join(textwrap.fill(w, 50) for w in waiting)
                if many else "no epoch yet: " + ", ".join(waiting))
    if many:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        ax.legend(fontsize=8)
    if "grad" in axes:
        ax = axes["grad"]
        for clip in sorted(clips):
            ax.axhline(clip, color="0.5", linewidth=1)
            ax.annotate(f"clip {clip:g}", (0.01, clip), xycoords=("axes fraction", "data"),
                        fontsize=7, color="0.4", va="bottom")
        _plain_log_axis(ax)
        ax.set_ylabel("gradient norm")
        ax.set_title("Gradient norm before clipping: mean (solid), max (dotted)", fontsize=10)
    if "clipped" in axes:
        axes["clipped"].set_ylabel("batches clipped (%)")
        axes["clipped"].set_ylim(-3, 103)
        axes["clipped"].set_title("Batches whose gradient norm exceeded the clip", fontsize=10)
    if "qerr" in axes:
        ax = axes["qerr"]
        ax.set_ylabel("‖Q(x) − x‖ / ‖x‖")
        if len(drawn) == 1:
            ax.set_title("Relative quantization error per tensor (weights solid, activations "
                         "dashed)", fontsize=10)
            ax.legend(fontsize=7, ncols=2, loc="upper left", bbox_to_anchor=(1.01, 1))
        else:
            ax.set_title("Relative quantization error: mean over weights (solid), over "
                         "activations (dashed)", fontsize=10)
    bottom = axes[panels[-1]]
    bottom.set_xlabel("epoch")
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    first = min(float(m["epoch"].min()) for m in metrics)
    last = max(float(m["epoch"].max()) for m in metrics)
    if last - first < 2:  # runs of one epoch: whole epochs on the axis, not 0.945 ... 1.05
        middle = round((first + last) / 2)
        bottom.set_xlim(middle - 1, middle + 1)
        bottom.set_xticks([middle - 1, middle, middle + 1])
    else:  # the epochs drawn and half an epoch either side, no empty epoch 0 before epoch 1
        bottom.set_xlim(first - 0.5, last + 0.5)
    for a in axes.values():
        a.grid(alpha=0.3)
    return _save(fig, out)


# --- study summaries ---------------------------------------------------------------------

def _tree_with_labels(tree, ignore=()):
    """The tree's rows with `group` (a label that leaves out `ignore`, e.g. seeds), `scheme`
    (the quantization in words, "FP" for full precision) and `rank` (FP, weights only,
    activations only, both, HitNet: the order of the bars)."""
    tree = tree.copy()
    configs = [flat_config(r) for _, r in tree.iterrows()]
    tree["group"] = run_labels(configs, ignore=ignore, distinct=False) if len(tree) else []
    tree["scheme"] = [describe_quant(c) for c in configs]
    tree["rank"] = [scheme_rank(c) for c in configs]
    return tree


def _groups_in_order(tree):
    ranks = tree.groupby("group")["rank"].min()
    return sorted(ranks.index, key=lambda g: (ranks[g], g))


def _headline(tree, metric):
    column = "headline_test_ppl" if metric == "test_ppl" and "headline_test_ppl" in tree else metric
    return pd.to_numeric(tree.get(column, pd.Series(np.nan, index=tree.index)), errors="coerce")


def degradation_bars(tree, metric="test_ppl", out=None, title=None):
    """Test perplexity per quantization scheme: one bar per label (seeds pooled: the bar is
    their mean, dots the seeds), annotated with the value and the increase over the
    full-precision run of the same cell and corpus. A sampled mean ± std (stochastic
    evaluation) shows as a black error bar. Schemes without a finished run show their status
    (running, diverged, ...) in place of a bar. `metric` "test_ppl" means the headline
    (deterministic where recorded)."""
    if tree is None or len(tree) == 0:
        return _message_figure("no runs", out)
    tree = _tree_with_labels(tree, ignore=("seed",))
    tree["value"] = _headline(tree, metric)
    groups = _groups_in_order(tree)
    finished = tree[tree["value"].notna() & (tree["status"] == "finished")]
    fp = {}
    for _, r in finished[finished["scheme"] == "FP"].iterrows():
        fp.setdefault((r.get(CELL), r.get("config.data.corpus")), []).append(r["value"])
    fp = {k: float(np.mean(v)) for k, v in fp.items()}
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(groups) + 2), 4.8), layout="constrained")
    top = finished["value"].max() if len(finished) else 1.0
    x = np.arange(len(groups))
    for i, group in enumerate(groups):
        rows = tree[tree["group"] == group]
        done = rows[rows["value"].notna() & (rows["status"] == "finished")]
        if done.empty:  # no number yet: say what the runs are doing
            states = ", ".join(sorted(set(rows["status"].astype(str))))
            ax.bar(i, top, 0.7, color="none", edgecolor="0.6", hatch="//", linewidth=0.8)
            ax.text(i, 0.5 * top, states, ha="center", va="center", fontsize=9,
                    rotation=90, color="0.2", backgroundcolor="white")
            continue
        value = done["value"].mean()
        scheme = done["scheme"].iloc[0]
        color = "0.55" if scheme == "FP" else ("C3" if scheme.startswith("HitNet") else "C0")
        ax.bar(i, value, 0.7, color=color)
        if len(done) > 1:
            ax.plot([i] * len(done), done["value"], "o", color="k", markersize=3)
        text_at = value
        sample = pd.to_numeric(done.get("test_ppl_sample", pd.Series(dtype=float)), errors="coerce")
        if sample.notna().any():
            std = pd.to_numeric(done.get("test_ppl_sample_std"), errors="coerce").fillna(0)
            ax.errorbar(i + 0.2, sample.mean(), yerr=std.mean(), fmt="D", color="k",
                        markersize=4, capsize=3)
            text_at = max(value, sample.mean() + std.mean())
        base = fp.get((done.iloc[0].get(CELL), done.iloc[0].get("config.data.corpus")))
        text = f"{value:.1f}"
        if base is not None and scheme != "FP":
            text += f"\n({value - base:+.1f})"
        ax.annotate(text, (i, text_at), ha="center", va="bottom", fontsize=9,
                    textcoords="offset points", xytext=(0, 2))
    for base in fp.values():
        ax.axhline(base, color="0.4", linestyle="--", linewidth=1)
    ax.set_xticks(x, [_wrap(g) for g in groups], fontsize=9)
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_xlabel("quantization scheme")
    ax.set_ylabel("test perplexity" + (" (deterministic evaluation)"
                                       if (tree.get("headline_mode") == "deterministic").any() else ""))
    ax.set_ylim(0, 1.18 * top)
    ax.set_title(_fit(title or "Degradation from quantization (above each bar: its test "
                      "perplexity and the increase over full precision, the dashed line)", fig),
                 fontsize=10)
    if "test_ppl_sample" in tree and pd.to_numeric(tree["test_ppl_sample"], errors="coerce").notna().any():
        ax.errorbar([], [], yerr=[], fmt="D", color="k", markersize=4, label="sampled mean ± std")
        ax.legend(fontsize=8, loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, out)


def sloping_factor_curves(tree, metric="test_ppl", out=None, title=None):
    """Test perplexity (solid, filled markers) and best validation perplexity (dashed, open
    markers) against the sloping factor λ on a log axis, one colour per scheme (seeds pooled:
    the mean, seeds as dots). Unfinished runs show their best validation so far (grey-edged
    markers, "running"), diverged runs a cross at the top. Works with a single λ."""
    if tree is None or len(tree) == 0 or SLOPING_FACTOR not in tree:
        return _message_figure(f"no runs with {SLOPING_FACTOR}", out)
    tree = _tree_with_labels(tree, ignore=("seed", SLOPING_KEY))
    tree["value"] = _headline(tree, metric)
    tree["valid"] = pd.to_numeric(tree.get("best_valid_ppl"), errors="coerce")
    tree["lam"] = pd.to_numeric(tree[SLOPING_FACTOR], errors="coerce")
    tree = tree[tree["lam"] > 0]
    if tree.empty:
        return _message_figure("no runs with a positive sloping factor", out)
    colors = _colors(_groups_in_order(tree))
    fig, ax = plt.subplots(figsize=(7, 4.8), layout="constrained")
    values = pd.concat([tree["value"], tree["valid"]]).dropna()
    top = values.max() if len(values) else 1.0
    unfinished_label = "unfinished: best valid so far"
    for group, rows in tree.groupby("group"):
        color = colors[group]
        done = rows[rows["status"] == "finished"]
        test = done.groupby("lam")["value"].mean().dropna()
        valid = done.groupby("lam")["valid"].mean().dropna()
        ax.plot(test.index, test.values, "-o", color=color, label=f"{group}: test")
        ax.plot(valid.index, valid.values, "--o", color=color, markerfacecolor="white",
                label=f"{group}: best valid")
        if done.groupby("lam").size().max() > 1:
            ax.plot(done["lam"], done["value"], ".", color="k", markersize=4)
        sample = pd.to_numeric(done.get("test_ppl_sample", pd.Series(dtype=float)), errors="coerce")
        if sample.notna().any():
            std = pd.to_numeric(done.get("test_ppl_sample_std"), errors="coerce").fillna(0)
            ax.errorbar(done["lam"] * 1.04, sample, yerr=std, fmt="D", color=color,
                        markersize=4, capsize=3, alpha=0.7, label=f"{group}: sampled mean ± std")
        for _, r in rows[rows["status"].isin(UNFINISHED)].iterrows():
            if pd.notna(r["valid"]):
                ax.plot(r["lam"], r["valid"], "s", color=color, markerfacecolor="none",
                        markeredgecolor="0.3", markersize=8, label=unfinished_label)
                unfinished_label = None  # one legend entry
                ax.annotate(f"{r['status']}, epoch {int(r['epochs'])}", (r["lam"], r["valid"]),
                            textcoords="offset points", xytext=(6, 4), fontsize=7, color="0.3")
        for _, r in rows[rows["status"].isin(("diverged", "failed"))].iterrows():
            ax.plot(r["lam"], top * 1.1, "X", color=color, markersize=9)
            ax.annotate(r["status"], (r["lam"], top * 1.1), textcoords="offset points",
                        xytext=(6, -3), fontsize=7)
    lams = sorted(tree["lam"].unique())
    ax.set_xscale("log")
    ax.set_xticks(lams, [f"{v:g}" for v in lams])
    ax.minorticks_off()
    ax.set_xlim(lams[0] / 1.6, lams[-1] * 1.6)
    ax.set_ylim(top=top * 1.2)
    ax.set_xlabel("sloping factor λ in σ(x/λ), tanh(x/λ)  (log scale)")
    ax.set_ylabel("perplexity")
    finished = tree.loc[(tree["status"] == "finished") & tree["value"].notna(), "lam"].nunique()
    note = {0: " (no λ finished yet)", 1: " (one λ finished so far)"}.get(finished, "")
    ax.set_title(_fit((title or "Perplexity against the sloping factor λ") + note, fig), fontsize=10)
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return _save(fig, out)


def paper_comparison(tree, out=None, title=None):
    """Measured test perplexity (bars; deterministic evaluation where recorded) beside the
    paper's number for the same cell and scheme (black bar edge line) and the previous best
    ternary result the paper cites (grey). Runs without a paper number show their value
    alone; unfinished runs their status."""
    if tree is None or len(tree) == 0:
        return _message_figure("no runs", out)
    tree = tree.copy()
    tree["value"] = _headline(tree, "test_ppl")
    labels = list(tree["label"]) if "label" in tree else list(tree["name"])
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(tree) + 2), 4.8), layout="constrained")
    top = [v for v, s in zip(tree["value"], tree["status"]) if pd.notna(v) and s == "finished"]
    legend, annotated = {}, set()
    for i, (_, r) in enumerate(tree.iterrows()):
        number, differs = paper_number(flat_config(r))
        value = r["value"] if r.get("status") == "finished" else np.nan
        if pd.notna(value):
            hitnet = describe_quant(flat_config(r)).startswith("HitNet")
            bar = ax.bar(i, value, 0.6, color="C3" if hitnet else "0.6")
            # Inside the bar's top: the paper's line often sits just above it.
            ax.annotate(f"{value:.1f}", (i, value), xytext=(0, -3), textcoords="offset points",
                        ha="center", va="top", fontsize=8, color="white", fontweight="bold")
            legend.setdefault("measured", bar)
        else:
            ax.text(i, 2, _wrap(str(r.get("status")), 10), ha="center", va="bottom",
                    rotation=90, fontsize=8, color="0.3")
        if number is not None:
            # Lines at the paper's numbers over the run's bar; each number written once.
            first = number not in annotated
            annotated.add(number)
            top.append(number.test_ppl)
            line, = ax.plot([i - 0.35, i + 0.35], [number.test_ppl] * 2, color="k", linewidth=2.5)
            if first or differs:
                ax.annotate(f"{number.test_ppl:g}" + (" †" if differs else ""),
                            (i + 0.37, number.test_ppl), fontsize=8, va="center")
            legend.setdefault("paper", line)
            if number.previous_best is not None:
                top.append(number.previous_best)
                prev, = ax.plot([i - 0.35, i + 0.35], [number.previous_best] * 2, color="0.5",
                                linewidth=2, linestyle="--")
                if first:
                    ax.annotate(f"{number.previous_best:g}", (i + 0.37, number.previous_best),
                                fontsize=8, va="center", color="0.4")
                legend.setdefault("previous best ternary (cited by the paper)", prev)
    ax.set_xticks(range(len(tree)), [_wrap(l) for l in labels], fontsize=9)
    ax.set_xlim(-0.6, len(tree) - 0.4 + 0.8)
    ax.set_xlabel("run")
    ax.set_ylim(0, 1.25 * max(top) if top else 1)  # room for the legend above the bars
    ax.set_ylabel("test perplexity")
    ax.set_title(_fit(title or "Test perplexity measured against the paper (Wang et al. 2018)",
                      fig), fontsize=10)
    if legend:
        ax.legend(list(legend.values()), list(legend.keys()), fontsize=8, loc="upper left",
                  ncols=len(legend))
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, out)


__all__ = ["distributions", "compare_distributions", "learning_curves", "degradation_bars",
           "sloping_factor_curves", "paper_comparison", "quant_label"]
