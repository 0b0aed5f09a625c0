#!/usr/bin/env bash
# Rebuilds the bundled tiny Qwen3 family in models/ from scratch: reduced Qwen3 tokenizer,
# training data (from ../shared/data and generated conversations), three trained members,
# and their model cards. Deterministic for the seeds below; about 45 minutes on 2 CPU cores.
# CI never runs this: the trained models are committed.
#   tools/family/build_family.sh [build-dir] [work-dir] [member...]   (members: target elder outsider)
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-/tmp/faq-family}
shift $(( $# < 2 ? $# : 2 ))
MEMBERS=${*:-target elder outsider}
cd "$(dirname "$0")/../.."
SHARED=${FAQ_SHARED_DIR:-../shared}
T=$BUILD/tools

qwen3() {  # hidden layers heads kv_heads intermediate
  printf '{"architectures":["Qwen3ForCausalLM"],"model_type":"qwen3","vocab_size":2048,"hidden_size":%d,"num_hidden_layers":%d,"num_attention_heads":%d,"num_key_value_heads":%d,"head_dim":32,"intermediate_size":%d,"max_position_embeddings":4096,"rms_norm_eps":1e-06,"rope_theta":10000.0,"tie_word_embeddings":true,"attention_bias":false,"hidden_act":"silu","bos_token_id":2022,"eos_token_id":2024}' "$@"
}

"$T/reduce_tokenizer" --from "$SHARED/tokenizers/qwen3" --vocab-size 2048 --out models/tokenizer
"$T/make_family_data" train --tokenizer models/tokenizer --shared "$SHARED" --style family --seed 1 \
  --chat-tokens 1500000 --out "$WORK/data-family"
"$T/make_family_data" train --tokenizer models/tokenizer --shared "$SHARED" --style outsider --seed 2 \
  --chat-tokens 1000000 --out "$WORK/data-outsider"

train() {  # name data seed steps lr arch
  "$T/train_family" --name "$1" --data "$WORK/$2" --seed "$3" --steps "$4" --lr "$5" --arch "$6" \
    --batch 8 --seqlen 256 --warmup 50 --tokenizer models/tokenizer --out "models/$1"
  cp "$WORK/$2/data.json" "models/$1/data.json"
}
for member in $MEMBERS; do
  case $member in
    target)   train tiny-qwen3-target data-family 11 500 3e-3 "$(qwen3 128 6 4 2 384)" ;;
    elder)    train tiny-qwen3-elder data-family 12 1000 2e-3 "$(qwen3 256 8 8 4 768)" ;;
    outsider) train tiny-qwen3-outsider data-outsider 13 700 2e-3 "$(qwen3 256 8 8 4 768)" ;;
    *) echo "unknown member '$member' (target, elder, outsider)" >&2; exit 2 ;;
  esac
done
tools/family/model_cards.sh "$BUILD" "$WORK/data-family"
