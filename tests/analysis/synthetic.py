"""Synthetic run and sweep directories written with h5py, mimicking hitnet's files
(docs/results-format.md, docs/sweeps.md) including the fields the C++ side is adding:

- summary.json: eval_mode, test_ppl_by_mode {mode: {ppl, std, passes}}, best_valid_ppl and
  best_epoch null before the first epoch, peak_rss_mb;
- results.h5 /final: eval_mode, test_ppl_deterministic, test_ppl_sample(_std, _passes),
  test_ppl_expectation;
- /metrics: grad_norm_mean, grad_norm_max, clipped_frac, valid_ppl_std, qerr.<tensor>.

Every number is given or derived from the arguments, so tests can check what reports print.
`new_fields=False` writes a run as today's writer does (none of the above).
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path

import h5py
import numpy as np
import yaml

# A resolved config as hitnet-run writes it (the keys the analysis reads), PTB LSTM 1x300.
BASE_CONFIG = {
    "name": "ptb_lstm_fp", "seed": 1, "threads": 1,
    "data": {"corpus": "ptb", "path": "data/ptb", "bptt": 35, "batch_size": 20},
    "model": {"cell": "lstm", "layers": 1, "hidden": 300, "embedding": 300, "dropout": 0.5,
              "tie_weights": True, "init_range": 0.1},
    "quant": {
        **{p: {"method": "fp", "bits": 2, "threshold": 0.7, "scale": True, "clip_grad": True,
               "eval": "expectation"}
           for p in ("weight_quant", "bias_quant", "sigmoid_quant", "tanh_quant",
                     "cell_state_quant", "hidden_quant", "embedding_quant",
                     "decoder_weight_quant")},
        "input_weight_quant": None, "recurrent_weight_quant": None,
        "layer0": {"input_weight_quant": None, "recurrent_weight_quant": None},
        "gates": {g: None for g in "ifgocrzn"},
        "sloping_factor": 1.0, "sigmoid_slope": None, "tanh_slope": None, "eval_samples": 1},
    "train": {"optimizer": "sgd", "lr": 20.0, "clip": 0.25, "epochs": 4,
              "schedule": {"type": "plateau"}},
    "log": {"interval_s": 10.0, "histograms": {"epochs": [1], "last": True, "bins": 41}},
}
HITNET = {"quant.weight_quant.method": "ttq", "quant.sigmoid_quant.method": "btq",
          "quant.tanh_quant.method": "btq", "quant.sigmoid_quant.eval": "deterministic",
          "quant.tanh_quant.eval": "deterministic", "quant.sloping_factor": 0.5}
LSTM_GATES = ("i", "f", "o", "g", "c")
GRU_GATES = ("r", "z", "n")


def make_config(**dotted) -> dict:
    """BASE_CONFIG with dotted overrides: make_config(**{"model.cell": "gru"})."""
    config = copy.deepcopy(BASE_CONFIG)
    for key, value in dotted.items():
        node = config
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return config


def _histogram(group, values, bins=41):
    values = np.asarray(values, dtype=float)
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    group.create_dataset("counts", data=counts.astype(np.int64))
    group.create_dataset("edges", data=edges)
    group.attrs.update({"count": values.size, "nonfinite": 0, "mean": values.mean(),
                        "std": values.std(), "min": values.min(), "max": values.max(),
                        "frac_zero": float(np.mean(values == 0))})
    distinct = np.unique(values)
    if len(distinct) <= 3:
        group.attrs["level_values"] = distinct
        group.attrs["level_fractions"] = np.array([np.mean(values == v) for v in distinct])


def _write_histograms(f, epoch, config, rng):
    cell = config["model"]["cell"]
    quant = config["quant"]
    weights_quantized = quant["weight_quant"]["method"] != "fp"
    acts_quantized = quant["sigmoid_quant"]["method"] != "fp"
    lam = quant["sloping_factor"]
    root = f.create_group(f"histograms/epoch_{epoch:04d}")
    root.attrs["epoch"] = epoch
    for tensor in ("w_ih", "w_hh"):
        w = rng.normal(0, 0.15, 3000)
        _histogram(root.create_group(f"weights/{cell}0.{tensor}/full"), w)
        if weights_quantized:
            delta = 0.7 * np.abs(w).mean()
            alpha = np.abs(w[np.abs(w) > delta]).mean()
            _histogram(root.create_group(f"weights/{cell}0.{tensor}/quantized"),
                       np.where(np.abs(w) > delta, alpha * np.sign(w), 0.0))
    for gate in (LSTM_GATES if cell == "lstm" else GRU_GATES):
        pre = rng.normal(0.5, 2.0, 4000)
        tanh_gate = gate in ("g", "c", "n")
        post = np.tanh(pre / lam) if tanh_gate else 1 / (1 + np.exp(-pre / lam))
        _histogram(root.create_group(f"activations/{cell}0.{gate}/pre"), pre)
        _histogram(root.create_group(f"activations/{cell}0.{gate}/post"), post)
        if acts_quantized:
            q = np.sign(post) * (np.abs(post) > 0.5) if tanh_gate else (post > 0.5).astype(float)
            _histogram(root.create_group(f"activations/{cell}0.{gate}/quantized"), q)


def write_run(out, config=None, status="finished", epochs=None, valid=None, test=None,
              new_fields=True, diverged_why=None, histograms=True, seed=0):
    """Writes a run directory. valid: validation perplexity per finished epoch (default a
    falling curve, len = epochs); test: the headline test perplexity (deterministic when the
    model is stochastic); status running/interrupted leaves /final out."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config = config or make_config()
    planned = config["train"]["epochs"]
    epochs = planned if epochs is None else epochs
    valid = list(valid) if valid is not None else [300.0 / (1 + 0.5 * e) + 100 for e in range(epochs)]
    epochs = len(valid)
    rng = np.random.default_rng(seed)
    cell = config["model"]["cell"]
    quant = config["quant"]
    stochastic = "btq" in (quant["sigmoid_quant"]["method"], quant["tanh_quant"]["method"])
    quantized = quant["weight_quant"]["method"] != "fp" or stochastic
    ended = status in ("finished", "diverged", "failed")
    best = int(np.argmin(valid)) + 1 if epochs else None
    best_valid = float(min(valid)) if epochs else float("nan")
    test = (best_valid - 3.0 if epochs else float("nan")) if test is None else test
    config_text = yaml.safe_dump(config, sort_keys=False)
    config_hash = hashlib.sha256(config_text.encode()).hexdigest()[:12]
    by_mode = {}
    if stochastic and ended:
        by_mode = {"deterministic": {"ppl": test, "std": 0.0, "passes": 1},
                   "sample": {"ppl": test + 4.0, "std": 1.5, "passes": 5},
                   "expectation": {"ppl": test - 6.0, "std": 0.0, "passes": 1}}
    with h5py.File(out / "results.h5", "w") as f:
        f.attrs.update({"schema_version": 1, "config": config_text, "config_hash": config_hash,
                        "version": "0.1.0", "git_revision": "synthetic",
                        "started": "2026-01-01T00:00:00Z",
                        "finished": "2026-01-01T01:00:00Z" if ended else "",
                        "status": status if ended else "running"})
        m = f.create_group("metrics")
        e = np.arange(1, epochs + 1)
        series = {"epoch": e.astype(np.int32), "lr": np.full(epochs, 20.0),
                  "train_ppl": np.array(valid) * 1.3, "valid_ppl": np.array(valid, dtype=float),
                  "tokens_per_s": np.full(epochs, 4000.0), "wall_s": 100.0 * e}
        series["train_loss"] = np.log(series["train_ppl"])
        if new_fields:
            series.update({"grad_norm_mean": 0.5 + 0.1 * e, "grad_norm_max": 2.0 + e,
                           "clipped_frac": np.clip(0.9 - 0.1 * e, 0, 1),
                           "valid_ppl_std": np.full(epochs, 2.0 if stochastic else 0.0)})
            if quantized:
                for tensor in ("w_ih", "w_hh"):
                    series[f"qerr.{cell}0.{tensor}"] = 0.5 + 0.01 * e
                for gate in (LSTM_GATES if cell == "lstm" else GRU_GATES):
                    series[f"qerr.{cell}0.{gate}"] = 0.3 - 0.01 * e
        for name, values in series.items():
            m.create_dataset(name, data=values)
        if ended:
            final = f.create_group("final")
            final.attrs.update({"best_valid_ppl": best_valid, "test_ppl": test,
                                "epochs_run": epochs, "eval_samples": 1,
                                "test_ppl_mean": test, "test_ppl_std": 0.0})
            if new_fields:
                final.attrs["eval_mode"] = "deterministic" if stochastic else "fp"
                if by_mode:
                    final.attrs.update({
                        "test_ppl_deterministic": test,
                        "test_ppl_sample": by_mode["sample"]["ppl"],
                        "test_ppl_sample_std": by_mode["sample"]["std"],
                        "test_ppl_sample_passes": by_mode["sample"]["passes"],
                        "test_ppl_expectation": by_mode["expectation"]["ppl"]})
        if histograms and epochs:
            _write_histograms(f, epochs, config, rng)
    summary = {"status": status, "config_hash": config_hash, "name": config["name"],
               "best_valid_ppl": best_valid if epochs else None,
               "best_epoch": best, "test_ppl": test if ended else None,
               "epochs_run": epochs, "epochs": epochs}
    if new_fields:
        summary.update({"eval_mode": "deterministic" if stochastic else "fp",
                        "peak_rss_mb": 512.5})
        if by_mode:
            summary["test_ppl_by_mode"] = by_mode
    # As the C++ writer does: non-finite numbers are written as null.
    summary = {k: None if isinstance(v, float) and not math.isfinite(v) else v
               for k, v in summary.items()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False))
    (out / "config.yaml").write_text(config_text)
    log = [f"epoch {i}/{planned} done: lr 20 train ppl {v * 1.3:.2f} valid ppl {v:.2f}"
           for i, v in enumerate(valid, 1)]
    if diverged_why:
        log.append(f"diverged: {diverged_why}")
    (out / "log.txt").write_text("\n".join(log) + "\n")
    return out


def write_sweep(root, name, points, base="/elsewhere/hitnet/configs/ptb_lstm_fp.yaml"):
    """A sweep directory: points is a list of (varied {key: YAML text}, run kwargs for
    write_run, or None for a point that has not started; a dict with "index_status" and
    "log_tail" sets what index.json says)."""
    root = Path(root)
    (root / "runs").mkdir(parents=True, exist_ok=True)
    records = []
    for number, (varied, run) in enumerate(points, 1):
        point_name = "_".join(f"{k.split('.')[-1]}={v}" for k, v in varied.items()) + f"_{number:012x}"
        record = {"number": number, "name": point_name, "dir": f"runs/{point_name}",
                  "hash": f"{number:012x}", "overrides": [[k, v] for k, v in varied.items()],
                  "varied": [[k, v] for k, v in varied.items()], "status": "pending",
                  "exit_code": -1, "log_tail": "", "slurm_job": ""}
        if run is not None and "index_status" in run:
            record["status"] = run["index_status"]
            record["log_tail"] = run.get("log_tail", "")
            record["exit_code"] = run.get("exit_code", 1)
        elif run is not None:
            write_run(root / record["dir"], **run)
            record["status"] = run.get("status", "finished")
            record["exit_code"] = 0 if record["status"] == "finished" else 3
        records.append(record)
    varied_keys = sorted({k for varied, _ in points for k in varied})
    (root / "index.json").write_text(json.dumps(
        {"name": name, "base_config": base, "varied_keys": varied_keys, "points": records},
        indent=2))
    (root / "sweep.yaml").write_text(
        f"# Written by hitnet-sweep: rerun with `hitnet-sweep sweep.yaml --out .`\n"
        f"name: {name}\nbase: ../../configs/ptb_lstm_fp.yaml\n")
    return root
