"""hitnet-report: Markdown tables and PNG figures of results.

    hitnet-report DIR [--out OUTDIR]
        any results tree (a sweep, a folder of runs, one run): OUTDIR/report.md (default
        DIR/report) with a table of every run and the figures.
    hitnet-report --study STUDY DIR [DIR ...] [--out results/paper] [--name NAME]
                  [--command CMD ...]
        one of the paper's studies (hybrid, degradation, sloping, wikitext2, search) from one
        or more sweep directories: OUT/NAME.md and OUT/figures/NAME/*.png (study.py).
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from . import figures  # noqa: E402
from .study import (STUDIES, distribution_pairs, fmt, invocation_text,  # noqa: E402
                    markdown_table, write_study)
from .tree import CELL, SLOPING_FACTOR, degradation_table, load_tree, quant_label  # noqa: E402

MAX_DISTRIBUTION_FIGURES = 4  # one figure per run when no FP/HitNet pair


def runs_table(tree: pd.DataFrame, metric: str = "test_ppl") -> pd.DataFrame:
    """The report's table: one row per run, finished or not."""
    rated = degradation_table(tree, metric)
    nan = pd.Series(float("nan"), index=tree.index)
    table = pd.DataFrame({
        "run": tree["label"],
        "cell": tree.get(CELL, pd.Series("", index=tree.index)),
        "quant": [quant_label(r) for _, r in tree.iterrows()],
        "λ": tree.get(SLOPING_FACTOR, nan),
        "status": tree["status"],
        "epochs": tree["epochs"],
        "best valid ppl": tree["best_valid_ppl"],
        "test ppl": tree["test_ppl"],
        "evaluated": tree["eval_mode"],
        "± std": tree.get("test_ppl_std", nan),
        "Δ vs fp": rated["degradation"].reindex(tree.index),
        "directory": [Path(p).name for p in tree["path"]],
    })
    return table.sort_values(["cell", "quant", "λ", "run"], na_position="last", ignore_index=True)


def write_report(root, out=None, metric: str = "test_ppl") -> Path:
    """Writes OUT/report.md and OUT/*.png (OUT defaults to ROOT/report); returns report.md."""
    root = Path(root)
    tree = load_tree(root)
    if tree.empty:
        raise ValueError(f"no runs (directories with results.h5 or summary.json) under {root}")
    out = Path(out) if out else root / "report"
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# hitnet results: {root}", "",
             f"{len(tree)} runs, {int((tree['status'] == 'finished').sum())} finished.", "",
             markdown_table(runs_table(tree, metric)), ""]

    def figure(title, name, draw):
        fig = draw(out / name)
        note = getattr(fig, "hitnet_note", None)
        plt.close(fig)
        if note:
            (out / name).unlink(missing_ok=True)
            lines.extend([f"## {title}", "", f"(not drawn: {note})", ""])
        else:
            lines.extend([f"## {title}", "", f"![{title}]({name})", ""])

    readable = tree[tree["results_file"].notna()]
    figure("Learning curves", "learning_curves.png",
           lambda p: figures.learning_curves(tree, out=p))
    figure("Degradation from quantization", "degradation.png",
           lambda p: figures.degradation_bars(tree, metric, out=p))
    if tree.get(SLOPING_FACTOR, pd.Series(dtype=float)).nunique() > 1:
        figure("Sloping factor", "sloping_factor.png",
               lambda p: figures.sloping_factor_curves(tree, metric, out=p))
    # Full precision against HitNet side by side, per cell, as in the study reports; a tree
    # without such a pair gets the distributions of its first runs one by one.
    pairs = distribution_pairs(tree)
    for cell, rows in pairs:
        figure(f"Distributions before and after quantization ({cell.upper()})",
               f"distributions_{cell}.png",
               lambda p, rows=rows: figures.compare_distributions(rows, out=p))
    has_histograms = [isinstance(e, tuple) and len(e) > 0
                      for e in readable.get("histogram_epochs", [()] * len(readable))]
    for _, run in ([] if pairs else
                   readable[has_histograms].head(MAX_DISTRIBUTION_FIGURES).iterrows()):
        name = Path(run["path"]).name
        figure(f"Distributions: {run['label']}", f"distributions_{name}.png",
               lambda p, path=run["path"], label=run["label"]:
               figures.distributions(path, out=p, title=label))
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="hitnet-report",
        description="Markdown tables and PNG figures of hitnet results: of any results tree, "
                    "or (--study) of one of the paper's studies.")
    parser.add_argument("dirs", nargs="+", metavar="DIR",
                        help="results tree: a sweep directory, a folder of run directories or "
                             "one run (--study: one or more sweep directories)")
    parser.add_argument("--study", choices=sorted(STUDIES),
                        help="write the report of this study: OUT/NAME.md and "
                             "OUT/figures/NAME/*.png")
    parser.add_argument("--out", help="output folder (default: DIR/report; with --study: "
                                      "results/paper)")
    parser.add_argument("--name", help="with --study: the report's name (default: the study's)")
    parser.add_argument("--command", action="append", default=[], metavar="CMD",
                        help="with --study: a command that produced the runs, shown verbatim "
                             "(repeatable)")
    parser.add_argument("--metric", default="test_ppl", help="final metric to compare "
                                                             "(tree reports)")
    args = parser.parse_args(argv)
    if not args.study and len(args.dirs) > 1:
        parser.error("several directories need --study (a tree report reads one)")
    if not args.study and (args.name or args.command):
        parser.error("--name and --command belong to --study")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            if args.study:
                report = write_study(args.study, args.dirs, out=args.out or "results/paper",
                                     name=args.name, commands=args.command,
                                     invocation=invocation_text(argv))
            else:
                report = write_report(args.dirs[0], args.out, args.metric)
    except (OSError, ValueError) as e:
        print(f"hitnet-report: {e}", file=sys.stderr)
        return 1
    print(report)
    return 0


__all__ = ["main", "write_report", "runs_table", "markdown_table", "fmt"]
