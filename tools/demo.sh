#!/usr/bin/env bash
# `make demo`: the main job on the bundled default. Until the bundled tiny model family
# lands (and with it the whole FAQ pipeline), it writes a small random-weight Qwen3 model
# with the fixture generator and measures its perplexity; then, when ../shared is beside
# the checkout, it quantizes the real trained tiny Llama with RTN and GPTQ (INT4 and INT3)
# and prints their held-out perplexities beside full precision.
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

M=../shared/models
if [ -d $M/llama2xs-hf ]; then
  ppl() { "$BUILD/faq" --log-level warn eval ppl --model "$1" --data $M/llama2xs_eval.jsonl --seqlen 256 --json | tail -1 |
          sed 's/.*"ppl":\([0-9.]*\).*/\1/'; }
  echo "== quantizing the trained llama2xs (RTN and GPTQ, INT4 and INT3, group 32)" >&2
  rows="| model | perplexity |\n|---|---|\n| fp32 | $(ppl $M/llama2xs-hf) |"
  for bits in 4 3; do
    for method in rtn gptq; do
      out="$OUT/llama2xs-$method-int$bits"
      "$BUILD/faq" --log-level warn quantize --model $M/llama2xs-hf --calib $M/llama2xs_calib.jsonl --method $method \
        --bits $bits --group-size 32 --nsamples 128 --seqlen 256 --out "$out" --json >/dev/null
      rows="$rows\n| $method int$bits g32 | $(ppl "$out") |"
    done
  done
  echo "== held-out perplexity (llama2xs_eval, windows of 256)"
  printf "$rows\n"
fi
