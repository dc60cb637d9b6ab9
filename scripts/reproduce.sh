#!/usr/bin/env bash
# The HitNet paper's studies, each by one command (long runs: not CI). Each study is a sweep
# under results/paper/<sweep>/ (hitnet-sweep skips finished points and resumes unfinished ones,
# so a study spans sittings: run the same command again), then its report
# results/paper/<study>.md with figures in results/paper/figures/<study>/.
#   scripts/reproduce.sh hybrid        FP and HitNet LSTM and GRU, 40 epochs (the headline table)
#   scripts/reproduce.sh degradation   uniform-2 / TTQ / BTQ on weights only, activations only
#   scripts/reproduce.sh sloping       HitNet's LSTM over the sloping factor λ
#   scripts/reproduce.sh wikitext2     HitNet's LSTM and its FP twin on WikiText-2
#   scripts/reproduce.sh search        the scheme search (configs/paper/search/round*.yaml); rounds
#                                      3 and up start from the FP LSTM's best checkpoint, so the FP
#                                      sweep of `hybrid` runs (or resumes) first. Checkpoints are not
#                                      committed: on a fresh clone those rounds stop with "the run has
#                                      no best checkpoint" until results/paper/fp is trained again
#                                      (move the committed directory aside, then run this again).
#   scripts/reproduce.sh report STUDY  only rewrite the report from what has run so far
# Options (before the study): --quick runs the same sweeps shortened by the key=value lines of
# configs/paper/quick/<study>.args (about an hour on 2 cores, the paper's orderings at low
# fidelity) into results/paper/quick/, reported as results/paper/quick/<study>.md; and
# --jobs N (default: the number of cores, one thread per point). Also the older single runs:
#   scripts/reproduce.sh zaremba | paper-fp | paper-ternary [key=value ...]
set -euo pipefail
cd "$(dirname "$0")/.."

configs=configs/paper
out=results/paper
quick=false
jobs=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true; out=results/paper/quick; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    *) break ;;
  esac
done
what=${1:?usage: $0 [--quick] [--jobs N] hybrid|degradation|sloping|wikitext2|search|report STUDY}
shift

report() {  # report STUDY SWEEP_DIR...: results/paper[/quick]/STUDY.md
  local study=$1; shift
  local command="scripts/reproduce.sh $($quick && echo '--quick ')$study"
  analysis/hitnet-report --study "$study" "$@" --out "$out" --command "$command"
}
shortened=()  # --quick: the study's fixed overrides
sweep() {  # sweep CONFIG SWEEP_DIR
  build/bin/hitnet-sweep "$1" "${shortened[@]}" --out "$2" --jobs "$jobs" --threads-per-run 1
}
dirs_of() {  # the sweep directories of a study
  case "$1" in
    hybrid) echo "$out/fp $out/hitnet" ;;
    search) ls -d "$out"/search/round* 2> /dev/null | tr '\n' ' ' ;;
    *) echo "$out/$1" ;;
  esac
}

if $quick && [ -f "$configs/quick/$what.args" ]; then
  mapfile -t shortened < <(grep -v '^#' "$configs/quick/$what.args" | grep -v '^$')
fi

case "$what" in
  hybrid)
    sweep "$configs/fp.yaml" "$out/fp"
    sweep "$configs/hitnet.yaml" "$out/hitnet"
    report hybrid $(dirs_of hybrid) ;;
  degradation | sloping | wikitext2)
    sweep "$configs/$what.yaml" "$out/$what"
    report "$what" $(dirs_of "$what") ;;
  search)
    sweep "$configs/fp.yaml" "$out/fp"
    for round in "$configs"/search/round*.yaml; do
      sweep "$round" "$out/search/$(basename "$round" .yaml)"
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
