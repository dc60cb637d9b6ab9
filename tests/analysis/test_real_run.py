"""A real hitnet-run (tiny HitNet LSTM on the synthetic corpus) read back from Python: the
metrics in results.h5 equal what the run printed, histogram counts sum to the tensor sizes,
ternary tensors have mass on exactly three levels, and the analysis package loads the run."""
import os
import re
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import REPO
from hitnet_analysis import load_run, load_tree

HIDDEN, EMBED, BPTT, BATCH, HIST_BATCHES = 32, 32, 10, 10, 2  # configs/tiny_synthetic.yaml


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("real") / "hitnet_lstm"
    program = Path(os.environ["HITNET_BIN"]) / "hitnet-run"
    done = subprocess.run(
        [str(program), str(REPO / "configs/tiny_synthetic.yaml"), "--out", str(out),
         "quant.weight_quant=ttq", "quant.sigmoid_quant=btq", "quant.tanh_quant=btq",
         "quant.sloping_factor=0.5", "log.histograms.epochs=[1,2]"],
        capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def printed_epochs(stdout):
    rows = re.findall(r"^epoch (\d+)/\d+ done: lr (\S+) train ppl (\S+) valid ppl (\S+)", stdout, re.M)
    return [(int(e), float(lr), float(tp), float(vp)) for e, lr, tp, vp in rows]


def test_metrics_equal_what_the_run_printed(real_run):
    out, stdout = real_run
    run = load_run(out)
    printed = printed_epochs(stdout)
    assert len(printed) == len(run.metrics) == 3
    for (epoch, lr, train_ppl, valid_ppl), (_, row) in zip(printed, run.metrics.iterrows()):
        assert row["epoch"] == epoch
        assert row["lr"] == pytest.approx(lr, rel=1e-3)
        assert round(row["train_ppl"], 2) == pytest.approx(train_ppl, abs=0.006)
        assert round(row["valid_ppl"], 2) == pytest.approx(valid_ppl, abs=0.006)
    test_ppl = float(re.search(r"^valid ppl \S+ test ppl (\S+)", stdout, re.M).group(1))
    assert run.final["test_ppl"] == pytest.approx(test_ppl, abs=0.006)
    assert run.status == "finished" and run.complete


def test_histograms_count_every_value(real_run):
    out, _ = real_run
    with h5py.File(out / "results.h5", "r") as f:
        assert sorted(f["histograms"].keys()) == ["epoch_0001", "epoch_0002", "epoch_0003"]
        w = f["histograms/epoch_0001/weights"]
        for tensor, size in (("lstm0.w_ih", 4 * HIDDEN * EMBED), ("lstm0.w_hh", 4 * HIDDEN * HIDDEN)):
            for stage in ("full", "quantized"):
                g = w[f"{tensor}/{stage}"]
                assert g["counts"][:].sum() == g.attrs["count"] == size
                assert len(g["edges"]) == len(g["counts"]) + 1
        a = f["histograms/epoch_0001/activations"]
        per_gate = HIDDEN * BPTT * BATCH * HIST_BATCHES
        for gate in "ifog":
            for stage in ("pre", "post", "quantized"):
                assert a[f"lstm0.{gate}/{stage}"]["counts"][:].sum() == per_gate


def test_ternary_tensors_have_three_levels(real_run):
    out, _ = real_run
    with h5py.File(out / "results.h5", "r") as f:
        q = f["histograms/epoch_0003/weights/lstm0.w_hh/quantized"]
        assert np.count_nonzero(q["counts"][:]) == 3           # TTQ: -α, 0, +α
        levels = q.attrs["level_values"]
        assert len(levels) == 3 and levels[1] == 0 and levels[0] == -levels[2]
        g = f["histograms/epoch_0003/activations/lstm0.g/quantized"]
        assert np.count_nonzero(g["counts"][:]) == 3           # BTQ after tanh: -1, 0, 1
        assert list(g.attrs["level_values"]) == [-1.0, 0.0, 1.0]
        i = f["histograms/epoch_0003/activations/lstm0.i/quantized"]
        assert list(i.attrs["level_values"]) == [0.0, 1.0]     # BTQ after a sigmoid: {0, 1}
        full = f["histograms/epoch_0003/weights/lstm0.w_hh/full"]
        assert np.count_nonzero(full["counts"][:]) > 3         # the shadow weights are not ternary


def test_the_tree_loader_sees_the_run(real_run):
    out, _ = real_run
    tree = load_tree(out.parent)
    assert len(tree) == 1
    row = tree.iloc[0]
    assert row["status"] == "finished"
    assert row["config.quant.weight_quant.method"] == "ttq"
    assert row["config.quant.sloping_factor"] == 0.5
