"""A sweep directory written by hitnet-sweep (docs/sweeps.md) as a table of its points,
finished or not, with the commands that produce them.

    sweep = load_sweep("results/sweeps/sloping_factor")
    sweep.runs          # one row per point: load_tree's columns + point, point_status, why
    sweep.rerun_command # hitnet-sweep .../sweep.yaml --out ...
    sweep.runs["command"]  # the hitnet-run command of each point

A point not started yet (no run directory) is a row with the index's status ("pending",
"failed", ...) and a config guessed from a sibling's config plus the point's overrides, so that
it still gets a label. Status and numbers of a started point come from its own files, which the
run keeps current; index.json is only as fresh as the last hitnet-sweep session.
"""
from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from .labels import missing
from .run import load_run
from .tree import flatten, load_tree, with_derived_columns

INDEX_NAME, SPEC_NAME = "index.json", "sweep.yaml"
DIVERGED_LINE = re.compile(r"^diverged: (.*)$", re.M)


@dataclass
class Sweep:
    path: Path
    name: str
    base_config: str        # as index.json records it (absolute, on the machine that ran it)
    spec_text: str          # sweep.yaml ("" when absent)
    points: list            # index.json's points
    runs: pd.DataFrame      # one row per point (and per run under runs/ the index lacks)

    @property
    def rerun_command(self) -> str:
        """The command that repeats the sweep (finished points are skipped, others resume)."""
        if not self.spec_text:
            return ""
        return f"hitnet-sweep {shlex.quote(display_path(self.path / SPEC_NAME))} " \
               f"--out {shlex.quote(display_path(self.path))}"


def is_sweep_dir(path) -> bool:
    return (Path(path) / INDEX_NAME).is_file()


def display_path(path) -> str:
    """A path as a reader can use it: relative to the working directory when under it, a
    config from its "configs/" folder on (index.json records the absolute path on the
    machine that ran the sweep), else as given."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    parts = path.parts
    if "configs" in parts:
        return str(Path(*parts[len(parts) - 1 - parts[::-1].index("configs"):]))
    return str(path)


def point_command(base_config: str, overrides, out_dir) -> str:
    """hitnet-run BASE key=value ... --out DIR: what the sweep ran for one point."""
    words = ["hitnet-run", display_path(base_config)]
    words += [f"{key}={value}" for key, value in overrides]
    words += ["--out", display_path(out_dir)]
    return " ".join(shlex.quote(w) for w in words)


def _apply_overrides(template: dict, overrides) -> dict:
    """A flat config ("config.*" keys) for a point that has not run: a sibling's resolved
    config with the point's overrides on top. A quantizer given by name sets its method;
    one given as a map sets the options it names. Good enough to name the point."""
    config = dict(template)
    for key, text in overrides:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        name = f"config.{key}"
        if isinstance(value, dict):
            config.update(flatten(value, name + "."))
        elif isinstance(value, str) and f"{name}.method" in template:
            config[f"{name}.method"] = value
        else:
            config[name] = value
    return config


def _last_lines(path: Path, n: int = 3) -> str:
    try:
        lines = [l for l in path.read_text(errors="replace").splitlines() if l.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-n:])


def failure_reason(row) -> str:
    """Why a point stopped where it did, in one line: the trainer's "diverged: ..." line, a
    failed point's last log lines, a running one's progress; with the gradient diagnostics of
    its last epoch when results.h5 has them."""
    status, path = row.get("status"), row.get("path")
    run_dir = Path(path) if isinstance(path, str) else None
    why = ""
    if status == "diverged" and run_dir is not None:
        for log in ("log.txt", "output.log"):
            found = DIVERGED_LINE.findall((run_dir / log).read_text(errors="replace")) \
                if (run_dir / log).exists() else []
            if found:
                why = found[-1]
                break
    elif status in ("failed", "unreadable"):
        why = row.get("log_tail") if isinstance(row.get("log_tail"), str) else ""
        why = " | ".join(l for l in (why or "").splitlines() if l.strip())
        if len(why) > 300:  # the last lines that fit whole, not the middle of one
            tail = why[-300:]
            why = "… " + (tail.split(" | ", 1)[1] if " | " in tail else tail)
        if not why and run_dir is not None:
            why = _last_lines(run_dir / "output.log") or _last_lines(run_dir / "log.txt")
        if not why and isinstance(row.get("error"), str):
            why = row["error"]
    elif status in ("running", "interrupted", "stopped"):
        epochs, planned = row.get("epochs"), row.get("config.train.epochs")
        if not missing(epochs):
            why = f"{int(epochs)} of {int(planned) if not missing(planned) else '?'} epochs done"
    if status in ("diverged", "failed") and isinstance(row.get("results_file"), str):
        why = "; ".join(w for w in (why, gradient_diagnostics(row["results_file"])) if w)
    return why


def gradient_diagnostics(results_file) -> str:
    """"grad norm mean 0.8, max 12 (clip 0.25), 97% of batches clipped in epoch 3" from the
    last epoch's series, or "" when the run did not record them."""
    try:
        run = load_run(results_file)
    except (OSError, ValueError):
        return ""
    m = run.metrics
    if m.empty or not {"grad_norm_mean", "grad_norm_max"} & set(m):
        return ""
    last = m.iloc[-1]
    parts = []
    if "grad_norm_mean" in m:
        parts.append(f"grad norm mean {last['grad_norm_mean']:.3g}")
    if "grad_norm_max" in m:
        parts.append(f"max {last['grad_norm_max']:.3g}")
    clip = (run.config.get("train") or {}).get("clip")
    text = ", ".join(parts) + (f" (clip {clip:g})" if isinstance(clip, (int, float)) else "")
    if "clipped_frac" in m:
        text += f", {last['clipped_frac']:.0%} of batches clipped"
    return text + f" in epoch {int(last['epoch'])}"


def load_sweep(path) -> Sweep:
    """Reads a sweep directory: sweep.yaml, index.json and every run under it."""
    path = Path(path)
    index_file = path / INDEX_NAME
    try:
        index = json.loads(index_file.read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{index_file}: cannot read the sweep's index: {e}") from e
    if not isinstance(index, dict) or not isinstance(index.get("points"), list):
        raise ValueError(f"{index_file}: malformed index (expected an object with 'points')")
    spec = path / SPEC_NAME
    runs_root = path / "runs"
    tree = load_tree(runs_root) if runs_root.is_dir() else pd.DataFrame()
    by_dir = {Path(p).resolve(): i for i, p in enumerate(tree.get("path", []))}
    def config_of(i):
        return {k: v for k, v in tree.iloc[i].items() if k.startswith("config.")}

    # A point that has not run is named from a sibling's config with its own overrides on top:
    # a sibling that sets no key the point leaves alone, or the sweep would lend it one.
    ran = [(set(k for k, _ in p.get("overrides", [])), by_dir[(path / p.get("dir", "")).resolve()])
           for p in index["points"] if (path / p.get("dir", "")).resolve() in by_dir]

    def template_for(keys):
        fitting = [(len(own), i) for own, i in ran if own <= keys]
        return config_of(max(fitting)[1]) if fitting else config_of(0) if len(tree) else {}

    base = index.get("base_config", "")
    rows, used = [], set()
    for point in index["points"]:
        run_dir = (path / point.get("dir", "")).resolve()
        overrides = [tuple(kv) for kv in point.get("overrides", [])]
        if run_dir in by_dir:
            used.add(by_dir[run_dir])
            row = dict(tree.iloc[by_dir[run_dir]])
        else:  # not started (or its directory is gone): what the index says
            row = {"name": point.get("name", ""), "status": point.get("status") or "pending",
                   "complete": False, "epochs": 0, "path": str(run_dir), "results_file": None,
                   "config_hash": point.get("hash", ""),
                   **_apply_overrides(template_for({k for k, _ in overrides}), overrides)}
        row.update({"sweep": index.get("name", path.name), "point": point.get("number"),
                    "point_status": point.get("status", ""), "exit_code": point.get("exit_code"),
                    "log_tail": point.get("log_tail", ""),
                    # "~" or "": the point leaves that key to the base config; say what it sets.
                    # A sweep of one point varies nothing: then what it sets is all it says.
                    "varied": ", ".join(f"{k}={v}" for k, v in (point.get("varied") or overrides)
                                        if v not in ("~", "")),
                    "command": point_command(base, overrides, run_dir)})
        rows.append(row)
    for i in range(len(tree)):  # runs under runs/ that this index does not list
        if i not in used:
            rows.append({**dict(tree.iloc[i]), "sweep": index.get("name", path.name)})
    runs = with_derived_columns(pd.DataFrame(rows)) if rows else with_derived_columns(pd.DataFrame())
    runs["why"] = [failure_reason(r) for _, r in runs.iterrows()] if len(runs) else []
    return Sweep(path=path, name=index.get("name", path.name), base_config=base,
                 spec_text=spec.read_text() if spec.exists() else "", points=index["points"],
                 runs=runs)


def load_runs(paths) -> tuple:
    """Several sweep directories or plain results trees as one frame (labels computed over
    all of them together) and the list of Sweeps among them."""
    frames, sweeps = [], []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise FileNotFoundError(f"{p} does not exist")
        if is_sweep_dir(p):
            sweep = load_sweep(p)
            sweeps.append(sweep)
            frames.append(sweep.runs)
        else:
            tree = load_tree(p)
            tree["sweep"] = p.name
            tree["why"] = [failure_reason(r) for _, r in tree.iterrows()] if len(tree) else []
            frames.append(tree)
    frames = [f for f in frames if len(f)]
    if not frames:
        return with_derived_columns(pd.DataFrame()), sweeps
    combined = pd.concat(frames, ignore_index=True)
    # Labels say how each run differs from the others of the whole study, not of its sweep.
    return with_derived_columns(combined.drop(columns=["label"])), sweeps


__all__ = ["Sweep", "load_sweep", "load_runs", "is_sweep_dir", "point_command", "display_path",
           "failure_reason", "gradient_diagnostics"]
