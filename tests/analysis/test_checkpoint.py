"""A real run's checkpoint read back from Python (hitnet_analysis.checkpoint): the parameters
come out by name in the model's shapes, the TTQ error of each weight matrix computed from them
equals the one the trainer recorded in results.h5, and a damaged file is refused."""
import os
import subprocess
from pathlib import Path

import h5py
import pytest

from conftest import REPO
from hitnet_analysis.checkpoint import load_parameters, read_checkpoint, weight_tails


# (cell, hidden, tied decoder): the decoder sits between the embedding and the layers unless tied
CASES = {"lstm": ("lstm", 24, False), "gru": ("gru", 24, False), "lstm-tied": ("lstm", 32, True)}


@pytest.fixture(scope="module", params=list(CASES))
def ttq_run(request, tmp_path_factory):
    cell, hidden, tied = CASES[request.param]
    out = tmp_path_factory.mktemp("ckpt") / request.param
    program = Path(os.environ["HITNET_BIN"]) / "hitnet-run"
    done = subprocess.run(
        [str(program), str(REPO / "configs/tiny_synthetic.yaml"), "--out", str(out),
         f"model.cell={cell}", f"model.hidden={hidden}", f"model.tie_weights={str(tied).lower()}",
         "quant.weight_quant=ttq", "train.epochs=1", "train.lr=1e-9"],
        capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return out, cell


def test_parameters_come_out_by_name_in_the_models_shapes(ttq_run):
    run, cell = ttq_run
    params = load_parameters(run)
    gates, hidden = (4 if cell == "lstm" else 3), params[f"{cell}0.w_hh"].shape[1]
    assert params["embedding.weight"].shape == (50, 32)  # tiny_synthetic: vocab 50, embedding 32
    assert params[f"{cell}0.w_ih"].shape == (gates * hidden, 32)
    assert params[f"{cell}0.w_hh"].shape == (gates * hidden, hidden)
    assert params["decoder.bias"].shape == (50, 1)
    assert ("decoder.weight" in params) == (hidden == 24)  # the tied case has none


def test_ttq_error_of_each_matrix_is_the_one_the_trainer_recorded(ttq_run):
    # results.h5 records it on training windows near the epoch's end; at a negligible rate the
    # weights there are the checkpoint's.
    run, cell = ttq_run
    tails = weight_tails(load_parameters(run, which="latest"))
    with h5py.File(run / "results.h5", "r") as f:
        for tensor in (f"{cell}0.w_ih", f"{cell}0.w_hh"):
            recorded = f[f"metrics/qerr.{tensor}"][-1]
            row = tails[(tails.tensor == tensor) & (tails.gate == "all")].iloc[0]
            assert row.ttq_rel_error == pytest.approx(recorded, rel=1e-4)
    assert set(tails.gate) == {"all", *("ifog" if cell == "lstm" else "rzn")}


def test_a_damaged_checkpoint_is_refused(ttq_run, tmp_path):
    run, _ = ttq_run
    data = bytearray((run / "checkpoints" / "best.ckpt").read_bytes())
    data[100] ^= 0xFF
    damaged = tmp_path / "best.ckpt"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        read_checkpoint(damaged)
    damaged.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a hitnet checkpoint"):
        read_checkpoint(damaged)
