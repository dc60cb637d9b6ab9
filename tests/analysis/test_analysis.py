"""analysis/: loading a results tree, the figures and the hitnet-report command."""
import subprocess

import matplotlib
import pytest

from conftest import TREE_RUNS, hitnet_report, write_run
from hitnet_analysis import degradation_table, flatten, load_run, load_tree, quant_label
from hitnet_analysis import figures

matplotlib.use("Agg")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def is_png(path):
    return path.exists() and path.read_bytes()[:8] == PNG_MAGIC


def test_flatten_makes_dotted_hashable_columns():
    assert flatten({"a": {"b": 1, "c": {"d": "x"}}, "e": [1, 2], "f": {}}) == {
        "a.b": 1, "a.c.d": "x", "e": (1, 2), "f": {}}


def test_load_tree_has_one_row_per_run_with_config_and_final_columns(results_tree):
    tree = load_tree(results_tree)
    assert len(tree) == len(TREE_RUNS)
    assert set(tree["status"]) == {"finished"}
    for _, row in tree.iterrows():
        run = load_run(row["path"])
        assert row["test_ppl"] == run.final["test_ppl"]
        assert row["best_valid_ppl"] == run.final["best_valid_ppl"]
        assert row["epochs"] == len(run.metrics)
        assert row["config.quant.weight_quant.method"] == run.config["quant"]["weight_quant"]["method"]
        assert row["config.model.cell"] == run.config["model"]["cell"]
    assert tree.groupby("config.quant.weight_quant.method").size().to_dict() == {"fp": 5, "ttq": 4}


def test_load_tree_reports_unreadable_and_summary_only_runs(results_tree, tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.h5").write_text("not an HDF5 file")
    src = results_tree / "ttq_btq_l1"
    (tmp_path / "copied").mkdir()
    for name in ("summary.json", "config.yaml"):
        (tmp_path / "copied" / name).write_bytes((src / name).read_bytes())
    with pytest.warns(UserWarning, match="broken"):
        tree = load_tree(tmp_path).set_index("path")
    broken = tree.loc[str(tmp_path / "broken")]
    assert broken["status"] == "unreadable" and "broken" in broken["error"]
    copied = tree.loc[str(tmp_path / "copied")]
    assert copied["test_ppl"] == load_run(src).final["test_ppl"]
    assert copied["config.quant.weight_quant.method"] == "ttq"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_tree(tmp_path / "nowhere")


def test_load_run_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no results file"):
        load_run(tmp_path)
    (tmp_path / "results.h5").write_text("junk")
    with pytest.raises(OSError, match="results.h5"):
        load_run(tmp_path)


def test_degradation_is_measured_against_the_same_cells_full_precision_run(results_tree):
    table = degradation_table(load_tree(results_tree)).set_index("name")
    lstm_fp = table[(table["quant"] == "W fp / A fp") & (table["config.model.cell"] == "lstm")]
    baseline = lstm_fp["test_ppl"].min()
    ternary = table[table["quant"] == "W ttq / A btq"]
    assert (ternary["degradation"] == ternary["test_ppl"] - baseline).all()
    assert (ternary["degradation"] > 0).all()  # the fixture's curve penalises quantization
    gru = table[table["config.model.cell"] == "gru"]
    assert gru["degradation"].tolist() == [0.0]
    assert quant_label({"config.quant.weight_quant.method": "uniform",
                        "config.quant.weight_quant.bits": 4,
                        "config.quant.sigmoid_quant.method": "btq",
                        "config.quant.tanh_quant.method": "fp"}) == "W uniform4 / A btq+fp"
    assert quant_label({}) == "W ? / A ?"
    assert quant_label({"config.quant.weight_quant.method": "ttq",
                        "config.quant.sigmoid_quant.method": "btq",
                        "config.quant.tanh_quant.method": "btq",
                        "config.quant.hidden_quant.method": "btq",
                        "config.quant.bias_quant.method": "fp",
                        "config.quant.gates.o.method": "binary"}) == "W ttq / A btq +h:btq +o:binary"


def test_figures_write_pngs(results_tree, tmp_path):
    tree = load_tree(results_tree)
    figures.distributions(results_tree / "ttq_btq_l0.5", out=tmp_path / "dist.png")
    figures.learning_curves(tree, out=tmp_path / "curves.png")
    figures.degradation_bars(tree, out=tmp_path / "bars.png")
    figures.sloping_factor_curves(tree, out=tmp_path / "slope.png")
    for name in ("dist", "curves", "bars", "slope"):
        assert is_png(tmp_path / f"{name}.png"), name
    with pytest.raises(ValueError, match="no histograms for epoch 7"):
        figures.distributions(results_tree / "fp_fp_l1", epoch=7)


def test_hitnet_report_writes_table_and_figures(results_tree, tmp_path):
    out = tmp_path / "report"
    done = subprocess.run([*hitnet_report(), str(results_tree), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = (out / "report.md").read_text()
    tree = load_tree(results_tree)
    # One table row per run, ending in its directory; each named by what it is.
    table_rows = {l.split("|")[-2].strip(): l for l in report.splitlines()
                  if l.startswith("| ") and l.split("|")[-2].strip() in TREE_RUNS}
    assert set(table_rows) == set(TREE_RUNS)
    ttq = tree[tree["name"] == "fixture_lstm_ttq_btq_l1"].iloc[0]
    assert f"{ttq['test_ppl']:.2f}" in table_rows["ttq_btq_l1"]
    assert table_rows["ttq_btq_l1"].startswith("| LSTM HitNet ")
    assert table_rows["fp_fp_l1"].startswith("| LSTM FP ")
    assert table_rows["gru_fp"].startswith("| GRU FP ")
    assert "fixture_" not in report.split("## ")[0].replace("# hitnet results", "")
    # Distributions: full precision against HitNet per cell (the GRU has only its FP run).
    for png in ("learning_curves.png", "degradation.png", "sloping_factor.png",
                "distributions_lstm.png", "distributions_gru.png"):
        assert is_png(out / png), png
        assert f"({png})" in report

    missing = subprocess.run([*hitnet_report(), str(tmp_path / "nowhere")],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_report_lists_an_unfinished_run(tmp_path):
    write_run(tmp_path / "done", "--epochs", "2")
    write_run(tmp_path / "crashed", "--epochs", "2", "--status", "failed")
    done = subprocess.run([*hitnet_report(), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "report" / "report.md").read_text()
    assert "| failed |" in report and "| finished |" in report
    assert is_png(tmp_path / "report" / "distributions_lstm.png")  # the best HitNet run


def test_report_without_fp_or_hitnet_shows_each_runs_distributions(tmp_path):
    for name in ("a", "b"):
        write_run(tmp_path / name, "--epochs", "1", "--weights", "ttq", "--activations", "fp",
                  "--seed", "1" if name == "a" else "2")
    done = subprocess.run([*hitnet_report(), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "report" / "report.md").read_text()
    for name in ("a", "b"):
        assert is_png(tmp_path / "report" / f"distributions_{name}.png")
    assert "## Distributions: TTQ weights seed 1" in report
