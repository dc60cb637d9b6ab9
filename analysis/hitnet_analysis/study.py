"""Reports of the paper's studies: results/paper/<study>.md with its figures under
results/paper/figures/<study>/.

    write_study("hybrid", ["results/paper/fp", "results/paper/hitnet"], out="results/paper",
                commands=["hitnet-sweep configs/paper/fp.yaml --out results/paper/fp"])

A study is one or more sweep directories (or plain folders of runs). Each report has a table
of every run (named by what it is, see labels.py) with the paper's number beside it where the
paper gives one, the figures, and the commands: those the caller passes, each sweep's rerun
command, every point's hitnet-run equivalent and the sweep file. Unfinished, failed and
diverged runs are listed as such, with the reason where the files give one.
"""
from __future__ import annotations

import math
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from . import figures  # noqa: E402
from .labels import (CORPUS_NAMES, cell_of, describe_quant, differences, flat_config,  # noqa: E402
                     is_hitnet, missing)  # noqa: E402
from .paper import CITATION, SUMMARY, paper_number  # noqa: E402
from .sweep import display_path, load_runs  # noqa: E402

MAX_CURVES = 8  # learning curves of at most this many runs (the best by validation)


@dataclass(frozen=True)
class Study:
    title: str
    intro: str
    figures: tuple      # which figures, in order (see FIGURE_TITLES)
    sort_by_valid: bool = False
    search_table: bool = False
    ordering: bool = False  # state the finished runs' ordering by the headline test perplexity


STUDIES = {
    "hybrid": Study(
        "Hybrid ternary LSTM and GRU against full precision",
        "HitNet (TTQ weights, ternary activations, as configs/paper/ptb_lstm_hitnet.yaml "
        "says) on the LSTM and the GRU, each fine-tuned from and shown beside its "
        "full-precision twin.",
        ("paper", "learning_curves", "distributions")),
    "degradation": Study(
        "Degradation study: which quantizer suits weights, which activations",
        "Uniform 2-bit, threshold ternary (TTQ) and Bernoulli ternary (BTQ) quantization on the "
        "weights only and on the activations only, against full precision and HitNet (TTQ "
        "weights with BTQ activations). The paper gives no numbers for this study.",
        ("degradation", "learning_curves", "distributions"), ordering=True),
    "sloping": Study(
        "Sloping factor λ",
        "HitNet's LSTM over the sloping factor λ of σ(x/λ) and tanh(x/λ): steeper gates sit "
        "nearer the levels a ternary quantizer represents exactly. The paper gives no numbers "
        "for this ablation.",
        ("lambda", "learning_curves"), sort_by_valid=True, ordering=True),
    "wikitext2": Study(
        "WikiText-2: HitNet LSTM and its full-precision twin",
        "The paper reports WikiText-2 too, but its numbers could not be recovered: this report "
        "has the measured ones only. HitNet's LSTM is fine-tuned from the full-precision twin, "
        "so its epochs come after the twin's: where both run the same number of epochs (the "
        "quick tier: 2 each), HitNet has trained twice as long, and HitNet below its twin then "
        "says the twin is undertrained, not that ternary beats full precision.",
        ("paper", "learning_curves", "distributions")),
    "search": Study(
        "Search for the scheme that reaches the paper",
        "Every point tried, best validation perplexity first (failed and diverged points "
        "included, with why).",
        ("learning_curves",), sort_by_valid=True, search_table=True),
}
FIGURE_TITLES = {"paper": "Measured against the paper", "degradation": "Degradation bars",
                 "lambda": "Perplexity against λ", "learning_curves": "Learning curves",
                 "distributions": "Distributions before and after quantization"}


def fmt(value, digits=2) -> str:
    if missing(value) or value == "":
        return ""
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(fmt(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _eval_text(row) -> str:
    mode = row.get("headline_mode")
    if missing(mode):
        mode = row.get("eval_mode")
    if missing(mode):
        return ""
    text = "—" if mode == "fp" else str(mode)  # fp: no stochastic quantizer, nothing to choose
    return text if row.get("eval_mode_recorded") else f"{text} (config)"


def _sampled_text(row) -> str:
    mean = row.get("test_ppl_sample")
    if missing(mean):
        return ""
    std, passes = row.get("test_ppl_sample_std"), row.get("test_ppl_sample_passes")
    text = f"{mean:.2f} ± {0.0 if missing(std) else std:.2f}"
    return text + (f" ({int(passes)} passes)" if not missing(passes) else "")


def _epochs_text(row) -> str:
    done, planned = row.get("epochs"), row.get("config.train.epochs")
    if missing(done):
        return ""
    return f"{int(done)}/{int(planned)}" if not missing(planned) else str(int(done))


def _best_valid_text(row) -> str:
    value, epoch = row.get("best_valid_ppl"), row.get("best_epoch")
    if missing(value):
        return ""
    return fmt(float(value)) + (f" ({int(epoch)})" if not missing(epoch) else "")


def results_table(runs: pd.DataFrame, with_paper: bool = True) -> pd.DataFrame:
    """One row per run: label, status, epochs, best valid (epoch), headline test perplexity
    and how it was measured, the sampled mean ± std, and the paper's number with the gap."""
    rows = []
    for _, r in runs.iterrows():
        finished = r.get("status") == "finished"
        test = r.get("headline_test_ppl") if finished else float("nan")
        row = {"run": r["label"], "status": r.get("status"), "epochs": _epochs_text(r),
               "best valid (epoch)": _best_valid_text(r),
               "test ppl": fmt(test), "evaluated": _eval_text(r) if finished else "",
               "sampled test ppl": _sampled_text(r) if finished else ""}
        if with_paper:
            number, differs = paper_number(flat_config(r))
            row["paper"] = (number.text + (" †" if differs else "")) if number else "—"
            row["Δ vs paper"] = (f"{test - number.test_ppl:+.2f}"
                                 if number and not missing(test) else "")
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table) and not (table["sampled test ppl"] != "").any():
        table = table.drop(columns="sampled test ppl")
    return table


def search_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Every point tried, best validation first: what it changed, how far it got, why it
    stopped."""
    ordered = runs.assign(_key=pd.to_numeric(runs["best_valid_ppl"], errors="coerce")) \
        .sort_values("_key", na_position="last", kind="stable")
    # What each point changed: as its sweep recorded it, else how its config differs from
    # the others' (runs that are not sweep points).
    derived = differences([flat_config(r) for _, r in ordered.iterrows()])
    rows = []
    for rank, ((_, r), diff) in enumerate(zip(ordered.iterrows(), derived), 1):
        finished = r.get("status") == "finished"
        status = str(r.get("status"))
        if isinstance(r.get("why"), str) and r["why"]:
            status += f": {r['why']}"
        rows.append({"#": rank, "run": r["label"], "sweep": r.get("sweep", ""),
                     "changed": r["varied"] if isinstance(r.get("varied"), str) and r["varied"]
                     else diff,
                     "epochs": _epochs_text(r), "best valid (epoch)": _best_valid_text(r),
                     "test ppl": fmt(r.get("headline_test_ppl")) if finished else "",
                     "evaluated": _eval_text(r) if finished else "",
                     "sampled test ppl": _sampled_text(r) if finished else "",
                     "status": status})
    table = pd.DataFrame(rows)
    for column in ("sampled test ppl", "sweep"):
        if len(table) and (table[column].astype(str).nunique() <= 1 if column == "sweep"
                           else not (table[column] != "").any()):
            table = table.drop(columns=column)
    return table


def _common_settings(runs: pd.DataFrame) -> str:
    """What every run shares, in one line: corpus, cell and size, bptt, epochs, optimizer."""
    def common(key):
        values = {f"{v:g}" if isinstance(v, float) else str(v)
                  for v in runs.get(key, pd.Series(dtype=object)) if not missing(v)}
        return values.pop() if len(values) == 1 else None
    parts = []
    corpus = common("config.data.corpus")
    if corpus:
        parts.append(CORPUS_NAMES.get(corpus, corpus))
    cell, layers, hidden = common("config.model.cell"), common("config.model.layers"), \
        common("config.model.hidden")
    if layers and hidden:
        parts.append(f"{cell.upper() + ' ' if cell else ''}{layers}×{hidden}")
    for key, text in (("config.data.bptt", "bptt {}"), ("config.train.epochs", "{} epoch(s)"),
                      ("config.train.optimizer", "{}"), ("config.train.lr", "lr {}"),
                      ("config.train.clip", "clip {}"), ("config.model.dropout", "dropout {}"),
                      ("config.quant.eval_samples", "{} evaluation passes when sampled")):
        value = common(key)
        if key == "config.quant.eval_samples" and (value is None or int(float(value)) < 2):
            continue  # one pass: nothing to say
        if value is not None:
            parts.append(text.format(value.upper() if key.endswith("optimizer") else value))
    warm_start = common("config.init.from")
    if warm_start:
        parts.append(f"each fine-tuned from the full-precision model of `{warm_start}`")
    return ", ".join(parts)


def ordering_text(runs: pd.DataFrame) -> str:
    """The finished runs from the lowest headline test perplexity up: 'A 85.67 < B 89.26'."""
    done = runs[runs["status"] == "finished"].assign(
        _ppl=pd.to_numeric(runs["test_ppl"], errors="coerce")).dropna(subset=["_ppl"])
    done = done.sort_values("_ppl", kind="stable")
    return " < ".join(f"{r['label']} {fmt(r['_ppl'])}" for _, r in done.iterrows())


def _notes(runs: pd.DataFrame, study: Study) -> list:
    notes = []
    if (runs["status"] == "finished").any():
        notes.append("Test perplexity is the best validation epoch's model. `evaluated` says "
                     "how stochastic quantizers were evaluated: `deterministic` (nearest level, "
                     "the hardware meaning; the headline), `sample` (as in training), "
                     "`expectation` (E[Q(x)]: BTQ then passes activations through unquantized), "
                     "— (no stochastic quantizer: nothing to choose). \"(config)\": the run did "
                     "not record it, read from its config.")
    expectation = runs[(runs["status"] == "finished") & (runs["headline_mode"] == "expectation")]
    if len(expectation):
        one = len(expectation) == 1
        notes.append("**Not ternary at evaluation**: " + ", ".join(expectation["label"]) +
                     " evaluated BTQ by its expectation, so " + ("its" if one else "their") +
                     " test perplexity was measured with full-precision activations: "
                     + ("not a ternary model's number." if one else "not ternary models' numbers."))
    if study.ordering and (runs["status"] == "finished").sum() > 1:
        notes.append("Ordering, by the headline test perplexity (lower is better): "
                     + ordering_text(runs) + ".")
    if not study.search_table:
        for _, r in runs[runs["status"] != "finished"].iterrows():
            why = f": {r['why']}" if isinstance(r.get("why"), str) and r["why"] else ""
            notes.append(f"{r['label']}: {r['status']}{why}.")
    differing = []
    for _, r in runs.iterrows():
        number, differs = paper_number(flat_config(r))
        if number and differs:
            differing.append(f"{r['label']} ({', '.join(differs)})")
    if differing:
        notes.append("† the paper's model is one layer of 300 units with sequence length 35; "
                     "these runs differ: " + "; ".join(differing) + ".")
    return notes


def distribution_pairs(runs: pd.DataFrame) -> list:
    """(title suffix, rows) per cell: its full-precision and HitNet runs with histograms,
    the best by validation of each."""
    readable = runs[runs["results_file"].notna()].copy()
    if readable.empty:
        return []
    readable["_cell"] = [cell_of(flat_config(r)) for _, r in readable.iterrows()]
    readable["_key"] = pd.to_numeric(readable["best_valid_ppl"], errors="coerce")
    out = []
    for cell, rows in readable.groupby("_cell", sort=False):  # cells in the order of the runs
        configs = [flat_config(r) for _, r in rows.iterrows()]
        fp = rows[[describe_quant(c) == "FP" for c in configs]]
        hitnet = rows[[is_hitnet(c) for c in configs]]
        chosen = [g.sort_values("_key", na_position="last").iloc[:1] for g in (fp, hitnet)
                  if len(g)]
        if chosen:
            out.append((cell, pd.concat(chosen)))
    return out


def _draw(kind, runs, directory: Path, study_name: str):
    """[(title, file name, Figure)] for one figure kind."""
    if kind == "paper":
        return [("Measured against the paper", "paper.png",
                 figures.paper_comparison(runs, out=directory / "paper.png"))]
    if kind == "degradation":
        return [("Degradation bars", "degradation.png",
                 figures.degradation_bars(runs, out=directory / "degradation.png"))]
    if kind == "lambda":
        return [("Perplexity against λ", "lambda.png",
                 figures.sloping_factor_curves(runs, out=directory / "lambda.png"))]
    if kind == "learning_curves":
        shown = runs.assign(_key=pd.to_numeric(runs["best_valid_ppl"], errors="coerce")) \
            .sort_values("_key", na_position="last", kind="stable")
        # Curves need trained epochs: a post-training run (train.epochs 0) has none to draw.
        trained = shown["results_file"].notna() & (pd.to_numeric(shown["epochs"], errors="coerce") > 0)
        shown = shown[trained].head(MAX_CURVES)
        title = None
        if int(trained.sum()) > MAX_CURVES:
            title = f"Perplexity per epoch of the {MAX_CURVES} best runs by validation " \
                    "(valid solid, train dashed)"
        return [("Learning curves", "learning_curves.png",
                 figures.learning_curves(shown, out=directory / "learning_curves.png",
                                         title=title))]
    if kind == "distributions":
        out = []
        pairs = distribution_pairs(runs)
        for cell, rows in pairs:
            name = f"distributions_{cell}.png" if len(pairs) > 1 else "distributions.png"
            title = "Distributions before and after quantization" + \
                (f" ({cell.upper()})" if len(pairs) > 1 else "")
            out.append((title, name, figures.compare_distributions(rows, out=directory / name)))
        return out
    raise ValueError(f"unknown figure kind {kind!r}")


def _commands_section(sweeps, runs, commands, invocation) -> list:
    lines = ["## Commands", ""]
    if commands:
        lines += ["The runs were produced by:", "", "```sh", *commands, "```", ""]
    for sweep in sweeps:
        intro = (f"Sweep `{sweep.name}` (`{display_path(sweep.path)}`, base config "
                 f"`{display_path(sweep.base_config)}`).")
        if sweep.rerun_command:
            lines += [intro + " Repeat it (finished points are skipped, unfinished ones "
                      "resume):", "", "```sh", sweep.rerun_command, "```", ""]
        else:
            lines += [intro, ""]
        points = runs[runs["sweep"] == sweep.name]
        if "command" in points and points["command"].notna().any():
            lines += ["Each point alone:", "", "```sh",
                      *[f"# {label}\n{command}" for label, command in
                        zip(points["label"], points["command"]) if isinstance(command, str)],
                      "```", ""]
        if sweep.spec_text:
            lines += ["`sweep.yaml`:", "", "```yaml", sweep.spec_text.rstrip(), "```", ""]
    if not sweeps and not commands:
        lines += ["(no sweep directory among the inputs and no command given: the commands "
                  "that produced these runs are not known)", ""]
    if invocation:
        lines += ["This report:", "", "```sh", invocation, "```", ""]
    return lines


def write_study(study_name: str, dirs, out="results/paper", name=None, commands=(),
                invocation=None) -> Path:
    """Writes OUT/<name>.md and OUT/figures/<name>/*.png for one study (name defaults to the
    study's); returns the Markdown file."""
    if study_name not in STUDIES:
        raise ValueError(f"unknown study {study_name!r} (expected one of {', '.join(STUDIES)})")
    study = STUDIES[study_name]
    name = name or study_name
    runs, sweeps = load_runs(dirs)
    if runs.empty:
        raise ValueError("no runs or sweep points under " + ", ".join(map(str, dirs)))
    out = Path(out)
    directory = out / "figures" / name
    directory.mkdir(parents=True, exist_ok=True)
    if study.sort_by_valid:
        runs = runs.assign(_key=pd.to_numeric(runs["best_valid_ppl"], errors="coerce")) \
            .sort_values("_key", na_position="last", kind="stable").drop(columns="_key")
    counts = runs["status"].value_counts().to_dict()
    lines = [f"# {study.title}", "", study.intro, "",
             "Inputs: " + ", ".join(f"`{display_path(d)}`" for d in dirs) + f"; {len(runs)} runs ("
             + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ").", ""]
    settings = _common_settings(runs)
    if settings:
        lines += [f"All runs: {settings}.", ""]
    lines += ["## Results", ""]
    if study.search_table:
        lines += [markdown_table(search_table(runs)), ""]
    else:
        lines += [markdown_table(results_table(runs)), ""]
        lines += [f"Paper ({CITATION}): {SUMMARY}", ""]
    lines += [f"- {n}" for n in _notes(runs, study)] + [""]
    lines += ["## Figures", ""]
    for kind in study.figures:
        for title, file_name, fig in _draw(kind, runs, directory, name):
            note = getattr(fig, "hitnet_note", None)
            plt.close(fig)
            if note:
                (directory / file_name).unlink(missing_ok=True)
                lines += [f"### {title}", "", f"(not drawn: {note})", ""]
            else:
                lines += [f"### {title}", "", f"![{title}](figures/{name}/{file_name})", ""]
    lines += _commands_section(sweeps, runs, list(commands), invocation)
    report = out / f"{name}.md"
    report.write_text("\n".join(lines))
    return report


def invocation_text(argv=None) -> str:
    """The command line that is running, for the report's own provenance."""
    argv = sys.argv[1:] if argv is None else argv
    return " ".join(shlex.quote(a) for a in ["hitnet-report", *argv])


__all__ = ["STUDIES", "write_study", "results_table", "search_table", "markdown_table"]
