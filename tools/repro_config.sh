#!/usr/bin/env bash
# The FAQ experiment of a pipeline config (configs/smollm2.yaml, ...) over several regeneration
# seeds, as Markdown in $OUT/tables.md:
#   * per quantization and eval set: fp, base, FAQ (mean ± sd over seeds), RER (mean ± sd) and
#     the config's other calibration sets (e.g. WikiText-2), perplexity;
#   * LAMBADA accuracy through `faq serve` with lm-eval (tools/lm_eval_serve.py) of every model;
#   * the time each step took (from the run's manifest).
# One `faq pipeline` run per seed in $OUT/s<seed>; a seed's directory starts as a copy of the
# previous seed's, so regenerate/judge resume from nothing and seed-independent results (base and
# file calibrations, fp) are measured once. Numbers are reported as they come.
#   tools/repro_tables.sh --config FILE [build-dir]
#   env: SEEDS="1 2 3", OUT=repro-<config name>, LAMBADA_LIMIT=200 (0: no LAMBADA),
#        SETS: extra `--set` overrides, one per line (e.g. "eval.max_windows=10"),
#        FROM: first stage to run (e.g. quantize: keep the calibration sets the seed directories hold)
set -euo pipefail
export LC_ALL=C
CONFIG=$1
BUILD=${2:-build}
cd "$(dirname "$0")/.."
[ -f "$CONFIG" ] || { echo "repro_config.sh: no config file $CONFIG" >&2; exit 2; }
SEEDS=${SEEDS:-"1 2 3"}
OUT=${OUT:-repro-$(basename "$CONFIG" .yaml)}
LAMBADA_LIMIT=${LAMBADA_LIMIT:-200}
PYTHON=${FAQ_PYTHON:-.venv/bin/python}
mkdir -p "$OUT"
sets=()
while IFS= read -r line; do [ -n "$line" ] && sets+=(--set "$line"); done <<< "${SETS:-}"
[ -n "${FROM:-}" ] && sets+=(--from "$FROM")
"$BUILD/faq" --log-level warn pipeline --config "$CONFIG" "${sets[@]}" --run-dir "$OUT/check" --dry-run >/dev/null

target=$(awk '/^target:/ { print $2 }' "$CONFIG")
rows="$OUT/rows.tsv" lambada="$OUT/lambada.tsv" times="$OUT/times.tsv"
: > "$rows"; : > "$lambada"; : > "$times"
# LAMBADA of one model into a one-line file, kept while it is newer than the model.
lambada_of() {  # model-dir name file
  [ -s "$3" ] && [ "$3" -nt "$1" ] && return 0
  "$PYTHON" tools/lm_eval_serve.py --faq "$BUILD/faq" --limit "$LAMBADA_LIMIT" "$1=$2" > "$3.tmp"
  mv "$3.tmp" "$3"
}
previous=""
for seed in $SEEDS; do
  dir="$OUT/s$seed"
  if [ ! -d "$dir" ] && [ -n "$previous" ]; then cp -r "$previous" "$dir"; fi
  echo "== seed $seed: $dir" >&2
  "$BUILD/faq" --log-level warn pipeline --config "$CONFIG" "${sets[@]}" --set "regenerate.seed=$seed" --run-dir "$dir" >/dev/null
  awk -v variant=faq -v seed="$seed" -f tools/results_rows.awk "$dir/results.md" >> "$rows"
  "$PYTHON" -c 'import json, sys
for name, step in json.load(open(sys.argv[1]))["steps"].items():
    if "seconds" in step:
        seconds = step["seconds"]
        print(f"{sys.argv[2]}\t{name}\t{seconds:.0f}")' "$dir/manifest.json" "$seed" >> "$times"
  if [ "$LAMBADA_LIMIT" -gt 0 ]; then
    mkdir -p "$dir/lambada"
    [ -z "$previous" ] && lambada_of "$target" fp "$dir/lambada/fp.tsv"
    for m in "$dir"/models/*/; do
      name=$(basename "$m")
      # Seed-independent checkpoints (another calibration than faq) are scored once, at the first seed.
      if [ -z "$previous" ] || [[ "$name" == *-faq ]]; then lambada_of "$m" "$name" "$dir/lambada/$name.tsv"; fi
    done
    if [ -z "$previous" ]; then scored=("$dir"/lambada/*.tsv); else scored=("$dir"/lambada/*-faq.tsv); fi
    cat "${scored[@]}" | awk -v seed="$seed" '{ print seed "\t" $0 }' >> "$lambada"
  fi
  previous=$dir
done

summarise() {  # column format -> "faq\trun|data\tvalue"
  awk -v col="$1" -v fmt="$2" -f tools/seed_stats.awk "$rows" | sort
}
extra_columns=$(awk -F'|' 'NR == 1 { for (i = 8; i < NF; i++) { gsub(/ /, "", $i); printf "%s ", $i } }' "$OUT/s${SEEDS%% *}/results.md")
{
  echo "# $(basename "$CONFIG"): FAQ against the raw seeds and other calibration sets"
  echo
  echo "Config \`$CONFIG\`; regeneration seeds: $SEEDS; overrides: $(echo "${SETS:-none}" | paste -sd ";" - | sed "s/;/; /g")."
  echo "Perplexity (lower is better); RER = (FAQ − base) / (fp − base), the share of the quantization"
  echo "loss recovered by calibrating on the FAQ set instead of the raw seeds. Mean ± sd over seeds."
  echo
  printf '| quantization | eval set | fp | base | FAQ | RER |'
  for c in $extra_columns; do printf ' calibrated on %s |' "$c"; done
  printf '\n|---|---|---|---|---|---|'
  for c in $extra_columns; do printf -- '---|'; done
  echo
  col=9
  joined=$(join -t $'\t' -1 2 -2 2 <(summarise 5 "%.3f") <(summarise 6 "%.3f") | cut -f1,3,5 |
    join -t $'\t' - <(summarise 7 "%.3f ± %.3f" | cut -f2,3) | join -t $'\t' - <(summarise 8 "%+.1f%% ± %.1f" | cut -f2,3))
  for c in $extra_columns; do
    joined=$(join -t $'\t' <(echo "$joined") <(summarise $col "%.3f" | cut -f2,3))
    col=$((col + 1))
  done
  echo "$joined" | awk -F'\t' '{ split($1, k, "|"); printf "| %s | %s |", k[1], k[2]; for (i = 2; i <= NF; i++) printf " %s |", $i; print "" }'
  if [ -s "$lambada" ]; then
    echo
    echo "## LAMBADA (lm-eval \`lambada_local\` through \`faq serve\`, first $LAMBADA_LIMIT passages)"
    echo
    echo "| model | seed | accuracy | ± stderr | perplexity | seconds |"
    echo "|---|---|---|---|---|---|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $2, ($2 ~ /-faq$/ ? $1 : "–"), $3, $4, $5, $6 }' "$lambada"
  fi
  echo
  echo "## Time per step (seconds)"
  echo
  echo "| seed | step | seconds |"
  echo "|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$times"
} > "$OUT/tables.md"
cat "$OUT/tables.md"
