#!/usr/bin/env bash
# Every quantization method on the trained llama2xs (../shared/models): perplexity on its eval
# file (windows of 256) and quantize wall time, at 4 and 3 bits with groups of 64 (the largest
# group that divides every input width: 64 and 192; 128 does not) and per channel, calibrated
# on 128 windows of 256 tokens of its calibration file. Prints a Markdown table.
#   bench/methods_llama2xs.sh [build-dir]
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
SHARED=${FAQ_SHARED_DIR:-../shared}
M=$SHARED/models
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
field() { python3 -c "import json, sys; d = json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d.get('$1', ''))"; }
ppl_of() { "$BUILD/faq" eval ppl --model "$1" --data "$M/llama2xs_eval.jsonl" --seqlen 256 --json 2>/dev/null | field ppl; }
printf '| method | bits | groups | ppl | quantize s | avg bits (SpQR) |\n|---|---|---|---|---|---|\n'
printf '| fp32 | 32 | – | %.4f | – | – |\n' "$(ppl_of "$M/llama2xs-hf")"
for method in rtn gptq gptaq awq awq+gptq spqr; do
  for bits in 4 3; do
    for group in 64 -1; do
      args=(--bits "$bits")
      label=$group
      if [ "$method" = spqr ]; then
        [ "$group" = -1 ] && continue  # SpQR sets its own groups (--spqr-group-size, 16)
        label="16 (own)"
      else
        args+=(--group-size "$group" --format fake)
      fi
      out="$WORK/$method-$bits-$group"
      r=$("$BUILD/faq" quantize --model "$M/llama2xs-hf" --calib "$M/llama2xs_calib.jsonl" --nsamples 128 \
            --seqlen 256 --method "$method" "${args[@]}" --out "$out" --json 2>/dev/null)
      printf '| %s | %s | %s | %.4f | %.2f | %s |\n' "$method" "$bits" "$label" "$(ppl_of "$out")" \
        "$(echo "$r" | field seconds)" "$(echo "$r" | field avg_bits)"
    done
  done
done
