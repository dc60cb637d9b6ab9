#!/usr/bin/env bash
# Long reproduction runs (not CI): each writes results/reproductions/<name>/ (config.yaml,
# log.txt, summary.json, results.h5; checkpoints are not committed).
#   scripts/reproduce.sh zaremba        Zaremba et al. small LSTM (13 epochs)
#   scripts/reproduce.sh paper-fp [K=V] HitNet paper's full-precision LSTM 1x300
# Extra key=value overrides are passed on (e.g. train.epochs=20 threads=1).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?usage: $0 zaremba|paper-fp [key=value ...]}
shift
case "$what" in
  zaremba) cfg=configs/ptb_zaremba_small.yaml ;;
  paper-fp) cfg=configs/ptb_lstm_fp.yaml ;;
  paper-ternary) cfg=configs/ptb_lstm_ternary.yaml ;;
  *) echo "unknown reproduction '$what'" >&2; exit 2 ;;
esac
name=$(basename "$cfg" .yaml)
exec build/bin/hitnet-run "$cfg" "$@" --out "results/reproductions/$name" --force
