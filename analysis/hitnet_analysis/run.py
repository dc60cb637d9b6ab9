"""One run: its results.h5 (metrics, final metrics, config, histograms) as Python objects.

results.h5 is replaced atomically by the writer after every epoch (see
docs/results-format.md), so opening it at any moment, even while the run is writing,
yields a complete file; a Run is a snapshot: call load_run again to see newer epochs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import json

import h5py
import numpy as np
import pandas as pd
import yaml

RESULTS_NAME = "results.h5"
SUMMARY_NAME = "summary.json"
FINISHED_STATUSES = ("finished", "failed", "diverged")
METRIC_COLUMNS = ("epoch", "lr", "train_loss", "train_ppl", "valid_ppl", "tokens_per_s", "wall_s")
STAT_NAMES = ("count", "nonfinite", "mean", "std", "min", "max", "frac_zero")


def open_results(path) -> h5py.File:
    """Opens a results file read-only. No HDF5 file lock is taken: the writer never changes
    the file in place (it renames a new copy over it), and locks fail on some network file
    systems."""
    return h5py.File(path, "r", locking=False)


def _plain(value):
    """HDF5 attribute value -> plain Python (str, int, float, list)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class HistogramRecord:
    """One stored histogram: bin edges (bins + 1), counts (bins) and the tensor's statistics
    (count, nonfinite, mean, std, min, max, frac_zero, and level_values/level_fractions when
    the tensor had at most three distinct values)."""
    epoch: int
    kind: str      # "weights" | "activations"
    tensor: str    # e.g. "lstm0.w_hh", "lstm0.i"
    stage: str     # weights: full | quantized; activations: pre | post | quantized
    counts: np.ndarray
    edges: np.ndarray
    stats: dict = field(default_factory=dict)

    @property
    def centers(self) -> np.ndarray:
        return 0.5 * (self.edges[:-1] + self.edges[1:])

    @property
    def levels(self) -> Optional[tuple]:
        """(values, fractions) for a tensor with at most three distinct values, else None."""
        if "level_values" not in self.stats:
            return None
        return np.asarray(self.stats["level_values"]), np.asarray(self.stats["level_fractions"])


@dataclass
class Run:
    path: Path                 # the run directory
    h5_path: Path
    attrs: dict                # root attributes (config text, hash, version, status, times)
    config: dict
    metrics: pd.DataFrame
    final: dict
    histogram_epochs: list
    summary: dict = field(default_factory=dict)  # summary.json ({} if absent or unreadable)

    @property
    def status(self) -> str:
        return self.attrs.get("status", "")

    @property
    def complete(self) -> bool:
        """False for a run still writing, or one that was killed before it could finish."""
        return self.status in FINISHED_STATUSES

    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.path.name)

    def histograms(self, epoch=None, kind=None, tensor=None, stage=None) -> pd.DataFrame:
        """Stored histograms as a DataFrame, one row each: epoch, kind, tensor, stage, the
        statistics as columns, and a `record` column holding the HistogramRecord (counts,
        edges). Each filter is a value or a list; epoch may be "last" for the latest epoch
        with histograms."""
        if epoch == "last":
            epoch = self.histogram_epochs[-1] if self.histogram_epochs else None
            if epoch is None:
                return _histogram_frame([])
        def want(value, wanted):
            if wanted is None:
                return True
            if isinstance(wanted, (list, tuple, set)):
                return value in wanted
            return value == wanted

        records = []
        with open_results(self.h5_path) as f:
            for epoch_name, epoch_group in f.get("histograms", {}).items():
                e = int(epoch_group.attrs.get("epoch", epoch_name.split("_")[-1]))
                if not want(e, epoch):
                    continue
                for k, kind_group in epoch_group.items():
                    if not want(k, kind):
                        continue
                    for t, tensor_group in kind_group.items():
                        if not want(t, tensor):
                            continue
                        for s, g in tensor_group.items():
                            if want(s, stage):
                                records.append(HistogramRecord(
                                    e, k, t, s, g["counts"][()], g["edges"][()],
                                    {a: _plain(v) for a, v in g.attrs.items()}))
        return _histogram_frame(records)

    def histogram(self, epoch, kind, tensor, stage) -> HistogramRecord:
        found = self.histograms(epoch=epoch, kind=kind, tensor=tensor, stage=stage)
        if found.empty:
            raise KeyError(f"{self.h5_path}: no histogram for epoch {epoch} {kind}/{tensor}/{stage}"
                           f" (epochs with histograms: {self.histogram_epochs})")
        return found["record"].iloc[0]


def _histogram_frame(records) -> pd.DataFrame:
    rows = [{"epoch": r.epoch, "kind": r.kind, "tensor": r.tensor, "stage": r.stage,
             **{s: r.stats.get(s) for s in STAT_NAMES}, "record": r} for r in records]
    columns = ["epoch", "kind", "tensor", "stage", *STAT_NAMES, "record"]
    return pd.DataFrame(rows, columns=columns).sort_values(
        ["epoch", "kind", "tensor", "stage"], ignore_index=True)


def _results_path(path) -> Path:
    path = Path(path)
    if path.is_dir():
        path = path / RESULTS_NAME
    if not path.exists():
        raise FileNotFoundError(f"no results file at {path}")
    return path


def _parse_config(text: str, where: Path) -> dict:
    try:
        config = yaml.safe_load(text) if text else {}
    except yaml.YAMLError as e:
        raise ValueError(f"{where}: the 'config' attribute is not valid YAML: {e}") from e
    return config if isinstance(config, dict) else {}


def load_run(path) -> Run:
    """Loads a run directory (holding results.h5) or a results.h5 file. Histograms are read
    on demand by Run.histograms()."""
    h5_path = _results_path(path)
    try:
        with open_results(h5_path) as f:
            attrs = {k: _plain(v) for k, v in f.attrs.items()}
            group = f.get("metrics", {})
            # Known series first, then any others (grad_norm_*, clipped_frac, qerr.<tensor>,
            # future ones) in name order; a series shorter than the others is padded with NaN.
            names = [n for n in METRIC_COLUMNS if n in group]
            names += sorted(set(group) - set(METRIC_COLUMNS))
            metrics = pd.DataFrame({name: pd.Series(group[name][()]) for name in names},
                                   columns=names)
            final = {k: _plain(v) for k, v in f["final"].attrs.items()} if "final" in f else {}
            histogram_epochs = sorted(int(g.attrs.get("epoch", n.split("_")[-1]))
                                      for n, g in f.get("histograms", {}).items())
    except OSError as e:
        raise OSError(f"{h5_path}: cannot read as a hitnet results file: {e}") from e
    return Run(path=h5_path.parent, h5_path=h5_path, attrs=attrs,
               config=_parse_config(attrs.get("config", ""), h5_path),
               metrics=metrics, final=final, histogram_epochs=histogram_epochs,
               summary=read_summary(h5_path.parent))


def read_summary(run_dir) -> dict:
    """summary.json of a run directory as a dict ({} when absent). It is replaced atomically
    by the trainer, so a read never sees half a file; an unparsable one is reported."""
    path = Path(run_dir) / SUMMARY_NAME
    if not path.exists():
        return {}
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not readable as JSON: {e}") from e
    return summary if isinstance(summary, dict) else {}
