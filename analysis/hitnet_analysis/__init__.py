"""hitnet_analysis: read hitnet's HDF5 results in one line.

    from hitnet_analysis import load_run, load_tree
    run = load_run("results/runs/ptb_lstm_ternary")    # a run directory or its results.h5
    run.metrics                                        # pandas DataFrame, one row per epoch
    run.config["quant"]["weight_quant"]["method"]      # the resolved config as a dict
    run.final["test_ppl"]                              # final metrics ({} while running)
    run.histograms(epoch=1, kind="weights")            # DataFrame of histograms and their stats
    tree = load_tree("results/runs")                   # one row per run, config flattened

The file layout is documented in docs/results-format.md.
"""
from .run import Run, load_run, HistogramRecord
from .tree import load_tree, flatten, quant_label, degradation_table

__all__ = ["Run", "load_run", "HistogramRecord", "load_tree", "flatten", "quant_label",
           "degradation_table"]
