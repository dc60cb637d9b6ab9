"""The fields the C++ side is adding (evaluation modes, gradient and quantization-error series,
null best epochs, peak memory), read when present and not required when absent. The runs are
synthetic HDF5 files written with h5py (synthetic.py) in the documented layout."""
import json
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from hitnet_analysis import figures, load_run, load_tree
from hitnet_analysis.study import results_table

from synthetic import HITNET, make_config, write_run

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("new_fields")
    write_run(root / "fp", make_config(), test=101.25)
    write_run(root / "hitnet", make_config(**HITNET), test=112.5)
    write_run(root / "old_hitnet", make_config(**{**HITNET, "quant.sigmoid_quant.eval": "expectation",
                                                  "quant.tanh_quant.eval": "expectation"}),
              test=108.0, new_fields=False)
    write_run(root / "starting", make_config(**HITNET), status="running", valid=[])
    return root


def test_metrics_keep_the_new_series(runs):
    run = load_run(runs / "hitnet")
    m = run.metrics
    for column in ("grad_norm_mean", "grad_norm_max", "clipped_frac", "valid_ppl_std",
                   "qerr.lstm0.w_hh", "qerr.lstm0.i"):
        assert column in m, column
    assert list(m.columns[:7]) == ["epoch", "lr", "train_loss", "train_ppl", "valid_ppl",
                                   "tokens_per_s", "wall_s"]
    assert m["grad_norm_max"].tolist() == [3.0, 4.0, 5.0, 6.0]
    assert run.final["eval_mode"] == "deterministic"
    assert run.summary["test_ppl_by_mode"]["sample"]["passes"] == 5
    assert "qerr.lstm0.w_hh" not in load_run(runs / "fp").metrics  # nothing quantized


def test_tree_columns_from_final_and_summary(runs):
    tree = load_tree(runs)
    by_dir = {Path(r["path"]).name: r for _, r in tree.iterrows()}
    hitnet = by_dir["hitnet"]
    assert hitnet["eval_mode"] == "deterministic" and hitnet["eval_mode_recorded"]
    assert hitnet["test_ppl_deterministic"] == 112.5 == hitnet["headline_test_ppl"]
    assert hitnet["headline_mode"] == "deterministic"
    assert hitnet["test_ppl_sample"] == 116.5 and hitnet["test_ppl_sample_std"] == 1.5
    assert hitnet["test_ppl_sample_passes"] == 5 and hitnet["test_ppl_expectation"] == 106.5
    assert hitnet["peak_rss_mb"] == 512.5 and hitnet["best_epoch"] == 4
    # Written before eval_mode existed: the mode comes from the config, and says so.
    old = by_dir["old_hitnet"]
    assert old["eval_mode"] == "expectation" and not old["eval_mode_recorded"]
    assert old["headline_test_ppl"] == 108.0 and old["headline_mode"] == "expectation"
    assert np.isnan(old["test_ppl_sample"])
    fp = by_dir["fp"]
    assert fp["eval_mode"] == "fp" and fp["headline_test_ppl"] == 101.25
    # No epoch finished: best_valid_ppl and best_epoch are null in summary.json -> NaN.
    summary = json.loads((runs / "starting" / "summary.json").read_text())
    assert summary["best_valid_ppl"] is None and summary["best_epoch"] is None
    starting = by_dir["starting"]
    assert starting["status"] == "running" and starting["epochs"] == 0
    assert np.isnan(starting["best_valid_ppl"]) and np.isnan(starting["headline_test_ppl"])


def test_summary_only_run_reads_test_ppl_by_mode(runs, tmp_path):
    (tmp_path / "copied").mkdir()
    for name in ("summary.json", "config.yaml"):
        (tmp_path / "copied" / name).write_bytes((runs / "hitnet" / name).read_bytes())
    row = load_tree(tmp_path).iloc[0]
    assert row["results_file"] is None
    assert row["test_ppl_deterministic"] == 112.5 and row["test_ppl_sample"] == 116.5
    assert row["test_ppl_sample_std"] == 1.5 and row["test_ppl_expectation"] == 106.5
    assert row["headline_test_ppl"] == 112.5 and row["label"] == "HitNet"
    # The same config twice in one tree (a run and its restart elsewhere): numbered.
    labels = load_tree(runs)["label"].tolist()
    assert labels == ["FP", "HitNet λ=0.5 A eval=deterministic (1)",
                      "HitNet λ=0.5 A eval=expectation", "HitNet λ=0.5 A eval=deterministic (2)"]


def test_tables_show_the_headline_and_the_sampled_spread(runs):
    tree = load_tree(runs)
    table = results_table(tree)
    table.index = [Path(p).name for p in tree["path"]]
    assert table.loc["hitnet", "test ppl"] == "112.50"
    assert table.loc["hitnet", "evaluated"] == "deterministic"
    assert table.loc["hitnet", "sampled test ppl"] == "116.50 ± 1.50 (5 passes)"
    assert table.loc["hitnet", "paper"] == "110.3 (previous best ternary 126)"
    assert table.loc["hitnet", "Δ vs paper"] == "+2.20"
    assert table.loc["old_hitnet", "evaluated"] == "expectation (config)"
    assert table.loc["old_hitnet", "sampled test ppl"] == ""
    assert table.loc["fp", "evaluated"] == "—"
    assert table.loc["fp", "paper"] == "97.2" and table.loc["fp", "Δ vs paper"] == "+4.05"
    assert table.loc["starting", "status"] == "running" and table.loc["starting", "test ppl"] == ""


def test_learning_curves_add_diagnostic_panels_only_when_recorded(runs, tmp_path):
    tree = load_tree(runs)
    fig = figures.learning_curves(tree, out=tmp_path / "all.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 4
    assert titles[1].startswith("Gradient norm") and titles[2].startswith("Batches")
    assert titles[3].startswith("Relative quantization error: mean")
    # The clip threshold is drawn in the gradient panel.
    assert any(t.get_text() == "clip 0.25" for t in fig.axes[1].texts)
    # The epoch axis starts half an epoch before the first epoch drawn (1), not at an empty 0.
    assert fig.axes[-1].get_xlim()[0] == 0.5
    # One run alone: a line per quantized tensor (2 weights + 5 gates).
    one = figures.learning_curves([runs / "hitnet"])
    assert len(one.axes[3].get_lines()) == 7
    # Runs written before these series: only the perplexity panel.
    old = figures.learning_curves([runs / "old_hitnet"])
    assert [ax.get_title() for ax in old.axes] == [
        "Perplexity per epoch: validation (solid), training (dashed)"]
    assert not hasattr(old, "hitnet_note")
    # A run that has not finished an epoch is named in the figure, not drawn.
    assert any(t.get_text().startswith("no epoch yet: ")
               for t in fig.axes[0].get_legend().get_texts())
