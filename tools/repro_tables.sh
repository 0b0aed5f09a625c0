#!/usr/bin/env bash
# Regenerates, on the bundled tiny family, the structure of the FAQ paper's tables:
#   Table 1  methods (GPTQ, GPTAQ, AWQ, SpQR; RTN for reference) × {base, +FAQ} perplexity;
#   Table 5  ablations: w/o judge, w/o CoT, w/o chat template;
#   Table 6  family-sourced (elder) vs outsider-sourced calibration;
#   generator size: the target regenerating its own seeds vs the elder;
# each over several regeneration seeds (mean ± standard deviation), as Markdown in
# $OUT/tables.md. Every run is `faq pipeline --config configs/demo.yaml` with overrides;
# variants start from a copy of the FAQ run of the same seed, so unchanged steps (base
# calibration, full-precision evaluation) are reused. Numbers are reported as they come.
#   tools/repro_tables.sh [build-dir]          (env: SEEDS="1 2 3", OUT=repro-out)
# Another config (a real model's experiment, e.g. configs/smollm2.yaml) has no ablation variants:
#   tools/repro_tables.sh --config FILE [build-dir]   runs tools/repro_config.sh (see there).
set -euo pipefail
if [ "${1:-}" = --config ]; then
  [ $# -ge 2 ] || { echo "usage: tools/repro_tables.sh --config FILE [build-dir]" >&2; exit 2; }
  exec "$(dirname "$0")/repro_config.sh" "${@:2}"
fi
BUILD=${1:-build}
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-"1 2 3"}
OUT=${OUT:-repro-out}
SHARED=${FAQ_SHARED_DIR:-../shared}
mkdir -p "$OUT"
tools/family/demo_data.sh "$BUILD" demo-out  # the paths configs/demo.yaml names

common=(
  --set "servers.target={model: models/tiny-qwen3-target, max_batch: 16}"
  --set "servers.outsider={model: models/tiny-qwen3-outsider, max_batch: 16}"
  --set "quantize.runs=[{name: rtn-w3g128, method: rtn, bits: 3}, {name: gptq-w4g128, bits: 4}, {name: gptq-w3g128, bits: 3}, {name: gptaq-w4g128, method: gptaq, bits: 4}, {name: gptaq-w3g128, method: gptaq, bits: 3}, {name: awq-w4g128, method: awq, bits: 4}, {name: awq-w3g128, method: awq, bits: 3}, {name: spqr-w3g16, method: spqr, bits: 3, group_size: null}, {name: spqr-w4g16, method: spqr, bits: 4, group_size: null}]"
)
[ -f "$SHARED/data/wikitext2/wiki.test.raw" ] && common+=(--set "eval.data.wikitext2=$SHARED/data/wikitext2/wiki.test.raw")

declare -A variants=(
  [faq]=""
  [no-judge]="judge.no_judge=true"
  [no-cot]="regenerate.no_cot=true"
  [no-template]="assemble.no_chat_template=true"
  [outsider]="regenerate.endpoint=serve:outsider"
  [self]="regenerate.endpoint=serve:target"
)
rows="$OUT/rows.tsv"
: > "$rows"
for seed in $SEEDS; do
  for variant in faq no-judge no-cot no-template outsider self; do
    dir="$OUT/$variant-s$seed"
    if [ "$variant" != faq ] && [ ! -d "$dir" ]; then cp -r "$OUT/faq-s$seed" "$dir"; fi
    args=("${common[@]}" --set "regenerate.seed=$seed" --run-dir "$dir")
    [ -n "${variants[$variant]}" ] && args+=(--set "${variants[$variant]}")
    echo "== $variant, seed $seed" >&2
    "$BUILD/faq" --log-level warn pipeline --config configs/demo.yaml "${args[@]}" >/dev/null
    awk -v variant="$variant" -v seed="$seed" -f tools/results_rows.awk "$dir/results.md" >> "$rows"
  done
done

# mean ± sd over seeds of a column, per (variant, run, data) -> "variant\trun|data\tvalue"; a missing
# (`–`) or stale cell is left out of the mean, not counted as 0 (tools/seed_stats.awk).
summarise() {  # column format
  awk -v col="$1" -v fmt="$2" -f tools/seed_stats.awk "$rows" | sort
}
summarise 7 "%.3f ± %.3f" > "$OUT/faq_ppl.tsv"
summarise 8 "%+.1f%% ± %.1f" > "$OUT/rer.tsv"
# fp and base do not depend on the regeneration seed: their mean is the value.
by_key() { summarise "$@" | sed 's/\t/|/' | sort; }  # "variant|run|data\tvalue", for join
join -t $'\t' <(by_key 5 "%.3f") <(by_key 6 "%.3f") | sed 's/|/\t/' > "$OUT/fp_base.tsv"

table() {  # title variant...
  local title=$1; shift
  printf '\n### %s\n\n| variant | quantization | eval set | fp | base | FAQ (mean ± sd) | RER (mean ± sd) |\n|---|---|---|---|---|---|---|\n' "$title"
  for v in "$@"; do
    pick() { awk -F'\t' -v v="$v" '$1 == v { $1 = ""; sub(/^\t/, ""); print }' OFS='\t' "$1" | sort; }
    join -t $'\t' <(pick "$OUT/fp_base.tsv") <(pick "$OUT/faq_ppl.tsv") | join -t $'\t' - <(pick "$OUT/rer.tsv") |
      awk -F'\t' -v v="$v" '{ split($1, k, "|"); printf "| %s | %s | %s | %s | %s | %s | %s |\n", v, k[1], k[2], $2, $3, $4, $5 }'
  done
}
{
  echo "# FAQ on the tiny Qwen3 family: paper-style tables"
  echo
  echo "Seeds of regeneration: $SEEDS (64 seed prompts, n = 3 candidates, group 128 for GPTQ, GPTAQ and AWQ, SpQR its own groups of 16, per-record calibration)."
  echo "Perplexity on held-out text (lower is better); RER = (FAQ − base) / (fp − base), the share of the"
  echo "quantization loss recovered by calibrating on the FAQ set instead of the raw seeds."
  table "Table 1: methods, base vs +FAQ" faq
  table "Table 5: ablations" faq no-judge no-cot no-template
  table "Table 6: family-sourced vs outsider-sourced" faq outsider
  table "Generator size: self-generation (target) vs elder" faq self
} > "$OUT/tables.md"
cat "$OUT/tables.md"
