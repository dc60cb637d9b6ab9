"""Runs are named by what they are: the quantization scheme from the config, then the keys on
which the compared runs differ."""
from hitnet_analysis import describe_quant, flatten, run_labels
from hitnet_analysis.labels import eval_mode_from_config, is_hitnet, scheme_rank, varying_keys

from synthetic import HITNET, make_config


def flat(**dotted):
    return flatten(make_config(**dotted))


def labels(*configs, **kwargs):
    return run_labels([flatten(c) for c in configs], **kwargs)


def test_schemes_in_words():
    assert describe_quant(flat()) == "FP"
    assert describe_quant(flat(**{"quant.weight_quant.method": "ttq"})) == "TTQ weights"
    assert describe_quant(flat(**{"quant.weight_quant.method": "uniform"})) == "uniform 2-bit weights"
    assert describe_quant(flat(**{"quant.sigmoid_quant.method": "btq",
                                  "quant.tanh_quant.method": "btq"})) == "BTQ activations"
    assert describe_quant(flat(**HITNET)) == "HitNet"
    assert is_hitnet(flat(**HITNET)) and not is_hitnet(flat())
    # Only the sigmoids, one gate overridden, another placement quantized.
    assert describe_quant(flat(**{"quant.sigmoid_quant.method": "btq"})) == "BTQ sigmoids"
    assert describe_quant(flat(**{**HITNET, "quant.gates.o": {"method": "fp"}})) == \
        "TTQ weights + BTQ activations (o: FP)"
    assert describe_quant(flat(**{**HITNET, "quant.hidden_quant.method": "btq"})) == "HitNet + BTQ h_t"
    # The recurrent weights alone.
    assert describe_quant(flat(**{"quant.recurrent_weight_quant": {"method": "ttq"}})) == "TTQ W_hh"
    # A GRU's gates are r, z, n.
    assert describe_quant(flat(**{**HITNET, "model.cell": "gru"})) == "HitNet"
    # Half gates: an LSTM's h_t without a quantizer of its own has five levels, and says so.
    half = {**HITNET, "quant.sigmoid_quant.unit_levels": "ternary"}
    assert describe_quant(flat(**half)) == "HitNet (gates {0,½,1}) + h_t five-level"
    assert describe_quant(flat(**{**half, "quant.hidden_quant.method": "btq"})) == \
        "HitNet (gates {0,½,1}) + BTQ h_t"
    assert describe_quant(flat(**{**half, "quant.gates.c": {"method": "fp"}})) == \
        "TTQ weights + BTQ activations (c: FP) (gates {0,½,1})"
    assert describe_quant(flat(**{**half, "model.cell": "gru"})) == "HitNet (gates {0,½,1})"
    # A GRU with a binary update gate (its h_t exactly ternary) says which gate is binary.
    assert describe_quant(flat(**{**half, "model.cell": "gru", "quant.gates.z": {
        "method": "btq", "unit_levels": "binary"}})) == "HitNet (gates {0,½,1}; z {0,1})"


def test_weight_granularity_shows_only_per_gate_and_older_runs_count_as_per_tensor():
    old = make_config(**HITNET)  # a run made before quant.weight_granularity existed
    old["quant"].pop("weight_granularity", None)
    tensor = make_config(**{**HITNET, "quant.weight_granularity": "tensor"})
    gate = make_config(**{**HITNET, "quant.weight_granularity": "gate"})
    assert labels(old, tensor, gate)[2].endswith("per-gate TTQ")
    assert "granularity" not in " ".join(labels(old, tensor, gate))
    assert varying_keys([flatten(old), flatten(tensor)]) == []  # the same experiment
    apart = make_config(**{**HITNET, "quant.recurrent_diagonal": "apart"})
    assert labels(old, apart)[1].endswith("W_hh diagonal apart")
    assert "diagonal" not in labels(old, apart)[0]


def test_scheme_rank_orders_fp_weights_activations_both_hitnet():
    ranks = [scheme_rank(flat(**d)) for d in (
        {}, {"quant.weight_quant.method": "ttq"},
        {"quant.sigmoid_quant.method": "btq", "quant.tanh_quant.method": "btq"},
        {"quant.weight_quant.method": "uniform", "quant.sigmoid_quant.method": "btq",
         "quant.tanh_quant.method": "btq"}, HITNET)]
    assert ranks == [0, 1, 2, 3, 4]


def test_labels_of_the_example_sweep_name_fp_and_hitnet():
    # The committed short sweep: both points' config name is ptb_lstm_fp.
    fp = make_config()
    hitnet = make_config(**HITNET)
    assert fp["name"] == hitnet["name"]
    assert labels(fp, hitnet) == ["FP", "HitNet λ=0.5"]


def test_degradation_labels():
    configs = [make_config(**d) for d in (
        {}, {"quant.weight_quant.method": "ttq"},
        {"quant.sigmoid_quant.method": "btq", "quant.tanh_quant.method": "btq",
         "quant.sigmoid_quant.eval": "deterministic", "quant.tanh_quant.eval": "deterministic",
         "quant.sloping_factor": 0.5},
        HITNET)]
    assert labels(*configs) == ["FP", "TTQ weights", "BTQ activations λ=0.5", "HitNet λ=0.5"]
    # Evaluated differently: said where it applies, not on the full-precision run.
    configs[2]["quant"]["sigmoid_quant"]["eval"] = configs[2]["quant"]["tanh_quant"]["eval"] = "sample"
    assert labels(*configs) == ["FP", "TTQ weights", "BTQ activations λ=0.5 A eval=sample",
                                "HitNet λ=0.5 A eval=deterministic"]


def test_cell_and_corpus_prefix_only_when_they_vary():
    lstm, gru = make_config(**HITNET), make_config(**{**HITNET, "model.cell": "gru"})
    assert labels(lstm, gru) == ["LSTM HitNet", "GRU HitNet"]
    wiki = make_config(**{"data.corpus": "wikitext2", "data.path": "data/wikitext2"})
    assert labels(make_config(), wiki) == ["PTB FP", "WikiText-2 FP"]


def test_settings_that_do_not_matter_never_label():
    # Bookkeeping (name, threads, log) and options a method does not read (a threshold on an
    # fp placement) differ, but the runs are the same experiment: numbered, not mislabelled.
    a = make_config(**{"name": "a", "threads": 1, "log.interval_s": 5.0})
    b = make_config(**{"name": "b", "threads": 2, "quant.bias_quant.threshold": 0.5})
    assert labels(a, b) == ["FP (1)", "FP (2)"]
    assert labels(a, b, hashes=["aaa", "bbb"]) == ["FP (aaa)", "FP (bbb)"]


def test_untrained_runs_are_labelled_post_training_without_training_settings():
    # train.epochs 0 only evaluates a loaded model: its lr, dropout and BTQ training mode cannot
    # change it, so they neither label it nor make two such runs differ.
    a = make_config(**{**HITNET, "train.epochs": 0, "train.lr": 20.0, "model.dropout": 0.5})
    b = make_config(**{**HITNET, "train.epochs": 0, "train.lr": 5.0, "model.dropout": 0.0,
                       "quant.sigmoid_quant.train": "deterministic"})
    trained = make_config(**{**HITNET, "train.epochs": 2, "train.lr": 5.0})
    assert labels(a, b) == ["HitNet (1)", "HitNet (2)"]
    assert labels(a, trained) == ["HitNet post-training (0 epochs)", "HitNet 2 epochs"]


def test_other_differences_become_suffixes():
    configs = [make_config(**{**HITNET, "seed": s, "train.lr": lr}) for s, lr in ((1, 20.0), (2, 5.0))]
    assert labels(*configs) == ["HitNet lr=20 seed 1", "HitNet lr=5 seed 2"]
    assert labels(*configs, ignore=("seed", "train.lr"), distinct=False) == ["HitNet", "HitNet"]
    # An option of both activation placements: said once, as "A".
    sample = make_config(**{**HITNET, "quant.sigmoid_quant.eval": "sample",
                            "quant.tanh_quant.eval": "sample"})
    assert labels(make_config(**HITNET), sample) == ["HitNet A eval=deterministic",
                                                     "HitNet A eval=sample"]
    threshold = make_config(**{**HITNET, "quant.weight_quant.threshold": 0.5})
    assert labels(make_config(**HITNET), threshold) == ["HitNet W threshold=0.7",
                                                        "HitNet W threshold=0.5"]


def test_eval_mode_from_config():
    assert eval_mode_from_config(flat()) == "fp"
    assert eval_mode_from_config(flat(**{"quant.weight_quant.method": "ttq"})) == "fp"
    assert eval_mode_from_config(flat(**HITNET)) == "deterministic"
    assert eval_mode_from_config(flat(**{**HITNET, "quant.sigmoid_quant.eval": "expectation",
                                         "quant.tanh_quant.eval": "expectation"})) == "expectation"


def test_a_recipe_that_goes_with_the_scheme_stays_out_of_the_label():
    """HitNet fine-tuned at its own rate beside the FP recipe is "HitNet", not "HitNet lr=2
    10 epochs"; two HitNet runs at different rates still say which is which."""
    fp = make_config(**{"train.lr": 20, "train.epochs": 40})
    tuned = {**HITNET, "train.lr": 2, "train.epochs": 10, "init.from": "results/paper/fp"}
    assert labels(fp, make_config(**tuned)) == ["FP", "HitNet λ=0.5"]  # λ: always said
    assert labels(fp, make_config(**tuned), make_config(**{**tuned, "train.lr": 0.5})) == \
        ["FP", "HitNet λ=0.5 lr=2", "HitNet λ=0.5 lr=0.5"]


def test_schedule_options_the_schedule_type_does_not_read_never_label():
    # A plateau schedule never reads decay_start or decay_factor (core/optim/lr_schedule.cpp):
    # two plateau runs differing only there are the same experiment; a decay run is labelled by
    # its own options, not the plateau factor.
    plateau = {**HITNET, "train.schedule.type": "plateau"}
    a = make_config(**{**plateau, "train.schedule.decay_start": 9})
    b = make_config(**{**plateau, "train.schedule.decay_start": 5, "train.schedule.decay_factor": 0.5})
    assert labels(a, b) == ["HitNet (1)", "HitNet (2)"]
    decay = {**HITNET, "train.schedule.type": "decay"}
    c = make_config(**{**decay, "train.schedule.decay_start": 9})
    d = make_config(**{**decay, "train.schedule.decay_start": 5,
                       "train.schedule.plateau_factor": 0.5})
    assert labels(c, d) == ["HitNet decay_start=9", "HitNet decay_start=5"]
    assert labels(a, c) == ["HitNet type=plateau", "HitNet type=decay"]
