"""hitnet_analysis: read hitnet's HDF5 results in one line.

    from hitnet_analysis import load_run, load_tree, load_sweep
    run = load_run("results/runs/ptb_lstm_ternary")    # a run directory or its results.h5
    run.metrics                                        # pandas DataFrame, one row per epoch
    run.config["quant"]["weight_quant"]["method"]      # the resolved config as a dict
    run.final["test_ppl"]                              # final metrics ({} while running)
    run.histograms(epoch=1, kind="weights")            # DataFrame of histograms and their stats
    tree = load_tree("results/runs")                   # one row per run, config flattened,
    tree[["label", "status", "headline_test_ppl"]]     #   named by what each run is
    sweep = load_sweep("results/sweeps/sloping_factor")  # + pending points, commands, why

Figures: hitnet_analysis.figures; the paper's study reports: hitnet_analysis.study (and the
hitnet-report command). The file layout is documented in docs/results-format.md.
"""
from .run import Run, load_run, HistogramRecord
from .tree import load_tree, flatten, quant_label, degradation_table
from .labels import describe_quant, run_labels
from .sweep import Sweep, load_sweep, load_runs
from .locate import locate_results, output_dir

__all__ = ["Run", "load_run", "HistogramRecord", "load_tree", "flatten", "quant_label",
           "degradation_table", "describe_quant", "run_labels", "Sweep", "load_sweep",
           "load_runs", "locate_results", "output_dir"]
