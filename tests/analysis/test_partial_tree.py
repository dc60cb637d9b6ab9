"""A tree in the middle of a sweep (issue 13, item 10): one λ finished, runs still training,
one that has not finished an epoch, one diverged, points not started. Every figure draws what
there is, and says what is missing, instead of raising."""
from pathlib import Path

import matplotlib

from hitnet_analysis import figures, load_runs, load_tree

from synthetic import HITNET, make_config, write_run

matplotlib.use("Agg")


def hitnet(lam, seed=1):
    return make_config(**{**HITNET, "quant.sloping_factor": lam, "seed": seed})


def texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_every_figure_draws_a_partial_tree(partial_sweep, tmp_path):
    tree, _ = load_runs([partial_sweep])
    assert sorted(tree["status"]) == ["diverged", "finished", "pending", "running", "running"]
    lam = figures.sloping_factor_curves(tree, out=tmp_path / "lambda.png")
    assert "one λ finished so far" in lam.axes[0].get_title()
    assert "running, epoch 2" in texts(lam) and "diverged" in texts(lam)
    bars = figures.degradation_bars(tree, out=tmp_path / "bars.png")
    assert "127.0" in texts(bars)
    curves = figures.learning_curves(tree, out=tmp_path / "curves.png")
    legend = [t.get_text() for t in curves.axes[0].get_legend().get_texts()]
    assert "HitNet λ=1 (running)" in legend and "HitNet λ=0.25 (diverged)" in legend
    assert "no epoch yet: HitNet λ=2" in legend
    dist = figures.compare_distributions(tree, out=tmp_path / "dist.png")
    assert not hasattr(dist, "hitnet_note")
    paper = figures.paper_comparison(tree, out=tmp_path / "paper.png")
    assert "running" in texts(paper) and "pending" in texts(paper)
    for name in ("lambda", "bars", "curves", "dist", "paper"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000, name


def test_only_one_lambda_and_nothing_finished_yet(tmp_path):
    write_run(tmp_path / "a", hitnet(0.5), status="running", valid=[400.0])
    write_run(tmp_path / "b", hitnet(0.5, seed=2), status="running", valid=[])
    tree = load_tree(tmp_path)
    lam = figures.sloping_factor_curves(tree)
    assert "no λ finished yet" in lam.axes[0].get_title() and "running, epoch 1" in texts(lam)
    bars = figures.degradation_bars(tree)
    assert "running" in texts(bars)
    # No histograms anywhere yet: the figures say so.
    write_run(tmp_path / "c", hitnet(1.0), status="running", valid=[], histograms=False)
    empty = figures.distributions(tmp_path / "c")
    assert "no histograms yet" in empty.hitnet_note
    nothing = figures.learning_curves(tmp_path / "c")
    assert nothing.hitnet_note.startswith("no run has finished an epoch yet")


def test_an_empty_tree_is_not_an_error_for_figures(tmp_path):
    tree, _ = load_runs([tmp_path])
    assert tree.empty
    for draw in (figures.degradation_bars, figures.sloping_factor_curves,
                 figures.learning_curves, figures.paper_comparison):
        assert draw(tree).hitnet_note


def test_a_running_run_whose_process_is_gone_is_stopped(tmp_path):
    """hitnet-run holds DIR/.lock while it lives: an unheld lock under a "running" run means its
    process died without a final word; no lock file at all (a copied tree) says nothing."""
    import fcntl
    import os
    write_run(tmp_path / "live", hitnet(0.5), status="running", valid=[400.0])
    write_run(tmp_path / "gone", hitnet(0.5, seed=2), status="running", valid=[400.0])
    write_run(tmp_path / "copied", hitnet(0.5, seed=3), status="running", valid=[400.0])
    (tmp_path / "gone" / ".lock").write_text("4242")
    fd = os.open(tmp_path / "live" / ".lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        tree = load_tree(tmp_path).set_index("name", drop=False)
        status = {Path(p).name: s for p, s in zip(tree["path"], tree["status"])}
    finally:
        os.close(fd)
    assert status == {"live": "running", "gone": "stopped", "copied": "running"}


def test_a_point_not_started_is_named_from_a_sibling_that_lends_it_nothing(tmp_path):
    """Its config is a sibling's with its own overrides on top: the sibling that sets BTQ h_t
    (a key the point leaves to the base) must not lend it that."""
    from hitnet_analysis import load_sweep
    from synthetic import write_sweep
    btq_h = make_config(**{**HITNET, "train.lr": 0.5, "quant.hidden_quant": {"method": "btq"}})
    plain = make_config(**{**HITNET, "train.lr": 2})
    root = write_sweep(tmp_path / "s", "s", [
        ({"train.lr": "0.5", "quant.hidden_quant": "btq"}, {"config": btq_h, "valid": [300.0]}),
        ({"train.lr": "2"}, {"config": plain, "valid": [310.0]}),
        ({"train.lr": "5"}, None)])
    runs = load_sweep(root).runs
    pending = runs[runs["status"] == "pending"].iloc[0]
    assert pending["config.quant.hidden_quant.method"] == "fp"
    assert pending["config.train.lr"] == 5
