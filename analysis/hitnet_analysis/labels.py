"""Names for runs that say what they are: "FP", "TTQ weights", "BTQ activations λ=0.5",
"HitNet λ=0.5", "GRU HitNet".

A label has two parts. The quantization scheme is read from the resolved config
(describe_quant). Then come the other config keys on which the runs being compared differ
(run_labels): the cell and corpus as prefixes, λ, seed, learning rate ... as suffixes. Keys
that do not matter for a quantizer (a TTQ threshold on an fp placement, BTQ's eval mode on a
TTQ one) are left out before comparing, so a label never shows a setting that had no effect.

Configs are flat dicts of dotted keys ("quant.weight_quant.method": "ttq"), as
tree.flatten makes them; a tree row's "config.*" columns give one with flat_config(row).
"""
from __future__ import annotations

import math
from pathlib import PurePath

# The options each method reads (README's quantizer table); others are ignored by the run.
RELEVANT_OPTIONS = {
    "fp": (),
    "ttq": ("threshold", "scale", "clip_grad"),
    "btq": ("train", "unit_levels", "eval", "clip_grad"),
    "binary": ("scale", "clip_grad"),
    "uniform": ("bits", "clip_grad"),
    "pow2": ("bits", "clip_grad"),
    "balanced": ("bits", "scale", "clip_grad"),
    "alternating": ("bits", "clip_grad"),
}
STOCHASTIC_METHODS = ("btq",)  # those whose evaluation mode (`eval`) matters
K_BIT_METHODS = ("uniform", "pow2", "balanced", "alternating")
METHOD_NAMES = {"fp": "FP", "ttq": "TTQ", "btq": "BTQ", "binary": "binary"}

# Gates of each cell and the nonlinearity group (quant.sigmoid_quant / quant.tanh_quant) they
# belong to; quant.gates.<g> overrides the group (core/nn/lstm.hpp, gru.hpp).
CELL_GATES = {"lstm": {"i": "sigmoid", "f": "sigmoid", "o": "sigmoid", "g": "tanh", "c": "tanh"},
              "gru": {"r": "sigmoid", "z": "sigmoid", "n": "tanh"}}
# Placements outside the weights and the gates, and how a label names them when they quantize.
OTHER_PLACEMENTS = {"cell_state_quant": "c_t", "hidden_quant": "h_t", "bias_quant": "bias",
                    "embedding_quant": "embedding", "decoder_weight_quant": "decoder"}
WEIGHT_PLACEMENTS = ("weight_quant", "input_weight_quant", "recurrent_weight_quant")

# Keys that never name a run: bookkeeping, where files live, how often to log.
IGNORED_PREFIXES = ("name", "threads", "log.", "data.path", "data.train_file", "data.valid_file",
                    "data.test_file", "data.verify_checksum", "train.checkpoint_every")
SLOPING_FACTOR = "quant.sloping_factor"
CORPUS_NAMES = {"ptb": "PTB", "ptb_char": "PTB-char", "wikitext2": "WikiText-2",
                "text8": "text8", "synthetic": "synthetic", "files": "files"}
# Short names of keys in label suffixes; others use their last dotted part.
SHORT_KEYS = {SLOPING_FACTOR: "λ", "quant.sigmoid_slope": "λσ", "quant.tanh_slope": "λtanh",
              "train.lr": "lr", "model.dropout": "dropout", "train.clip": "clip",
              "quant.eval_samples": "eval passes"}
PLACEMENT_SHORT = {"weight_quant": "W", "input_weight_quant": "W_ih",
                   "recurrent_weight_quant": "W_hh", "sigmoid_quant": "σ", "tanh_quant": "tanh",
                   "activations": "A", **OTHER_PLACEMENTS}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def flat_config(row) -> dict:
    """A tree row (or any mapping) -> {dotted key: value} of its "config.*" entries."""
    return {k[len("config."):]: v for k, v in dict(row).items()
            if isinstance(k, str) and k.startswith("config.") and not missing(v)}


def placement(config: dict, prefix: str):
    """The spec at `prefix` ("quant.weight_quant") as a dict of its relevant options plus
    "method", or None when the config leaves it unset (null: the group's spec applies)."""
    method = config.get(prefix + ".method")
    if missing(method):
        return None
    spec = {"method": method}
    for option in RELEVANT_OPTIONS.get(method, ("bits", "threshold", "scale", "eval", "clip_grad")):
        if not missing(config.get(f"{prefix}.{option}")):
            spec[option] = config[f"{prefix}.{option}"]
    return spec


def method_name(spec) -> str:
    """{"method": "uniform", "bits": 2} -> "uniform 2-bit"; {"method": "ttq"} -> "TTQ"."""
    if spec is None:
        return "FP"
    method = spec["method"]
    if method in K_BIT_METHODS and not missing(spec.get("bits")):
        return f"{method} {int(spec['bits'])}-bit"
    return METHOD_NAMES.get(method, method)


def _is_fp(spec) -> bool:
    return spec is None or spec["method"] == "fp"


def cell_of(config: dict) -> str:
    cell = config.get("model.cell")
    return cell if isinstance(cell, str) else "lstm"


def weight_specs(config: dict) -> dict:
    """Effective spec of W_ih and W_hh of every layer (a layer's own key, else the
    direction's key, else quant.weight_quant)."""
    layers = config.get("model.layers")
    layers = int(layers) if not missing(layers) else 1
    out = {}
    for direction, key in (("w_ih", "input_weight_quant"), ("w_hh", "recurrent_weight_quant")):
        for layer in range(layers):
            out[f"layer{layer}.{direction}"] = (placement(config, f"quant.layer{layer}.{key}")
                                                or placement(config, f"quant.{key}")
                                                or placement(config, "quant.weight_quant"))
    return out


def gate_specs(config: dict) -> dict:
    """Effective spec of each gate's activation quantizer for the config's cell."""
    return {gate: placement(config, f"quant.gates.{gate}") or placement(config, f"quant.{group}_quant")
            for gate, group in CELL_GATES.get(cell_of(config), CELL_GATES["lstm"]).items()}


def _same(specs) -> bool:
    specs = list(specs)
    return all(s == specs[0] for s in specs[1:])


def _weights_text(config: dict) -> str:
    specs = weight_specs(config)
    if all(_is_fp(s) for s in specs.values()):
        return ""
    if _same(specs.values()):
        return f"{method_name(next(iter(specs.values())))} weights"
    by_direction = {d: [s for k, s in specs.items() if k.endswith(d)] for d in ("w_ih", "w_hh")}
    if all(_same(v) for v in by_direction.values()):
        return ", ".join(f"{method_name(v[0])} {d.replace('w_', 'W_')}"
                         for d, v in by_direction.items() if not _is_fp(v[0]))
    return "mixed weights"


def _activations_text(config: dict) -> str:
    specs = gate_specs(config)
    if all(_is_fp(s) for s in specs.values()):
        return ""
    if _same(specs.values()):
        return f"{method_name(next(iter(specs.values())))} activations"
    groups = CELL_GATES.get(cell_of(config), CELL_GATES["lstm"])
    by_group = {g: [specs[gate] for gate, group in groups.items() if group == g]
                for g in ("sigmoid", "tanh")}
    if all(_same(v) for v in by_group.values()):
        return " + ".join(f"{method_name(v[0])} {'sigmoids' if g == 'sigmoid' else 'tanh'}"
                          for g, v in by_group.items() if not _is_fp(v[0]))
    # Mostly one method with exceptions, e.g. "BTQ activations (o: FP)".
    names = [method_name(s) for s in specs.values()]
    common = max(set(names), key=names.count)
    exceptions = ", ".join(f"{gate}: {method_name(s)}" for gate, s in specs.items()
                           if method_name(s) != common)
    return f"{common} activations ({exceptions})"


def quantizes_activations(config: dict) -> bool:
    return not all(_is_fp(s) for s in gate_specs(config).values())


def is_hitnet(config: dict) -> bool:
    """TTQ on every weight matrix and BTQ on every gate: the paper's hybrid scheme."""
    return (all(not _is_fp(s) and s["method"] == "ttq" for s in weight_specs(config).values())
            and all(not _is_fp(s) and s["method"] == "btq" for s in gate_specs(config).values()))


def is_ternary(config: dict) -> bool:
    """Ternary (or binary) weights and activations everywhere: what the paper's ternary
    numbers (HitNet and the previous best) measure."""
    ternary = ("ttq", "btq", "binary")
    return (all(not _is_fp(s) and s["method"] in ternary for s in weight_specs(config).values())
            and all(not _is_fp(s) and s["method"] in ternary for s in gate_specs(config).values()))


def describe_quant(config: dict) -> str:
    """The quantization scheme in words: "FP", "TTQ weights", "BTQ activations", "HitNet",
    "uniform 2-bit weights + BTQ activations", with "+ BTQ h_t" for other placements."""
    weights, activations = _weights_text(config), _activations_text(config)
    if is_hitnet(config):
        text = "HitNet"
    else:
        text = " + ".join(t for t in (weights, activations) if t) or "FP"
    text += _unit_levels_text(config)
    extras = [f"{method_name(spec)} {short}" for key, short in OTHER_PLACEMENTS.items()
              if not _is_fp(spec := placement(config, f"quant.{key}"))]
    if five_level_hidden(config):
        extras.append("h_t five-level")
    return " + ".join([text, *extras])


def _unit_levels_text(config: dict) -> str:
    """" (gates {0,½,1})" when a BTQ sigmoid gate has the half level, with the gates that do
    not listed ("; z {0,1}": a binary update gate keeps a GRU's h_t exactly ternary)."""
    groups = CELL_GATES.get(cell_of(config), CELL_GATES["lstm"])
    levels = {gate: spec.get("unit_levels", "binary") for gate, spec in gate_specs(config).items()
              if groups[gate] == "sigmoid" and not _is_fp(spec) and spec["method"] == "btq"}
    if "ternary" not in levels.values():
        return ""
    binary = [gate for gate, level in levels.items() if level != "ternary"]
    return " (gates {0,½,1}" + "".join(f"; {gate} {{0,1}}" for gate in binary) + ")"


def five_level_hidden(config: dict) -> bool:
    """An LSTM whose h_t = o ⊙ Q(tanh c_t) has no quantizer of its own but is the product of a
    {0, ½, 1} output gate and a ternary tanh(c_t): h_t then takes the five values
    {-1, -½, 0, ½, 1}, which a label must not leave looking like full precision."""
    if cell_of(config) != "lstm" or not _is_fp(placement(config, "quant.hidden_quant")):
        return False
    gates = gate_specs(config)
    o, c = gates["o"], gates["c"]
    return (not _is_fp(o) and o.get("unit_levels") == "ternary"
            and not _is_fp(c) and c["method"] in ("btq", "ttq", "binary"))


def scheme_rank(config: dict) -> int:
    """Where a scheme goes in a comparison: 0 full precision, 1 quantized weights only,
    2 quantized activations only, 3 both, 4 HitNet."""
    if is_hitnet(config):
        return 4
    weights = not all(_is_fp(s) for s in weight_specs(config).values())
    return {(False, False): 0, (True, False): 1, (False, True): 2, (True, True): 3}[
        (weights, quantizes_activations(config))]


def eval_mode_from_config(config: dict) -> str:
    """What a run's evaluation did with its stochastic quantizers, from its config alone
    (for runs written before summary.json's eval_mode): their `eval` option, "fp" when the
    model has no stochastic quantizer (the same convention as eval_mode)."""
    specs = [*weight_specs(config).values(), *gate_specs(config).values(),
             *(placement(config, f"quant.{key}") for key in OTHER_PLACEMENTS)]
    modes = {s.get("eval", "?") for s in specs if not _is_fp(s) and s["method"] in STOCHASTIC_METHODS}
    if not modes:
        return "fp"
    return modes.pop() if len(modes) == 1 else "mixed"


# What only training reads: in a run of train.epochs 0 (post-training quantization: a loaded
# model only evaluated) these cannot change the result.
TRAINING_ONLY_KEYS = ("model.dropout",)
TRAINING_ONLY_PREFIXES = ("train.optimizer", "train.lr", "train.clip", "train.loss_reduction",
                          "train.weight_decay", "train.adam_", "train.max_batches",
                          "train.schedule.", "train.checkpoint_every")
TRAINING_ONLY_OPTIONS = ("train", "clip_grad")


def _untrained(config: dict) -> bool:
    epochs = config.get("train.epochs")
    return not missing(epochs) and int(epochs) == 0


# The learning-rate schedule's options that its type does not read (core/optim/lr_schedule.cpp).
SCHEDULE_UNREAD = {"fixed": ("decay_start", "decay_factor", "plateau_factor"),
                   "decay": ("plateau_factor",),
                   "plateau": ("decay_start", "decay_factor")}

# Keys added to the config after some runs were made, with the default those runs had.
ADDED_KEY_DEFAULTS = {"quant.weight_granularity": "tensor", "quant.recurrent_diagonal": "shared"}


def effective_config(config: dict) -> dict:
    """The config with what cannot change a run removed: ignored bookkeeping keys, the options
    a placement's method does not read, unset (null) placements, and in an untrained run
    (train.epochs 0) what only training reads, and the schedule options its type does not read
    (a plateau schedule's decay_start). Keys added since a run was made take the default it ran
    with (ADDED_KEY_DEFAULTS)."""
    config = {**ADDED_KEY_DEFAULTS, **{k: v for k, v in config.items() if not missing(v)}}
    unread = {"train.schedule." + option
              for option in SCHEDULE_UNREAD.get(config.get("train.schedule.type"), ())}
    config = {k: v for k, v in config.items() if k not in unread}
    out = {}
    placements = {k[: -len(".method")] for k in config if k.endswith(".method")}
    untrained = _untrained(config)
    for key, value in config.items():
        if missing(value) or any(key == p or key.startswith(p) for p in IGNORED_PREFIXES):
            continue
        if untrained and (key in TRAINING_ONLY_KEYS or key.startswith(TRAINING_ONLY_PREFIXES)
                          or key.rpartition(".")[2] in TRAINING_ONLY_OPTIONS):
            continue
        prefix, _, option = key.rpartition(".")
        if prefix in placements:
            spec = placement(config, prefix)
            if option == "method" or (not _is_fp(spec) and option in spec):
                out[key] = value
            continue
        out[key] = value
    return out


def varying_keys(configs) -> list:
    """Keys of the effective configs whose values are not all the same (a key that only some
    configs have counts as varying only if it takes two values where present)."""
    effective = [effective_config(c) for c in configs]
    keys = sorted({k for c in effective for k in c})
    out = []
    for key in keys:
        values = {repr(c[key]) for c in effective if key in c}
        if len(values) > 1:
            out.append(key)
    return out


def _format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _quant_key_covered(key: str) -> bool:
    """Keys that describe_quant already says: placement methods and k-bit widths."""
    if not key.startswith("quant."):
        return False
    return key.endswith(".method") or key.endswith(".bits")


def _token(key: str, effective: dict, config: dict) -> str:
    """One label suffix for a varying key, e.g. "λ=0.5", "seed 2", "W threshold=0.5"
    (`effective`: the run's effective config, which has the value; `config`: all of it)."""
    value = effective.get(key)
    if missing(value):
        return ""
    if key == SLOPING_FACTOR:
        # λ matters for quantized activations; a full-precision model at λ 1 is just "FP".
        if value == 1 and not quantizes_activations(config):
            return ""
        return f"λ={_format_value(value)}"
    if key == "seed":
        return f"seed {value}"
    if key == "train.epochs":
        return "post-training (0 epochs)" if int(value) == 0 else f"{value} epochs"
    if key == "train.optimizer":
        return str(value).upper() if str(value) == "sgd" else str(value).capitalize()
    if key == "init.sha256":
        return ""  # a pin of the warm start's checkpoint, not another experiment
    if key == "quant.weight_granularity":
        return "per-gate TTQ" if value == "gate" else ""
    if key == "quant.recurrent_diagonal":
        return "W_hh diagonal apart" if value == "apart" else ""
    if key.startswith("init.") and isinstance(value, str):
        return f"warm start ({PurePath(value).name})" if value else ""
    if key in SHORT_KEYS:
        return f"{SHORT_KEYS[key]}={_format_value(value)}"
    parts = key.split(".")
    if key.startswith("quant.") and len(parts) >= 3:
        where = PLACEMENT_SHORT.get(parts[-2], parts[-2])
        return f"{where} {parts[-1]}={_format_value(value)}"
    return f"{parts[-1]}={_format_value(value)}"


def _prefix(key: str, config: dict) -> str:
    if key == "model.cell":
        return str(config.get(key, "")).upper()
    if key == "data.corpus":
        return CORPUS_NAMES.get(config.get(key), str(config.get(key, "")))
    return ""


PREFIX_KEYS = ("data.corpus", "model.cell")
SIGMOID_PREFIX, TANH_PREFIX, ACTIVATIONS_PREFIX = "quant.sigmoid_quant.", "quant.tanh_quant.", "quant.activations."


def _merge_activation_keys(varying, config: dict) -> list:
    """An option that varies alike on the sigmoid and the tanh placement is said once, as
    "A <option>" (e.g. "A eval=sample"): it is one setting of the activations."""
    out = []
    for key in varying:
        if key.startswith(TANH_PREFIX) and SIGMOID_PREFIX + key[len(TANH_PREFIX):] in varying \
                and config.get(key) == config.get(SIGMOID_PREFIX + key[len(TANH_PREFIX):]):
            continue  # said with the sigmoid key
        if key.startswith(SIGMOID_PREFIX):
            twin = TANH_PREFIX + key[len(SIGMOID_PREFIX):]
            if twin in varying and config.get(twin) == config.get(key):
                merged = ACTIVATIONS_PREFIX + key[len(SIGMOID_PREFIX):]
                config.setdefault(merged, config.get(key))
                out.append(merged)
                continue
        out.append(key)
    return out


def _quantizer_option(key: str) -> bool:
    """A key that says how a tensor is quantized (not how often the test samples)."""
    return key.startswith("quant.") and key != "quant.eval_samples"


def run_labels(configs, ignore=(), hashes=None, distinct=True) -> list:
    """A short label per config (in order): the cell and corpus when they vary, the
    quantization scheme, then every other key that varies among `configs` ("λ=0.5",
    "seed 2", "lr=10"). Keys in `ignore` are left out (e.g. ("seed",) to group seeds: then
    pass distinct=False). With `distinct`, labels that would still coincide get the run's
    config hash (from `hashes`, when those differ) or a number."""
    configs = [dict(c) for c in configs]
    # λ first (what HitNet is about), the seed last, the rest by name.
    first = (SLOPING_FACTOR, "quant.sigmoid_slope", "quant.tanh_slope")
    varying = sorted((k for k in varying_keys(configs) if k not in ignore),
                     key=lambda k: (0 if k in first else 2 if k == "seed" else 1, k))
    def head(config):  # cell / corpus when they vary, then the scheme: "LSTM HitNet ..."
        prefixes = [_prefix(k, config) for k in PREFIX_KEYS if k in varying]
        return [p for p in prefixes if p] + [describe_quant(config)]

    # A recipe key that varies only between schemes goes with the scheme (HitNet's fine-tuning
    # rate and schedule beside the FP recipe): the label names the scheme, not its recipe. Recipe
    # keys that vary among runs of one scheme tell those runs apart, and stay; so do the
    # quantizers' own options (how a run was quantized or evaluated is what its number means).
    heads = [" ".join(head(c)) for c in configs]
    values = {}
    for h, c in zip(heads, configs):
        effective = effective_config(c)
        for k in varying:
            values.setdefault((h, k), set()).add(repr(effective.get(k)))
    def said(key, h):  # is `key` part of the label of a run whose head is `h`?
        return key in first or key in PREFIX_KEYS or _quantizer_option(key) or \
            len(values[(h, key)]) > 1

    labels = []
    for config, h in zip(configs, heads):
        # Only what mattered for this run (an fp placement's eval option did not).
        effective = effective_config(config)
        prefixes = [_prefix(k, config) for k in PREFIX_KEYS if k in varying]
        own = [k for k in varying if k in effective and said(k, h)]
        suffixes = [_token(k, effective, config)
                    for k in _merge_activation_keys(own, effective)
                    if k not in PREFIX_KEYS and not _quant_key_covered(k)]
        words = [p for p in prefixes if p] + [describe_quant(config)] + [s for s in suffixes if s]
        labels.append(" ".join(words))
    if not distinct:
        return labels
    for label in set(labels):
        same = [i for i, l in enumerate(labels) if l == label]
        if len(same) < 2:
            continue
        tags = [hashes[i] for i in same] if hashes is not None else []
        if not tags or any(missing(t) or t == "" for t in tags) or len(set(tags)) < len(tags):
            tags = range(1, len(same) + 1)  # the same config twice: number them
        for i, tag in zip(same, tags):
            labels[i] = f"{label} ({tag})"
    return labels


def differences(configs) -> list:
    """Per config, the "key=value" text of every key that varies among `configs` (full
    dotted keys, for tables that must show exactly what changed)."""
    configs = [dict(c) for c in configs]
    varying = varying_keys(configs)
    effective = [effective_config(c) for c in configs]
    return [", ".join(f"{k}={_format_value(e[k])}" for k in varying if k in e) for e in effective]
