#!/usr/bin/env bash
# The HitNet paper's studies, each by one command (long runs: not CI). Each study is a sweep
# under results/paper/<sweep>/ (hitnet-sweep skips finished points and resumes unfinished ones,
# so a study spans sittings: run the same command again), then its report
# results/paper/<study>.md with figures in results/paper/figures/<study>/.
#   scripts/reproduce.sh hybrid        FP LSTM and GRU (40 epochs), then HitNet LSTM and GRU
#                                      fine-tuned from them (the headline table)
#   scripts/reproduce.sh degradation   uniform-2 / TTQ / BTQ on weights only, activations only
#   scripts/reproduce.sh sloping       HitNet's LSTM over the sloping factor λ
#   scripts/reproduce.sh wikitext2     an FP LSTM on WikiText-2, then HitNet's LSTM from it
#   scripts/reproduce.sh search [N...] the scheme search (configs/paper/search/round*.yaml), or
#                                      only rounds N... (in order), e.g. `search 18 20`: the
#                                      HitNet GRU of the README's table and the rounds it needs
# Every HitNet study warm-starts from the full-precision twins in results/paper/fp (trained
# first, once, by whichever study runs first). Checkpoints are not committed: on a fresh clone
# the committed twins are finished runs without weights, so a study trains such a twin again
# first (its committed run directory is replaced; git checkout brings it back).
#   scripts/reproduce.sh report STUDY  only rewrite the report from what has run so far
# Options (before the study): a fidelity tier, which shortens the sweeps by the key=value lines of
# configs/paper/<tier>/<study>.args and writes into results/paper/<tier>/ (report
# results/paper/<tier>/<study>.md):
#   --quick   short twins too (configs/paper/quick/hybrid.args), then short fine-tunes: about an
#             hour on 2 cores from nothing, the paper's orderings at low fidelity
#   --short   the full twins of results/paper/fp (trained first if missing), then one epoch of
#             fine-tuning per point: the ordering from the real full-precision model, cheaply
# and --jobs N (default: the number of cores, one thread per point). Also the older single runs:
#   scripts/reproduce.sh zaremba | paper-fp | paper-ternary [key=value ...]
set -euo pipefail
cd "$(dirname "$0")/.."

configs=configs/paper
out=results/paper
tier=full  # full | quick | short
twins=results/paper/fp  # the full-precision twins every HitNet study fine-tunes from
jobs=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) tier=quick; out=results/paper/quick; twins=$out/fp; shift ;;
    --short) tier=short; out=results/paper/short; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    *) break ;;
  esac
done
what=${1:?usage: $0 [--quick|--short] [--jobs N] hybrid|degradation|sloping|wikitext2|search [N...]|report STUDY}
shift

report() {  # report STUDY SWEEP_DIR...: results/paper[/TIER]/STUDY.md
  local study=$1; shift
  local command="scripts/reproduce.sh $([ $tier = full ] || echo "--$tier ")$study"
  analysis/hitnet-report --study "$study" "$@" --out "$out" --command "$command"
}
args_of() {  # a study's fixed overrides in this tier (configs/paper/TIER/STUDY.args); full: none
  [ $tier != full ] && [ -f "$configs/$tier/$1.args" ] && grep -v '^#' "$configs/$tier/$1.args" | grep -v '^$'
  true
}
if [ $tier = short ] && [ "$what" != report ] && [ ! -f "$configs/short/$what.args" ]; then
  echo "$0: no short tier for '$what' (configs/paper/short/$what.args); try --quick" >&2
  exit 2
fi
sweep() {  # sweep CONFIG SWEEP_DIR [key=value ...]
  local config=$1 dir=$2; shift 2
  build/bin/hitnet-sweep "$config" "$@" --out "$dir" --jobs "$jobs" --threads-per-run 1 ||
    status=$?  # a failed point does not stop the study: the report shows what ran
}
status=0  # the script's exit status: the first failing sweep's
retrain_without_weights() {  # retrain_without_weights SWEEP_DIR: before a sweep others start from
  local run
  for run in "$1"/runs/*/; do
    [ -f "$run/summary.json" ] && [ ! -f "$run/checkpoints/best.ckpt" ] || continue
    grep -q '"status": *"finished"' "$run/summary.json" || continue
    echo "reproduce: ${run%/} finished without its checkpoints (committed results come without):" \
      "training it again, since the HitNet points start from its weights"
    rm -rf "${run%/}"
  done
}
# The HitNet configs warm-start from their full-precision twin (init.from: results/paper/fp, a
# sweep directory: each point finds the run of its shape). The twins train first, once for all
# studies: at full length into results/paper/fp, or under --quick at the hybrid table's quick
# length into results/paper/quick/fp; every HitNet sweep is pointed at $twins.
# While another session trains the twins (its hitnet-sweep holds $twins/.lock), the study starts
# anyway: a point whose twin is finished fine-tunes from it, one whose twin is not fails saying
# so and runs when the same command is given again.
fp_twins() {
  if [ -d "$twins" ] && ! flock -n "$twins/.lock" true; then
    echo "reproduce: another session is training the twins in $twins; starting the study without waiting"
    return
  fi
  local fp_args=()
  [ $tier = quick ] && mapfile -t fp_args < <(args_of hybrid)
  retrain_without_weights "$twins"
  sweep "$configs/fp.yaml" "$twins" "${fp_args[@]}"
}
study_sweep() {  # study_sweep STUDY CONFIG SWEEP_DIR [key=value ...]: with the study's quick overrides
  local study=$1; shift
  mapfile -t shortened < <(args_of "$study")
  sweep "$@" "${shortened[@]}"
}
dirs_of() {  # the sweep directories of a study
  case "$1" in
    hybrid) echo "$twins $out/hitnet" ;;
    wikitext2) echo "$out/wikitext2_fp $out/wikitext2" ;;
    search) ls -d "$out"/search/round* 2> /dev/null | sort -V | tr '\n' ' ' ;;
    *) echo "$out/$1" ;;
  esac
}

case "$what" in
  hybrid)
    fp_twins
    study_sweep hybrid "$configs/hitnet.yaml" "$out/hitnet" "init.from=$twins"
    report hybrid $(dirs_of hybrid) ;;
  degradation | sloping)
    fp_twins
    study_sweep "$what" "$configs/$what.yaml" "$out/$what" "init.from=$twins"
    report "$what" $(dirs_of "$what") ;;
  wikitext2)  # its own twin: the PTB models have another vocabulary
    retrain_without_weights "$out/wikitext2_fp"
    study_sweep wikitext2 "$configs/wikitext2_fp.yaml" "$out/wikitext2_fp"
    study_sweep wikitext2 "$configs/wikitext2.yaml" "$out/wikitext2" "init.from=$out/wikitext2_fp"
    report wikitext2 $(dirs_of wikitext2) ;;
  search)  # rounds warm-start from the FP twins (pinned snapshots or their runs) or earlier rounds
    rounds=("$@")  # the rounds named, or every round (round 10 after 9)
    [ ${#rounds[@]} -gt 0 ] || mapfile -t rounds < <(ls "$configs"/search/round*.yaml | sort -V |
      sed 's|.*/round\(.*\)\.yaml|\1|')
    round_configs=()
    for round in "${rounds[@]}"; do
      round_configs+=("$configs/search/round$round.yaml")
      [ -f "${round_configs[-1]}" ] && continue
      echo "$0: no search round '$round' (${round_configs[-1]} is missing)" >&2
      exit 2
    done
    # The twins first, where the rounds read them: the hybrid ones (rounds 1-3) or the GRU twin
    # of rounds 17 and up, which round 18's successors reach through round 18.
    grep -L "results/paper/search/" "${round_configs[@]}" | grep -q . && fp_twins
    if grep -q "fp_gru_twin" "${round_configs[@]}"; then
      retrain_without_weights "$out/search/fp_gru_twin"
      study_sweep search "$configs/search/fp_gru_twin.yaml" "$out/search/fp_gru_twin"
    fi
    for config in "${round_configs[@]}"; do
      study_sweep search "$config" "$out/search/$(basename "$config" .yaml)"
    done
    report search $(dirs_of search) ;;
  report)
    study=${1:?report needs a study: hybrid|degradation|sloping|wikitext2|search}
    report "$study" $(dirs_of "$study") ;;
  zaremba | paper-fp | paper-ternary)
    case "$what" in
      zaremba) cfg=configs/ptb_zaremba_small.yaml ;;
      paper-fp) cfg=configs/ptb_lstm_fp.yaml ;;
      paper-ternary) cfg=configs/ptb_lstm_ternary.yaml ;;
    esac
    exec build/bin/hitnet-run "$cfg" "$@" --out "results/reproductions/$(basename "$cfg" .yaml)" --force ;;
  *) echo "$0: unknown study '$what' (expected hybrid, degradation, sloping, wikitext2, search, report)" >&2
     exit 2 ;;
esac
exit $status
