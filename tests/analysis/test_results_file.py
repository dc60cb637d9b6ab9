"""The C++ results file read back from Python: values, histogram sizes, ternary levels, a
killed writer's file, and reading while the writer is still running."""
import json
import signal
import subprocess

import h5py
import numpy as np
import pytest

from conftest import HIDDEN, fixture_program, write_run
from hitnet_analysis import load_run

GATES = 4  # LSTM
WEIGHT_SIZE = GATES * HIDDEN * HIDDEN
ACTIVATION_SIZE = 35 * 20 * HIDDEN


def printed_rows(stdout: str):
    """The fixture's 'epoch 1 lr 20 train_loss ...' lines as dicts of floats."""
    rows = []
    for line in stdout.splitlines():
        if line.startswith("epoch "):
            words = line.split()
            rows.append({k: float(v) for k, v in zip(words[::2], words[1::2])})
    return rows


def test_metrics_equal_what_the_run_printed(tmp_path):
    stdout = write_run(tmp_path / "run", "--epochs", "6", "--hist-epochs", "2,6")
    run = load_run(tmp_path / "run")
    rows = printed_rows(stdout)
    assert len(rows) == 6
    assert list(run.metrics.columns[:7]) == ["epoch", "lr", "train_loss", "train_ppl",
                                             "valid_ppl", "tokens_per_s", "wall_s"]
    for name in rows[0]:
        assert run.metrics[name].tolist() == [r[name] for r in rows], name  # exact
    assert run.status == "finished" and run.complete
    assert run.histogram_epochs == [2, 6]
    final_line = [l for l in stdout.splitlines() if l.startswith("final ")][0].split()
    assert run.final["best_valid_ppl"] == float(final_line[2])
    assert run.final["test_ppl"] == float(final_line[4])
    assert run.final["epochs_run"] == 6
    assert run.config["quant"]["weight_quant"]["method"] == "ttq"
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["test_ppl"] == run.final["test_ppl"]
    assert summary["status"] == "finished"
    assert summary["config_hash"] == run.attrs["config_hash"]


def test_histogram_counts_sum_to_tensor_sizes(tmp_path):
    write_run(tmp_path / "run", "--epochs", "2", "--bins", "57")
    run = load_run(tmp_path / "run")
    frame = run.histograms()
    assert len(frame) == 2 * (2 * 2 + 2 * 3)  # 2 epochs x (2 weights x 2 stages + 2 gates x 3)
    for r in frame["record"]:
        size = WEIGHT_SIZE if r.kind == "weights" else ACTIVATION_SIZE
        assert r.counts.sum() == size, (r.epoch, r.kind, r.tensor, r.stage)
        assert r.stats["count"] == size
        assert len(r.counts) == 57 and len(r.edges) == 58
        assert np.all(np.diff(r.edges) > 0)
        assert r.edges[0] == r.stats["min"] and r.edges[-1] == r.stats["max"]
    # The same numbers through plain h5py, by the documented paths.
    with h5py.File(tmp_path / "run" / "results.h5", "r") as f:
        g = f["histograms/epoch_0001/weights/lstm0.w_hh/full"]
        assert g["counts"][:].sum() == WEIGHT_SIZE == g.attrs["count"]
        values = np.repeat(0.5 * (g["edges"][1:] + g["edges"][:-1]), g["counts"][:])
        assert abs(values.mean() - g.attrs["mean"]) < 2 * np.diff(g["edges"][:]).max()


def test_ternary_quantized_histograms_have_mass_on_three_levels(tmp_path):
    write_run(tmp_path / "run", "--weights", "ttq", "--activations", "btq", "--epochs", "1")
    run = load_run(tmp_path / "run")
    w = run.histogram(1, "weights", "lstm0.w_hh", "quantized")
    assert np.count_nonzero(w.counts) == 3
    values, fractions = w.levels
    assert len(values) == 3 and values[1] == 0 and values[0] == -values[2]
    assert fractions.sum() == pytest.approx(1.0)
    assert w.stats["frac_zero"] == pytest.approx(fractions[1])
    g = run.histogram(1, "activations", "lstm0.g", "quantized")  # tanh gate: -1, 0, +1
    assert np.count_nonzero(g.counts) == 3
    assert g.levels[0].tolist() == [-1.0, 0.0, 1.0]
    full = run.histogram(1, "weights", "lstm0.w_hh", "full")
    assert full.levels is None and np.count_nonzero(full.counts) > 10


def test_full_precision_run_has_no_levels(tmp_path):
    write_run(tmp_path / "run", "--weights", "fp", "--activations", "fp", "--epochs", "1")
    run = load_run(tmp_path / "run")
    assert run.histogram(1, "weights", "lstm0.w_ih", "quantized").levels is None


def start_paused_writer(out, pause_after=2, epochs=5):
    proc = subprocess.Popen([str(fixture_program()), "--out", str(out), "--hidden", str(HIDDEN),
                             "--epochs", str(epochs), "--pause-after", str(pause_after),
                             "--pause-seconds", "60"], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("paused"):
            return proc
    proc.wait(timeout=10)
    pytest.fail(f"fixture exited ({proc.returncode}) without pausing")


def test_live_read_then_killed_writer_leaves_readable_incomplete_file(tmp_path):
    proc = start_paused_writer(tmp_path / "run")
    try:
        # The writer process is alive and mid-run: plain h5py (with HDF5's default file
        # locking) and load_run both read it.
        with h5py.File(tmp_path / "run" / "results.h5", "r") as f:
            assert f.attrs["status"] == b"running"  # fixed-length strings: bytes in h5py
            assert f["metrics/epoch"][:].tolist() == [1, 2]
        live = load_run(tmp_path / "run")
        assert not live.complete and len(live.metrics) == 2 and live.final == {}
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    killed = load_run(tmp_path / "run")
    assert killed.status == "running" and not killed.complete
    assert killed.metrics["epoch"].tolist() == [1, 2]
    assert killed.histogram_epochs == [1]
    assert not (tmp_path / "run" / "summary.json").exists()


def test_readers_always_see_a_complete_file_while_the_writer_runs(tmp_path):
    """Reads in a loop while the writer appends epochs as fast as it can: every read must
    succeed and show epochs 1..n with every series of the same length."""
    out = tmp_path / "run"
    proc = subprocess.Popen([str(fixture_program()), "--out", str(out), "--hidden", "8",
                             "--epochs", "400", "--hist-epochs", ",".join(map(str, range(1, 400, 25)))],
                            stdout=subprocess.DEVNULL)
    reads, seen = 0, []
    try:
        while proc.poll() is None:
            if not (out / "results.h5").exists():  # not created yet: it appears whole
                continue
            run = load_run(out)
            n = len(run.metrics)
            assert run.metrics["epoch"].tolist() == list(range(1, n + 1))
            assert all(run.metrics[c].notna().all() for c in run.metrics)
            if run.complete:
                assert n == 400
            seen.append(n)
            reads += 1
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert reads >= 5, "the writer finished before the reader could overlap it"
    assert len(set(seen)) > 1, f"never saw the file change while reading: {seen[:10]}"
    assert load_run(out).complete
