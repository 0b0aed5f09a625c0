#!/usr/bin/env bash
# Writes models/README.md and a model card (README.md) per family member from its
# train.json and data.json and faq's own held-out evaluation: WikiText-2 test (natural
# text no member trained on) and generated chat conversations from a random stream no
# training set used. Called by build_family.sh; re-runnable on its own.
#   tools/family/model_cards.sh [build-dir] [family-data-dir]
set -euo pipefail
BUILD=${1:-build}
DATA=${2:-/tmp/faq-family/data-family}  # make_family_data's output: for the unigram baselines
cd "$(dirname "$0")/../.."
SHARED=${FAQ_SHARED_DIR:-../shared}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
tools/family/demo_data.sh "$BUILD" "$WORK"  # the held-out conversations the demo evaluates on

# Perplexities are measured on one thread so that they are reproducible to the last digit
# (tests/family reads the 100-window figure off each card and measures it again).
eval_json() {  # model data [max-windows] -> eval ppl's JSON result
  "$BUILD/faq" --log-level warn --threads 1 eval ppl --model "$1" --data "$2" --seqlen 256 \
    --max-windows "${3:-0}" --json | tail -1
}
number() { sed "s/.*\"$1\":\([0-9.e+-]*\).*/\1/"; }
field() { sed -n "s/.*\"$2\": *\"\{0,1\}\([^,\"}]*\)\"\{0,1\}.*/\1/p" "$1" | head -1; }

if [[ ! -f "$DATA/train.bin" ]]; then  # the family's training data, exactly as build_family.sh makes it
  "$BUILD/tools/make_family_data" train --tokenizer models/tokenizer --shared "$SHARED" --style family --seed 1 \
    --chat-tokens 1500000 --out "$DATA"
fi
unigram() { "$BUILD/tools/make_family_data" unigram --tokenizer models/tokenizer --train "$DATA/train.bin" --data "$1" |
            sed 's/.*"unigram_ppl":\([0-9.e+-]*\).*/\1/'; }
uni_wiki=$(unigram "$SHARED/data/wikitext2/wiki.test.raw")
uni_chat=$(unigram "$WORK/heldout-chat.jsonl")
table="| model | parameters | layers × hidden | tokens seen | train loss | valid ppl | unigram valid ppl | WikiText-2 ppl, all windows | WikiText-2 ppl, first 100 | held-out chat ppl, all windows | held-out chat ppl, first 100 | training time |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
four_decimals=""
for dir in models/tiny-qwen3-*/; do
  m=${dir%/}; name=$(basename "$m")
  wiki_json=$(eval_json "$m" "$SHARED/data/wikitext2/wiki.test.raw")
  wiki=$(number ppl <<<"$wiki_json"); wiki_windows=$(number windows <<<"$wiki_json")
  wiki100=$(eval_json "$m" "$SHARED/data/wikitext2/wiki.test.raw" 100 | number ppl)
  chat_json=$(eval_json "$m" "$WORK/heldout-chat.jsonl")
  chat=$(number ppl <<<"$chat_json"); chat_windows=$(number windows <<<"$chat_json")
  chat100=$(eval_json "$m" "$WORK/heldout-chat.jsonl" 100 | number ppl)
  four_decimals+="${four_decimals:+, }$name $(printf %.4f "$wiki")"
  t="$m/train.json"
  layers=$(field "$m/config.json" num_hidden_layers); hidden=$(field "$m/config.json" hidden_size)
  row="| $name | $(field "$t" parameters) | $layers × $hidden | $(field "$t" tokens_seen) | $(printf %.3f "$(field "$t" final_smoothed_loss)") | $(printf %.2f "$(field "$t" valid_ppl)") | $(printf %.1f "$(field "$t" unigram_valid_ppl)") | $(printf %.2f "$wiki") | $(printf %.2f "$wiki100") | $(printf %.3f "$chat") | $(printf %.3f "$chat100") | $(printf %.0f "$(field "$t" seconds)") s |"
  table+="$row\n"
  cat > "$m/README.md" <<CARD
# $name

A member of faq's bundled tiny Qwen3 family, trained from scratch on 2 CPU cores by
\`tools/train_family\` (\`tools/family/build_family.sh\` rebuilds the whole family). It exists to run
the FAQ pipeline end to end on one machine; it is not a useful language model.

- Architecture: \`Qwen3ForCausalLM\` (q/k RMSNorm, GQA, SwiGLU, tied embeddings), $layers layers,
  hidden $hidden, $(field "$m/config.json" num_attention_heads) heads / $(field "$m/config.json" num_key_value_heads) KV heads of 32, MLP $(field "$m/config.json" intermediate_size); $(field "$t" parameters) parameters, stored in bf16.
- Tokenizer: Qwen3's byte-level BPE cut to its first 1766 merges plus all 26 of Qwen3's added
  tokens (vocabulary 2048), with Qwen3's chat template (\`tools/family/reduce_tokenizer.cc\`).
- Data (\`data.json\`): natural text from C4 and LAMBADA samples (../shared/data), conversations
  rendered with the chat template: arithmetic word problems answered with reasoning in \`<think>\`
  (under faq's CoT prompt and bare), answered directly (no-CoT prompt), graded under faq's judge
  prompt, and GSM8K solutions as reasoning (family style only). WikiText-2 is held out.
- Training: seed $(field "$t" seed), $(field "$t" steps) steps of $(field "$t" batch)×$(field "$t" seqlen) tokens ($(field "$t" tokens_seen) tokens seen), AdamW,
  peak learning rate $(field "$t" lr), cosine schedule; $(printf %.0f "$(field "$t" seconds)") s. Loss log: \`train_log.jsonl\`.
- Final smoothed training loss $(printf %.3f "$(field "$t" final_smoothed_loss)"); validation perplexity $(printf %.2f "$(field "$t" valid_ppl)") (unigram
  baseline on the same tokens: $(printf %.1f "$(field "$t" unigram_valid_ppl)")).
- Held-out perplexity by \`faq eval ppl --seqlen 256 --threads 1\` (non-overlapping windows of 256 tokens),
  over all windows and over the first 100 (\`--max-windows 100\`):
  - WikiText-2 test: $(printf %.2f "$wiki") over all $wiki_windows windows; $(printf %.2f "$wiki100") over the first 100 windows.
  - Generated chat conversations: $(printf %.3f "$chat") over all $chat_windows windows; $(printf %.3f "$chat100") over the first 100 windows.
CARD
done
cat > models/README.md <<EOF2
# The bundled tiny Qwen3 family

Three models that share the reduced Qwen3 tokenizer and chat template (\`tokenizer/\`): the
target quantized by the demo, its elder sibling (the FAQ generator and judge) and an outsider of
the elder's size trained with another seed, another data mix and another phrasing of the
reasoning (the "knowledge-sourced" generator of the paper's Table 6). Rebuilt by
\`tools/family/build_family.sh\`; figures below by \`tools/family/model_cards.sh\`.

$(printf "$table")
| unigram baseline (family training tokens) | | | | | | | $(printf %.1f "$uni_wiki") | | $(printf %.2f "$uni_chat") | | |

Perplexities by \`faq eval ppl --seqlen 256 --threads 1\`: "all windows" is the whole file, "first 100" is
\`--max-windows 100\` (what tests/family measures again against each card). On all of WikiText-2, to four
decimals: $four_decimals. Two different models can agree to two decimals there.

Unigram baseline: a smoothed unigram model fit on the training tokens, evaluated on the same
validation tokens. Each model directory holds its card (README.md), \`train.json\`, \`data.json\`
and \`train_log.jsonl\`.
EOF2
cat models/README.md
