"""Shared fixtures: the C++ fixture program and a small results tree written by it.

HITNET_BIN names the folder holding hitnet-h5-fixture (CTest sets it to build/bin)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "analysis"))

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
