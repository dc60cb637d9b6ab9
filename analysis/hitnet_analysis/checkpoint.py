"""A run's parameters from its checkpoint, by name, and the shape of its weight distributions.

    from hitnet_analysis.checkpoint import load_parameters, weight_tails
    params = load_parameters("results/paper/fp/runs/cell=gru_bc56df7e67db")  # best.ckpt
    params["gru0.w_hh"].shape                      # (900, 300): gates r, z, n stacked
    weight_tails(params)                           # one row per recurrent matrix and gate block

The file is core/io/checkpoint.hpp's (format 2: "HITNETCK", u32 version, u64 payload length,
payload, SHA-256 of everything before it; format 1 has no checksum). Its "params" record is the
model's flat parameter buffer, in the order the model declares its tensors
(core/nn/language_model.cpp, members in declaration order, then the layers in its body): the
embedding table, the decoder (its weight unless tied to the embedding, and its bias), then each
recurrent layer's w_ih, w_hh and bias(es). Matrices are
column-major (Eigen's default). The shapes come from the run's config.yaml; the vocabulary, which
the config does not hold, from the buffer's size.
"""
from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

MAGIC = b"HITNETCK"
# Gate blocks of each cell's stacked matrices, in row order (core/nn/lstm.hpp, gru.hpp).
GATE_BLOCKS = {"lstm": ("i", "f", "o", "g"), "gru": ("r", "z", "n")}


def read_checkpoint(path) -> dict:
    """The records of a checkpoint file: name -> float32 array, number or string. Raises
    ValueError naming the file when it is not a checkpoint, truncated or damaged."""
    path = Path(path)
    data = path.read_bytes()
    if len(data) < 20 or data[:8] != MAGIC:
        raise ValueError(f"{path}: not a hitnet checkpoint (no {MAGIC.decode()} magic)")
    version, length = struct.unpack_from("<IQ", data, 8)
    end = 20 + length
    if version not in (1, 2) or len(data) < end + (32 if version == 2 else 0):
        raise ValueError(f"{path}: truncated or of unknown format version {version}")
    if version == 2 and hashlib.sha256(data[:end]).digest() != data[end:end + 32]:
        raise ValueError(f"{path}: damaged (its SHA-256 does not match)")
    records, at = {}, 20
    (count,) = struct.unpack_from("<I", data, at)
    at += 4
    for _ in range(count):
        (name_length,) = struct.unpack_from("<I", data, at)
        name = data[at + 4:at + 4 + name_length].decode()
        at += 4 + name_length
        kind, size = struct.unpack_from("<BQ", data, at)
        body = data[at + 9:at + 9 + size]
        at += 9 + size
        if kind == 0:
            records[name] = np.frombuffer(body, dtype="<f4")
        elif kind == 1:
            records[name] = struct.unpack("<d", body)[0]
        else:
            records[name] = body.decode()
    return records


def _layout(model: dict, total: int) -> list:
    """(name, rows, cols) of every tensor in declaration order, for a buffer of `total` floats."""
    cell, layers = model["cell"], int(model["layers"])
    hidden, embedding = int(model["hidden"]), int(model["embedding"])
    gates = len(GATE_BLOCKS[cell])
    recurrent = []
    for layer in range(layers):
        name, inputs = f"{cell}{layer}", embedding if layer == 0 else hidden
        recurrent += [(f"{name}.w_ih", gates * hidden, inputs),
                      (f"{name}.w_hh", gates * hidden, hidden)]
        recurrent += ([(f"{name}.b_ih", gates * hidden, 1), (f"{name}.b_hh", gates * hidden, 1)]
                      if cell == "gru" else [(f"{name}.bias", gates * hidden, 1)])
    tied = bool(model.get("tie_weights", False))
    per_word = embedding + (0 if tied else hidden) + 1  # embedding row, decoder row, bias
    rest = total - sum(rows * cols for _, rows, cols in recurrent)
    if rest <= 0 or rest % per_word:
        raise ValueError(f"a buffer of {total} floats does not fit model {model}")
    vocab = rest // per_word
    decoder = ([] if tied else [("decoder.weight", vocab, hidden)]) + [("decoder.bias", vocab, 1)]
    return [("embedding.weight", vocab, embedding), *decoder, *recurrent]


def load_parameters(run_or_checkpoint, config=None, which: str = "best") -> dict:
    """Name -> (rows x cols) float32 array of a run's parameters. `run_or_checkpoint`: a run
    directory (its checkpoints/<which>.ckpt and config.yaml) or a checkpoint file (then
    `config`: the run's config.yaml, or the folder holding it, default the checkpoint's run)."""
    path = Path(run_or_checkpoint)
    checkpoint = path / "checkpoints" / f"{which}.ckpt" if path.is_dir() else path
    config_path = Path(config) if config else (path if path.is_dir() else path.parent.parent)
    if config_path.is_dir():
        config_path = config_path / "config.yaml"
    model = yaml.safe_load(config_path.read_text())["model"]
    flat = read_checkpoint(checkpoint)["params"]
    out, at = {}, 0
    for name, rows, cols in _layout(model, flat.size):
        out[name] = flat[at:at + rows * cols].reshape(cols, rows).T  # column-major
        at += rows * cols
    return out


def ttq(w: np.ndarray, threshold: float = 0.7) -> np.ndarray:
    """TTQ as core/quant/ttq.cpp computes it: α·sign(w) where |w| > Δ = t·mean|w|, else 0, with
    α the mean |w| above Δ."""
    magnitude = np.abs(w)
    above = magnitude > threshold * magnitude.mean()
    alpha = magnitude[above].mean() if above.any() else 0.0
    return np.where(above, np.sign(w) * alpha, 0.0)


def weight_tails(params: dict, threshold: float = 0.7) -> pd.DataFrame:
    """One row per recurrent weight matrix (gate "all") and per gate block of it: mean and
    largest |w|, kurtosis (3 for a Gaussian; a heavy tail makes it large), and the relative
    error ||Q(w) - w|| / ||w|| of TTQ over the whole matrix, as the model applies it."""
    rows = []
    for name, w in params.items():
        layer, _, tensor = name.partition(".")
        cell = layer.rstrip("0123456789")
        if cell not in GATE_BLOCKS or not tensor.startswith("w_"):
            continue
        q = ttq(w, threshold)
        height = w.shape[0] // len(GATE_BLOCKS[cell])
        blocks = [("all", slice(None))] + [
            (gate, slice(k * height, (k + 1) * height)) for k, gate in enumerate(GATE_BLOCKS[cell])]
        for gate, part in blocks:
            x, qx = w[part].astype(np.float64), q[part]
            centred = x - x.mean()
            rows.append({"tensor": name, "gate": gate, "mean_abs": np.abs(x).mean(),
                         "max_abs": np.abs(x).max(),
                         "kurtosis": (centred ** 4).mean() / (centred ** 2).mean() ** 2,
                         "ttq_rel_error": np.linalg.norm(qx - x) / np.linalg.norm(x),
                         "ttq_zeros": float((qx == 0).mean())})
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    """python3 -m hitnet_analysis.checkpoint RUN_DIR...: weight_tails of each run's best
    checkpoint, printed."""
    import argparse
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("runs", nargs="+", help="run directories (or checkpoint files)")
    parser.add_argument("--threshold", type=float, default=0.7, help="TTQ's t in Δ = t·mean|w|")
    args = parser.parse_args(argv)
    with pd.option_context("display.width", 160, "display.precision", 3):
        for run in args.runs:
            print(f"{run}:\n{weight_tails(load_parameters(run), args.threshold).to_string(index=False)}\n")


if __name__ == "__main__":
    main()
