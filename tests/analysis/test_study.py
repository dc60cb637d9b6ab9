"""hitnet-report --study: results/paper/<study>.md and its figures from synthetic sweep
directories (index.json, sweep.yaml, runs/<point>/ as hitnet-sweep writes them), partial ones
included: running, diverged and not yet started points."""
import re
import subprocess

import pytest

from hitnet_analysis.study import STUDIES, write_study

from conftest import hitnet_report
from synthetic import HITNET, make_config, write_run, write_sweep

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CALLER_COMMAND = "hitnet-sweep configs/paper/fp.yaml --jobs 2 --threads-per-run 1"


def variant(weights="fp", activations="fp", lam=1.0, **more):
    return make_config(**{"quant.weight_quant.method": weights,
                          "quant.sigmoid_quant.method": activations,
                          "quant.tanh_quant.method": activations,
                          "quant.sigmoid_quant.eval": "deterministic",
                          "quant.tanh_quant.eval": "deterministic",
                          "quant.sloping_factor": lam, **more})


def curve(end):
    """A falling validation curve ending at `end` (4 epochs)."""
    return [end + 90, end + 40, end + 10, end]


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    root = tmp_path_factory.mktemp("studies")
    out = {}
    out["fp"] = write_sweep(root / "fp", "paper_fp", [
        ({"model.cell": "lstm"}, {"config": make_config(), "valid": curve(101.0), "test": 98.25}),
        ({"model.cell": "gru"}, {"config": make_config(**{"model.cell": "gru"}),
                                 "valid": curve(108.0), "test": 104.5}),
    ])
    out["hitnet"] = write_sweep(root / "hitnet", "paper_hitnet", [
        ({"model.cell": "lstm"}, {"config": make_config(**HITNET), "valid": curve(115.0),
                                  "test": 112.75}),
        ({"model.cell": "gru"}, {"config": make_config(**{**HITNET, "model.cell": "gru"}),
                                 "status": "running", "valid": [400.0, 250.0]}),
    ])
    points = []
    for w, a, lam, end in (("fp", "fp", 1.0, 101.0), ("uniform", "fp", 1.0, 109.0),
                           ("ttq", "fp", 1.0, 104.0), ("btq", "fp", 1.0, 107.0),
                           ("fp", "uniform", 0.5, 150.0), ("fp", "ttq", 0.5, 160.0),
                           ("fp", "btq", 0.5, 140.0), ("ttq", "btq", 0.5, None)):
        varied = {"quant.weight_quant": w, "quant.sigmoid_quant": a, "quant.tanh_quant": a,
                  "quant.sloping_factor": str(lam)}
        if end is None:  # HitNet diverged in epoch 3
            run = {"config": variant(w, a, lam), "status": "diverged", "valid": [300.0, 290.0],
                   "diverged_why": "non-finite loss at epoch 3, batch 17"}
        else:
            run = {"config": variant(w, a, lam), "valid": curve(end), "test": end - 2.5}
        points.append((varied, run))
    points.append(({"quant.weight_quant": "ttq", "quant.sigmoid_quant": "btq",
                    "quant.tanh_quant": "btq", "quant.sloping_factor": "0.25"}, None))
    out["degradation"] = write_sweep(root / "degradation", "degradation", points)
    points = []
    for lam, end in ((0.25, 126.0), (0.5, 114.0), (1.0, 131.0), (2.0, None)):
        for seed in (1, 2):
            varied = {"quant.sloping_factor": str(lam), "seed": str(seed)}
            config = make_config(**{**HITNET, "quant.sloping_factor": lam, "seed": seed})
            if end is None:
                run = {"config": config, "status": "running", "valid": [420.0, 330.0]} \
                    if seed == 1 else None
            else:
                run = {"config": config, "valid": curve(end + seed), "test": end + seed - 3}
            points.append((varied, run))
    out["sloping"] = write_sweep(root / "sloping", "sloping_factor", points,
                                 base="/elsewhere/hitnet/configs/ptb_lstm_ternary.yaml")
    wiki = {"data.corpus": "wikitext2", "data.path": "data/wikitext2"}
    out["wikitext2"] = write_sweep(root / "wikitext2", "wikitext2", [
        ({"quant.weight_quant": "fp"}, {"config": make_config(**wiki), "valid": curve(120.0)}),
        ({"quant.weight_quant": "ttq"}, {"config": make_config(**{**HITNET, **wiki}),
                                         "valid": curve(135.0)}),
    ])
    out["search"] = write_sweep(root / "search", "search_round1", [
        ({"train.lr": "20"}, {"config": make_config(**{**HITNET, "train.lr": 20.0}),
                              "valid": curve(150.0)}),
        ({"train.lr": "5"}, {"config": make_config(**{**HITNET, "train.lr": 5.0}),
                             "valid": curve(121.0)}),
        ({"train.lr": "40"}, {"config": make_config(**{**HITNET, "train.lr": 40.0}),
                              "status": "diverged", "valid": [700.0],
                              "diverged_why": "validation perplexity is inf after epoch 2"}),
        ({"train.lr": "80"}, {"index_status": "failed", "exit_code": 1,
                              "log_tail": "hitnet-run: data/ptb/ptb.train.txt: not found"}),
    ])
    return out


def run_report(*args):
    done = subprocess.run([*hitnet_report(), *map(str, args)], capture_output=True, text=True,
                          timeout=300)
    return done


def table_rows(markdown):
    """The first Markdown table's rows as lists of cells."""
    rows = [l for l in markdown.split("## Results")[1].split("\n\n")[1].splitlines()]
    return [[c.strip() for c in r.strip("|").split("|")] for r in rows[2:]]


def check_figures(markdown, out, study):
    """Every figure the report links exists as a PNG; returns their names."""
    linked = re.findall(r"\]\(figures/" + study + r"/([^)]+)\)", markdown)
    assert linked, "no figure linked"
    for name in linked:
        path = out / "figures" / study / name
        assert path.read_bytes()[:8] == PNG_MAGIC, name
    return linked


def test_hybrid_report_through_the_command(sweeps, tmp_path):
    out = tmp_path / "paper"
    done = run_report("--study", "hybrid", sweeps["fp"], sweeps["hitnet"], "--out", out,
                      "--command", CALLER_COMMAND)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / "hybrid.md")
    md = (out / "hybrid.md").read_text()
    rows = {r[0]: r for r in table_rows(md)}
    assert set(rows) == {"LSTM FP", "GRU FP", "LSTM HitNet λ=0.5", "GRU HitNet λ=0.5"}
    # Measured beside the paper's number, with the gap.
    assert rows["LSTM FP"][4] == "98.25" and rows["LSTM FP"][-2] == "97.2"
    assert rows["LSTM FP"][-1] == "+1.05"
    assert rows["LSTM HitNet λ=0.5"][4] == "112.75"
    assert rows["LSTM HitNet λ=0.5"][-2] == "110.3 (previous best ternary 126)"
    assert rows["LSTM HitNet λ=0.5"][-1] == "+2.45"
    assert rows["GRU FP"][-2] == "—"  # no full-precision GRU number in the paper
    assert rows["GRU HitNet λ=0.5"][1] == "running" and rows["GRU HitNet λ=0.5"][4] == ""
    assert rows["GRU HitNet λ=0.5"][-2] == "113.5 (previous best ternary 142)"
    assert "GRU HitNet λ=0.5: running: 2 of 4 epochs done." in md
    # The sampled mean ± std beside the deterministic headline.
    assert "116.75 ± 1.50 (5 passes)" in rows["LSTM HitNet λ=0.5"]
    assert "ptb_lstm_fp" not in md.split("## Commands")[0]  # runs named by what they are
    assert sorted(check_figures(md, out, "hybrid")) == [
        "distributions_gru.png", "distributions_lstm.png", "learning_curves.png", "paper.png"]
    # The commands: the caller's, each sweep's rerun, each point, the sweep file, the report.
    commands = md.split("## Commands")[1]
    assert CALLER_COMMAND in commands
    assert f"hitnet-sweep {sweeps['fp']}/sweep.yaml --out {sweeps['fp']}" in commands
    assert "hitnet-run configs/ptb_lstm_fp.yaml model.cell=gru --out " \
           f"{sweeps['hitnet']}/runs/" in commands
    assert "name: paper_hitnet" in commands
    assert "hitnet-report --study hybrid" in commands


def test_degradation_report(sweeps, tmp_path):
    md = write_study("degradation", [sweeps["degradation"]], out=tmp_path).read_text()
    rows = {r[0]: r for r in table_rows(md)}
    assert list(rows) == ["FP", "uniform 2-bit weights", "TTQ weights", "BTQ weights",
                          "uniform 2-bit activations λ=0.5", "TTQ activations λ=0.5",
                          "BTQ activations λ=0.5", "HitNet λ=0.5", "HitNet λ=0.25"]
    assert rows["TTQ weights"][4] == "101.50" and rows["BTQ activations λ=0.5"][4] == "137.50"
    assert rows["HitNet λ=0.5"][1] == "diverged"
    assert rows["HitNet λ=0.25"][1] == "pending" and rows["HitNet λ=0.25"][2] == "0/4"
    assert "HitNet λ=0.5: diverged: non-finite loss at epoch 3, batch 17; grad norm mean 0.7, " \
           "max 4 (clip 0.25), 70% of batches clipped in epoch 2." in md
    assert sorted(check_figures(md, tmp_path, "degradation")) == [
        "degradation.png", "distributions.png", "learning_curves.png"]
    # The ordering, stated with its numbers: finished runs only, lowest test perplexity first.
    ordering = next(line for line in md.splitlines() if line.startswith("- Ordering"))
    parts = ordering.split(": ", 1)[1].rstrip(".").split(" < ")
    values = [float(p.rsplit(" ", 1)[1]) for p in parts]
    assert values == sorted(values) and len(parts) == 7
    assert "TTQ weights 101.50" in parts and not any("HitNet λ=0.5" in p for p in parts)


def test_sloping_report_with_an_unfinished_lambda(sweeps, tmp_path):
    md = write_study("sloping", [sweeps["sloping"]], out=tmp_path).read_text()
    rows = table_rows(md)
    labels = [r[0] for r in rows]
    # Best validation first; the running point and the one not started last.
    assert labels[:2] == ["HitNet λ=0.5 seed 1", "HitNet λ=0.5 seed 2"]
    assert labels[-2:] == ["HitNet λ=2 seed 1", "HitNet λ=2 seed 2"]
    assert [r[1] for r in rows[-2:]] == ["running", "pending"]
    assert len(set(labels)) == len(labels) == 8
    assert sorted(check_figures(md, tmp_path, "sloping")) == ["lambda.png", "learning_curves.png"]
    assert "hitnet-run configs/ptb_lstm_ternary.yaml quant.sloping_factor=2.0 seed=2" in md


def test_wikitext2_report_has_no_paper_numbers(sweeps, tmp_path):
    md = write_study("wikitext2", [sweeps["wikitext2"]], out=tmp_path).read_text()
    rows = {r[0]: r for r in table_rows(md)}
    assert set(rows) == {"FP", "HitNet λ=0.5"}
    assert rows["FP"][-2] == "—" and rows["HitNet λ=0.5"][-2] == "—"
    assert "All runs: WikiText-2, LSTM 1×300" in md
    check_figures(md, tmp_path, "wikitext2")


def test_search_table_lists_every_point_by_best_validation(sweeps, tmp_path):
    md = write_study("search", [sweeps["search"]], out=tmp_path, name="search_round1").read_text()
    rows = table_rows(md)
    assert [r[1] for r in rows] == ["HitNet lr=5", "HitNet lr=20", "HitNet lr=40", "HitNet lr=80"]
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0][2] == "train.lr=5"  # what the point changed
    assert rows[2][-1].startswith("diverged: validation perplexity is inf after epoch 2")
    assert rows[3][-1] == "failed: hitnet-run: data/ptb/ptb.train.txt: not found"
    assert (tmp_path / "figures" / "search_round1" / "learning_curves.png").exists()


def test_search_over_plain_run_folders_says_what_changed(tmp_path):
    write_run(tmp_path / "runs" / "a", make_config(**{**HITNET, "train.lr": 5.0}), valid=curve(130.0))
    write_run(tmp_path / "runs" / "b", make_config(**{**HITNET, "train.lr": 20.0}), valid=curve(125.0))
    md = write_study("search", [tmp_path / "runs"], out=tmp_path / "paper").read_text()
    rows = table_rows(md)
    assert [(r[1], r[2]) for r in rows] == [("HitNet lr=20", "train.lr=20"),
                                            ("HitNet lr=5", "train.lr=5")]
    assert "the commands that produced these runs are not known" in md


def test_studies_cover_every_name():
    assert set(STUDIES) == {"hybrid", "degradation", "sloping", "wikitext2", "search"}


def test_bad_input_is_a_clear_error(sweeps, tmp_path):
    missing = run_report("--study", "hybrid", tmp_path / "nowhere", "--out", tmp_path)
    assert missing.returncode == 1 and "nowhere does not exist" in missing.stderr
    unknown = run_report("--study", "hybird", sweeps["fp"])
    assert unknown.returncode == 2 and "invalid choice: 'hybird'" in unknown.stderr
    two = run_report(sweeps["fp"], sweeps["hitnet"])
    assert two.returncode == 2 and "several directories need --study" in two.stderr
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "index.json").write_text("{not json")
    broken = run_report("--study", "search", tmp_path / "broken", "--out", tmp_path)
    assert broken.returncode == 1 and "index.json: cannot read the sweep's index" in broken.stderr
