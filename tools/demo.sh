#!/usr/bin/env bash
# `make demo`: the main job on the bundled default. Until the bundled tiny model family
# lands, it writes a small random-weight Qwen3 model with the fixture generator and
# measures its perplexity, then (when ../shared is beside the checkout) the perplexity of
# the real trained tiny Llama on its held-out stories.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
OUT=demo-out
mkdir -p "$OUT"

echo "== writing a random-weight tiny Qwen3 model to $OUT/tiny-qwen3" >&2
"$BUILD/tools/make_tiny_model" --arch qwen3 --out "$OUT/tiny-qwen3" --seed 1 --dtype bf16 \
  --set '{"num_hidden_layers": 4, "vocab_size": 512}' >/dev/null
awk 'BEGIN { srand(1); printf "{\"input_ids\": ["; for (i = 0; i < 8192; i++) printf "%s%d", (i ? "," : ""), int(rand() * 512); print "]}" }' \
  > "$OUT/tokens.jsonl"

echo "== faq eval ppl on it (uniform random tokens: expect about the vocabulary size or more)" >&2
"$BUILD/faq" eval ppl --model "$OUT/tiny-qwen3" --data "$OUT/tokens.jsonl" --seqlen 512 --json

if [ -d ../shared/models/llama2xs-hf ]; then
  echo "== faq eval ppl on the trained llama2xs (published figure: 6.2643)" >&2
  "$BUILD/faq" eval ppl --model ../shared/models/llama2xs-hf --data ../shared/models/llama2xs_eval.jsonl --seqlen 256
fi
