"""A results tree (a sweep, or any folder of runs) as one pandas DataFrame."""
from __future__ import annotations

import fcntl
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .labels import describe_quant, eval_mode_from_config, flat_config, run_labels
from .run import RESULTS_NAME, load_run, read_summary

# Config keys (dotted) that say how a run was quantized; see core/config/config.hpp.
WEIGHT_METHOD = "config.quant.weight_quant.method"
WEIGHT_BITS = "config.quant.weight_quant.bits"
SIGMOID_METHOD = "config.quant.sigmoid_quant.method"
TANH_METHOD = "config.quant.tanh_quant.method"
SLOPING_FACTOR = "config.quant.sloping_factor"
CELL = "config.model.cell"
# Placements (config.quant.<name>) that show in a label when they quantize, with short names.
OTHER_PLACEMENTS = {"input_weight_quant": "w_ih", "recurrent_weight_quant": "w_hh",
                    "bias_quant": "bias", "cell_state_quant": "c", "hidden_quant": "h",
                    "embedding_quant": "emb", "decoder_weight_quant": "dec"}
K_BIT_METHODS = ("uniform",)  # methods whose bit width is part of their name in labels
# /final attributes that become plain columns (others get a "final." prefix).
# eval_mode: how test_ppl was measured ("deterministic", "sample", "expectation", or "fp" for
# a model without stochastic quantizers); test_ppl_<mode>: the test perplexity in each mode
# (models with stochastic quantizers).
FINAL_COLUMNS = ("best_valid_ppl", "test_ppl", "test_ppl_mean", "test_ppl_std", "eval_samples",
                 "epochs_run", "eval_mode", "test_ppl_deterministic", "test_ppl_sample",
                 "test_ppl_sample_std", "test_ppl_sample_passes", "test_ppl_expectation")
# summary.json keys that add to what results.h5 says.
SUMMARY_COLUMNS = ("best_epoch", "peak_rss_mb", "wall_s", "train_tokens_per_s", "started",
                   "finished", "git_revision")
# summary.json's test_ppl_by_mode {"sample": {"ppl", "std", "passes"}} -> the /final names.
BY_MODE_COLUMNS = {("deterministic", "ppl"): "test_ppl_deterministic",
                   ("sample", "ppl"): "test_ppl_sample", ("sample", "std"): "test_ppl_sample_std",
                   ("sample", "passes"): "test_ppl_sample_passes",
                   ("expectation", "ppl"): "test_ppl_expectation"}


def flatten(d: dict, prefix: str = "") -> dict:
    """{"quant": {"weight_quant": {"method": "ttq"}}} -> {"quant.weight_quant.method": "ttq"}.
    Lists become tuples so that columns stay hashable (groupby works)."""
    out = {}
    for key, value in (d or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = tuple(value)
        else:
            out[name] = value
    return out


def _run_dirs(root: Path):
    """Directories under root (root included) holding results.h5 or summary.json."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if RESULTS_NAME in filenames or "summary.json" in filenames:
            yield Path(dirpath)


def _summary_columns(summary: dict) -> dict:
    """The columns summary.json gives: final metrics, test_ppl_by_mode flattened to the
    /final attribute names, and run facts (best_epoch, peak_rss_mb, ...). JSON null -> NaN."""
    out = {k: summary[k] for k in (*FINAL_COLUMNS, *SUMMARY_COLUMNS) if k in summary}
    by_mode = summary.get("test_ppl_by_mode")
    if isinstance(by_mode, dict):
        for (mode, field), column in BY_MODE_COLUMNS.items():
            value = (by_mode.get(mode) or {}).get(field)
            if value is not None:
                out.setdefault(column, value)
    return {k: (np.nan if v is None else v) for k, v in out.items()}


def process_gone(run_dir: Path) -> bool:
    """True when a hitnet-run worked here and no process holds the run now: it flocks
    DIR/.lock for its whole life, and the kernel drops the lock when it dies, even by SIGKILL.
    Without a lock file (a copied or committed tree: locks are not committed) nobody can tell."""
    try:
        fd = os.open(run_dir / ".lock", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _settled(status: str, run_dir: Path) -> str:
    """A "running" run whose process is gone without a final word (killed, or its machine went
    down) is "stopped": resumable from its checkpoint where one was kept."""
    return "stopped" if status == "running" and process_gone(run_dir) else status


def _row_from_h5(run_dir: Path) -> dict:
    run = load_run(run_dir)
    last = run.metrics.iloc[-1] if len(run.metrics) else {}
    status = run.status
    # A run stopped by a signal checkpoints and says so in summary.json; results.h5 keeps
    # "running" (it may be resumed).
    if status == "running" and run.summary.get("status") == "interrupted":
        status = "interrupted"
    status = _settled(status, run_dir)
    row = {
        "name": run.name, "status": status, "complete": run.complete,
        "epochs": len(run.metrics),
        "last_valid_ppl": float(last["valid_ppl"]) if len(run.metrics) else np.nan,
        "histogram_epochs": tuple(run.histogram_epochs),
        "config_hash": run.attrs.get("config_hash", ""),
        **{f"final.{k}" if k not in FINAL_COLUMNS else k: v for k, v in run.final.items()},
    }
    for key, value in _summary_columns(run.summary).items():
        row.setdefault(key, value)  # results.h5 wins where both say something
    row.update(flatten(run.config, "config."))
    return row


def _row_from_summary(run_dir: Path) -> dict:
    """A run directory without results.h5 (e.g. copied without the bulky file)."""
    summary = read_summary(run_dir)
    config_file = run_dir / "config.yaml"
    config = yaml.safe_load(config_file.read_text()) if config_file.exists() else {}
    row = {"name": (config or {}).get("name", run_dir.name),
           "status": _settled(summary.get("status", ""), run_dir),
           "complete": summary.get("status") in ("finished", "failed", "diverged"),
           "epochs": summary.get("epochs_run", np.nan),
           "config_hash": summary.get("config_hash", "")}
    row.update(_summary_columns(summary))
    row.update(flatten(config or {}, "config."))
    return row


def load_tree(root) -> pd.DataFrame:
    """One row per run found under root (a directory holding results.h5, or else
    summary.json): name, status, complete, epochs, final metrics (best_valid_ppl, test_ppl,
    ...), config keys as dotted columns "config.quant.weight_quant.method", path, and
    results_file (None for a run known only from summary.json). A run that cannot be read
    gets status "unreadable" and an `error` column, with a warning."""
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"results tree {root} does not exist")
    rows = []
    for run_dir in _run_dirs(root):
        try:
            if (run_dir / RESULTS_NAME).exists():
                row = _row_from_h5(run_dir)
            else:
                row = _row_from_summary(run_dir)
        except (OSError, ValueError, KeyError) as e:
            warnings.warn(f"skipping unreadable run {run_dir}: {e}")
            row = {"name": run_dir.name, "status": "unreadable", "complete": False, "error": str(e)}
        row["path"] = str(run_dir)
        readable = row["status"] != "unreadable" and (run_dir / RESULTS_NAME).exists()
        row["results_file"] = str(run_dir / RESULTS_NAME) if readable else None
        rows.append(row)
    return with_derived_columns(pd.DataFrame(rows))


def with_derived_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds what every table and figure reads, so that each computes it the same way:
    - eval_mode: as recorded, else from the config (eval_mode_recorded False);
    - headline_test_ppl, headline_mode: the deterministic test perplexity when the run
      recorded one (the ternary model as hardware runs it), else test_ppl in its eval_mode;
    - label: what each run is, from its config against the others of the frame (labels.py).
    Missing standard columns are added empty, so a tree of unfinished runs has them too."""
    frame = frame.copy()
    for column in ("name", "status", "complete", "epochs", *FINAL_COLUMNS, "path",
                   "results_file", "config_hash"):
        if column not in frame:
            frame[column] = pd.Series(np.nan, index=frame.index, dtype=object
                                      if column in ("eval_mode", "name", "status", "path",
                                                    "results_file", "config_hash") else float)
    configs = [flat_config(row) for _, row in frame.iterrows()]
    if "eval_mode_recorded" in frame:  # derived before (a frame put together from others)
        recorded = frame["eval_mode_recorded"].fillna(False).astype(bool)
    else:
        recorded = frame["eval_mode"].map(lambda m: isinstance(m, str) and m != "")
    frame["eval_mode_recorded"] = recorded
    frame["eval_mode"] = [m if r else (eval_mode_from_config(c) if c else np.nan)
                          for m, r, c in zip(frame["eval_mode"], recorded, configs)]
    deterministic = pd.to_numeric(frame["test_ppl_deterministic"], errors="coerce")
    frame["headline_test_ppl"] = deterministic.where(deterministic.notna(),
                                                     pd.to_numeric(frame["test_ppl"], errors="coerce"))
    frame["headline_mode"] = np.where(deterministic.notna(), "deterministic", frame["eval_mode"])
    frame.loc[frame["headline_test_ppl"].isna(), "headline_mode"] = np.nan
    labels = run_labels([c for c in configs if c],
                        hashes=[h for h, c in zip(frame["config_hash"], configs) if c])
    # A run whose config could not be read is named by its own name (or directory).
    frame["label"] = [labels.pop(0) if c else str(n) for c, n in zip(configs, frame["name"])]
    return frame


def quant_label(row) -> str:
    """A short name for a run's quantization, e.g. "W ttq / A btq", "W uniform4 / A fp";
    "?" where the config does not say (the stored config is the resolved one, so a missing
    key means an unknown config, not the default)."""
    def method(key, bits_key=None):
        m = row.get(key)
        if not isinstance(m, str) or not m:
            return "?"
        if m in K_BIT_METHODS and bits_key and not pd.isna(row.get(bits_key, np.nan)):
            m += str(int(row[bits_key]))
        return m
    weights = method(WEIGHT_METHOD, WEIGHT_BITS)
    sigmoid, tanh = method(SIGMOID_METHOD), method(TANH_METHOD)
    activations = sigmoid if sigmoid == tanh else f"{sigmoid}+{tanh}"
    # Other placements only when they quantize, e.g. " +h:btq +dec:ttq".
    extras = [(short, f"config.quant.{placement}") for placement, short in OTHER_PLACEMENTS.items()]
    extras += [(key.split(".")[-2], key[:-len(".method")]) for key in sorted(row.keys())
               if key.startswith("config.quant.gates.") and key.endswith(".method")]
    suffix = "".join(f" +{short}:{method(prefix + '.method', prefix + '.bits')}"
                     for short, prefix in extras
                     if method(prefix + ".method") not in ("?", "fp"))
    return f"W {weights} / A {activations}{suffix}"


def degradation_table(tree: pd.DataFrame, metric: str = "test_ppl") -> pd.DataFrame:
    """Adds `quant` (label), `baseline_<metric>` and `degradation` (metric minus the best
    full-precision run of the same cell) to the finished runs of a tree. Runs whose cell has
    no full-precision run get NaN degradation."""
    runs = tree[tree["status"] == "finished"].copy() if "status" in tree else tree.copy()
    runs["quant"] = [quant_label(r) for _, r in runs.iterrows()]
    runs[CELL] = runs[CELL].fillna("?") if CELL in runs else "?"  # groupby drops NaN keys
    # Full precision everywhere (labels.describe_quant: no placement quantizes).
    is_fp = pd.Series([describe_quant(flat_config(r)) == "FP" and bool(flat_config(r))
                       for _, r in runs.iterrows()], index=runs.index, dtype=bool)
    baselines = runs[is_fp].groupby(CELL)[metric].min()
    runs[f"baseline_{metric}"] = runs[CELL].map(baselines)
    runs["degradation"] = runs[metric] - runs[f"baseline_{metric}"]
    return runs
