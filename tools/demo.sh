#!/usr/bin/env bash
# `make demo`: the FAQ pipeline on the bundled tiny Qwen3 family (models/), end to end on this
# machine: `faq serve` the elder on loopback, regenerate the seeds' answers with chain of
# thought, judge the candidates, assemble the winners with the target's chat template,
# quantize the target with GPTQ INT4 and INT3 calibrated on the raw seeds and on the FAQ set,
# evaluate on held-out text and print the paper-style table. Every stage's data stays in
# demo-out/run; a re-run reuses what is unchanged.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
OUT=demo-out
mkdir -p "$OUT"

tools/family/demo_data.sh "$BUILD" "$OUT"

extra=()
WIKI=${FAQ_SHARED_DIR:-../shared}/data/wikitext2/wiki.test.raw
if [ -f "$WIKI" ]; then
  extra+=(--set "eval.data.wikitext2=$WIKI")  # held-out natural text, when ../shared is beside the checkout
fi
echo "== faq pipeline --config configs/demo.yaml ${extra[*]}" >&2
"$BUILD/faq" pipeline --config configs/demo.yaml "${extra[@]}"
echo "(RER = (FAQ - base) / (fp - base): the share of the quantization loss the FAQ calibration set recovers;" \
     "stage outputs and manifest in $OUT/run)"
