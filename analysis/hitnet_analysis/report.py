"""hitnet-report DIR [--out OUTDIR]: a Markdown table and the figures for a results tree."""
from __future__ import annotations

import argparse
import math
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from . import figures  # noqa: E402
from .tree import CELL, SLOPING_FACTOR, degradation_table, load_tree, quant_label  # noqa: E402

MAX_DISTRIBUTION_FIGURES = 12


def _fmt(value, digits=2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(_fmt(v).replace("|", "\\|") for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def runs_table(tree: pd.DataFrame, metric: str = "test_ppl") -> pd.DataFrame:
    """The report's table: one row per run, finished or not."""
    rated = degradation_table(tree, metric)
    table = pd.DataFrame({
        "run": tree["name"],
        "cell": tree.get(CELL, pd.Series("", index=tree.index)),
        "quant": [quant_label(r) for _, r in tree.iterrows()],
        "λ": tree.get(SLOPING_FACTOR, pd.Series(float("nan"), index=tree.index)),
        "status": tree["status"],
        "epochs": tree["epochs"],
        "best valid ppl": tree["best_valid_ppl"],
        "test ppl": tree["test_ppl"],
        "± std": tree.get("test_ppl_std", pd.Series(float("nan"), index=tree.index)),
        "Δ vs fp": rated["degradation"].reindex(tree.index),
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
        try:
            fig = draw(out / name)
        except ValueError as e:  # not enough data for this figure: say so, keep going
            lines.extend([f"## {title}", "", f"(not drawn: {e})", ""])
            return
        plt.close(fig)
        lines.extend([f"## {title}", "", f"![{title}]({name})", ""])

    readable = tree[tree["results_file"].notna()]
    figure("Learning curves", "learning_curves.png",
           lambda p: figures.learning_curves(tree, out=p))
    figure("Degradation from quantization", "degradation.png",
           lambda p: figures.degradation_bars(tree, metric, out=p))
    figure("Sloping factor", "sloping_factor.png",
           lambda p: figures.sloping_factor_curves(tree, metric, out=p))
    has_histograms = [isinstance(e, tuple) and len(e) > 0
                      for e in readable.get("histogram_epochs", [()] * len(readable))]
    for _, run in readable[has_histograms].head(MAX_DISTRIBUTION_FIGURES).iterrows():
        name = Path(run["path"]).name
        figure(f"Distributions: {run['name']}", f"distributions_{name}.png",
               lambda p, path=run["path"]: figures.distributions(path, out=p))
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="hitnet-report", description="Markdown table and PNG figures for a results tree.")
    parser.add_argument("root", help="results tree: a folder of run directories (or one run)")
    parser.add_argument("--out", help="output folder (default: ROOT/report)")
    parser.add_argument("--metric", default="test_ppl", help="final metric to compare")
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            report = write_report(args.root, args.out, args.metric)
    except (OSError, ValueError) as e:
        print(f"hitnet-report: {e}", file=sys.stderr)
        return 1
    print(report)
    return 0
