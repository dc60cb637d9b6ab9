"""The numbers the HitNet paper gives, and which run each one is to be compared with.

Wang et al., "HitNet: Hybrid Ternary Recurrent Neural Network", NeurIPS 2018. Only the
headline table could be read (what is known and what is not: the project's notes on the
paper): PTB test perplexity per word of a one-layer, 300-unit model with sequence length 35.
The paper gives no full-precision GRU number, and none for its degradation study, its
sloping-factor ablation or WikiText-2 that could be recovered.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .labels import cell_of, describe_quant, is_ternary, missing

CITATION = "Wang et al. 2018"
# The model behind every number below (config keys and values).
PAPER_SETTING = {"model.layers": 1, "model.hidden": 300, "data.bptt": 35}


@dataclass(frozen=True)
class PaperNumber:
    corpus: str                 # data.corpus
    cell: str                   # model.cell
    scheme: str                 # "fp" (full precision) or "ternary" (weights and activations)
    test_ppl: float
    what: str                   # how the paper names it
    previous_best: Optional[float] = None  # the best earlier ternary result the paper cites

    @property
    def text(self) -> str:
        if self.previous_best is None:
            return f"{self.test_ppl:g}"
        return f"{self.test_ppl:g} (previous best ternary {self.previous_best:g})"


PAPER_NUMBERS = (
    PaperNumber("ptb", "lstm", "fp", 97.2, "full-precision LSTM"),
    PaperNumber("ptb", "lstm", "ternary", 110.3, "HitNet LSTM", previous_best=126),
    PaperNumber("ptb", "gru", "ternary", 113.5, "HitNet GRU", previous_best=142),
)

SUMMARY = ("PTB, one layer of 300 units, sequence length 35, test perplexity: full-precision "
           "LSTM 97.2, HitNet LSTM 110.3 (previous best ternary LSTM 126), HitNet GRU 113.5 "
           "(previous best ternary GRU 142); the paper gives no full-precision GRU number.")


def scheme_of(config: dict) -> str:
    """"fp", "ternary" (every weight matrix and gate ternary) or "" (anything else)."""
    if describe_quant(config) == "FP":
        return "fp"
    return "ternary" if is_ternary(config) else ""


def paper_number(config: dict):
    """(PaperNumber or None, [settings where the run differs from the paper's model]).
    A run is matched by corpus, cell and scheme; a different model size still gets the number,
    with the differences listed so that a table can mark it."""
    corpus = config.get("data.corpus")
    for number in PAPER_NUMBERS:
        if (number.corpus, number.cell, number.scheme) == (corpus, cell_of(config),
                                                           scheme_of(config)):
            differs = [f"{key.split('.')[-1]} {config.get(key)} (paper {value})"
                       for key, value in PAPER_SETTING.items()
                       if not missing(config.get(key)) and config.get(key) != value]
            return number, differs
    return None, []
