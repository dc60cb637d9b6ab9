#!/usr/bin/env python3
"""PyTorch's training loop for hitnet's paper model and recipe, timed like hitnet-bench.

word_language_model's recipe, as configs/ptb_lstm_fp.yaml: embedding -> dropout -> nn.LSTM (or
nn.GRU) -> dropout -> linear decoder (untied), cross-entropy averaged over tokens, SGD with the
gradient clipped to a global norm, hidden state carried over between windows (detached). Random
token windows, as hitnet-bench uses. Prints one line: "pytorch train: N tokens/s".

    python3 scripts/bench_pytorch_lm.py --threads 2 [--cell lstm] [--seconds 8] [--quant hitnet]

--quant hitnet: the same model with HitNet's fake quantization, as a PyTorch user writes it (no
quantization toolkit runs a ternary RNN): TTQ weights and ternary gates {0, 1/2, 1} and tanh
{-1, 0, 1} rounded to the nearest level, each with a straight-through gradient, in an LSTM cell
of its own (nn.LSTM cannot quantize its gates): the input projection for the whole window at once,
the recurrent product per step in a Python loop.
"""
import argparse
import ctypes
import time

import torch
from torch import nn


def straight_through(x, q):
    """q forward, the gradient of x backward."""
    return x + (q - x).detach()


def ttq(w):
    """Threshold ternary: 0 inside Δ = 0.7·mean|w|, ±α (mean |w| above Δ) outside."""
    delta = 0.7 * w.abs().mean()
    mask = (w.abs() > delta).to(w.dtype)
    alpha = (w.abs() * mask).sum() / mask.sum().clamp(min=1)
    return straight_through(w, alpha * torch.sign(w) * mask)


class FakeQuantLSTM(nn.Module):
    """HitNet's LSTM in fake quantization: ternary weights, gates and tanh (see the docstring)."""

    def __init__(self, embedding, hidden):
        super().__init__()
        self.w_ih = nn.Parameter(torch.empty(4 * hidden, embedding))
        self.w_hh = nn.Parameter(torch.empty(4 * hidden, hidden))
        self.bias = nn.Parameter(torch.empty(4 * hidden))

    def forward(self, x, state):
        h, c = (s[0] for s in state)
        w_hh = ttq(self.w_hh)
        projected = x @ ttq(self.w_ih).t() + self.bias  # the whole window at once
        outputs = []
        for t in range(x.shape[0]):
            i, f, g, o = (projected[t] + h @ w_hh.t()).chunk(4, dim=1)
            i, f, o = (straight_through(s, torch.round(2 * s) / 2)
                       for s in (torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)))
            g = torch.tanh(g)
            c = f * c + i * straight_through(g, torch.round(g))
            tc = torch.tanh(c)
            h = o * straight_through(tc, torch.round(tc))
            outputs.append(h)
        return torch.stack(outputs), (h.unsqueeze(0), c.unsqueeze(0))


class LanguageModel(nn.Module):
    def __init__(self, cell, vocab, embedding, hidden, dropout, quant="fp"):
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding)
        self.drop = nn.Dropout(dropout)
        if quant == "hitnet":
            self.rnn = FakeQuantLSTM(embedding, hidden)
        else:
            self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](embedding, hidden, 1)
        self.decoder = nn.Linear(hidden, vocab)
        for p in self.parameters():
            nn.init.uniform_(p, -0.1, 0.1)

    def forward(self, tokens, state):
        out, state = self.rnn(self.drop(self.embed(tokens)), state)
        return self.decoder(self.drop(out)), state


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def blas_kernel():
    """OpenBLAS's kernel as it chose it, when torch's BLAS (Debian: libblas.so.3) is OpenBLAS."""
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "not OpenBLAS"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    p.add_argument("--vocab", type=int, default=10000)
    p.add_argument("--embedding", type=int, default=300)
    p.add_argument("--hidden", type=int, default=300)
    p.add_argument("--bptt", type=int, default=35)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--lr", type=float, default=20.0)
    p.add_argument("--clip", type=float, default=0.25)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--quant", choices=["fp", "hitnet"], default="fp")
    args = p.parse_args()
    if args.quant == "hitnet" and args.cell != "lstm":
        p.error("--quant hitnet has an LSTM cell only")

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = LanguageModel(args.cell, args.vocab, args.embedding, args.hidden, args.dropout,
                          args.quant)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    inputs = torch.randint(args.vocab, (args.bptt, args.batch))
    targets = torch.randint(args.vocab, (args.bptt * args.batch,))
    zeros = torch.zeros(1, args.batch, args.hidden)
    state = (zeros, zeros.clone()) if args.cell == "lstm" else zeros

    def step(state):
        state = detach(state)
        opt.zero_grad()
        logits, state = model(inputs, state)
        loss = loss_fn(logits.view(-1, args.vocab), targets)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        return state

    for _ in range(2):  # warm-up, as hitnet-bench
        state = step(state)
    windows, start = 0, time.perf_counter()
    while True:
        state = step(state)
        windows += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds:
            break
    print(f"pytorch train: {windows * args.bptt * args.batch / elapsed:.0f} tokens/s "
          f"(torch {torch.__version__}, BLAS kernel {blas_kernel()}, {args.quant})")


if __name__ == "__main__":
    main()
