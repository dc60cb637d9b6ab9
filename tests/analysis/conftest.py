"""Shared fixtures: the C++ fixture program and a small results tree written by it.

HITNET_BIN names the folder holding hitnet-h5-fixture (CTest sets it to build/bin). The tests
import hitnet_analysis as installed (CTest runs them in build/analysis-venv, where it is
installed in editable mode: tests/analysis/make_venv.sh); nothing here edits sys.path."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def hitnet_report() -> list:
    """The installed hitnet-report command (the console script beside this Python)."""
    script = Path(sys.executable).parent / "hitnet-report"
    if not script.exists():
        pytest.fail(f"{script} does not exist: install the package "
                    "(pip install -e analysis, see analysis/README.md)")
    return [str(script)]

HIDDEN = 16  # the fixture's hidden size: weights are 4H x H, activations 35 * 20 * H values


def fixture_program() -> Path:
    bin_dir = os.environ.get("HITNET_BIN")
    if not bin_dir:
        pytest.fail("set HITNET_BIN to the build's bin folder (ctest sets it)")
    program = Path(bin_dir) / "hitnet-h5-fixture"
    if not program.exists():
        pytest.fail(f"{program} does not exist: build the hitnet-h5-fixture target")
    return program


def write_run(out: Path, *args: str) -> str:
    """Runs the fixture into `out` and returns what it printed."""
    done = subprocess.run([str(fixture_program()), "--out", str(out), "--hidden", str(HIDDEN),
                           *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


# A small sweep: weights fp/ttq x activations fp/btq x lambda 0.5/1, plus a GRU baseline.
TREE_RUNS = {
    f"{w}_{a}_l{l}": ("--weights", w, "--activations", a, "--sloping-factor", l, "--epochs", "3")
    for w in ("fp", "ttq") for a in ("fp", "btq") for l in ("0.5", "1")
}
TREE_RUNS["gru_fp"] = ("--cell", "gru", "--weights", "fp", "--activations", "fp", "--epochs", "2")


@pytest.fixture(scope="session")
def results_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for name, args in TREE_RUNS.items():
        write_run(root / name, *args)
    return root


@pytest.fixture(scope="session")
def partial_sweep(tmp_path_factory) -> Path:
    """A sloping-factor sweep in the middle of its run (synthetic.py): λ 0.5 finished, λ 1
    running (2 epochs), λ 2 started but no epoch yet, λ 0.25 diverged, λ 4 not started."""
    from synthetic import HITNET, make_config, write_sweep

    def hitnet(lam):
        return make_config(**{**HITNET, "quant.sloping_factor": lam})
    root = tmp_path_factory.mktemp("partial")
    return write_sweep(root / "sloping", "sloping_factor", [
        ({"quant.sloping_factor": "0.5"}, {"config": hitnet(0.5), "test": 127.0,
                                           "valid": [300.0, 200.0, 150.0, 130.0]}),
        ({"quant.sloping_factor": "1"}, {"config": hitnet(1.0), "status": "running",
                                         "valid": [350.0, 260.0]}),
        ({"quant.sloping_factor": "2"}, {"config": hitnet(2.0), "status": "running", "valid": []}),
        ({"quant.sloping_factor": "0.25"}, {"config": hitnet(0.25), "status": "diverged",
                                            "valid": [800.0], "diverged_why": "non-finite loss"}),
        ({"quant.sloping_factor": "4"}, None),
    ])
