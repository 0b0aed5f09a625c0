#!/usr/bin/env bash
# The peers' virtual environments for bench/peers/run.sh (issue 15), outside git:
#   ${FAQ_CACHE:-$HOME/.cache/faq}/peers/gptqmodel      GPTQModel 7.7.0
#   ${FAQ_CACHE:-$HOME/.cache/faq}/peers/llmcompressor  llm-compressor 0.14.0.1
# Two venvs because their pins clash (llm-compressor: torch <= 2.14.0, transformers <= 5.17.0;
# GPTQModel: transformers >= 5.20.2). From PyPI only. Idempotent: a venv with its marker file
# is left alone; a half-made one is removed and made again.
#
# To keep the downloads small both venvs see the project venv's site-packages through a .pth
# file appended to their own (their own packages come first on sys.path):
# - GPTQModel 7.7.0 accepts the project's torch 2.15.0 and transformers 5.23.0, so it installs
#   only its own small dependencies (pure Python; its CUDA/CPU kernels are JIT-built at run time,
#   nothing is compiled at install time).
# - llm-compressor gets the torch it pins (2.14.0, a 555 MB wheel, installed --no-deps) and the
#   transformers it pins (5.17.0); torch 2.14's CUDA runtime wheels (cuBLAS, cuDNN, ... several GB,
#   unused on the CPU but loaded by `import torch`) are the project venv's CUDA 13 ones, same major
#   version, instead of a second copy. Everything else it needs installs with its own pins.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PEERS="${FAQ_CACHE:-$HOME/.cache/faq}/peers"
PROJECT_VENV="$(readlink -f "$ROOT/.venv")"
GPTQMODEL_VERSION=7.7.0
LLMCOMPRESSOR_VERSION=0.14.0.1
LLMCOMPRESSOR_TORCH=2.14.0
MARKER=.faq-peers-complete

log() { printf '[setup_venvs] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$PROJECT_VENV/bin/python" ] || die "$ROOT/.venv has no python: run tools/setup.sh first"
BASE_PYTHON="$("$PROJECT_VENV/bin/python" -c 'import sys; print(sys._base_executable)')"
PY_TAG="$("$PROJECT_VENV/bin/python" -c 'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")')"
PROJECT_SITE="$PROJECT_VENV/lib/$PY_TAG/site-packages"

check_index() {
  local out
  if ! out="$("$PROJECT_VENV/bin/python" -m pip index versions "gptqmodel" 2>&1)" \
      || ! grep -q "$GPTQMODEL_VERSION" <<<"$out"; then
    die "cannot reach the package index (pip index versions gptqmodel): ${out##*$'\n'}"
  fi
}

# new_venv DIR: a fresh venv that also sees the project venv's packages, after its own.
new_venv() {
  rm -rf "$1"
  "$BASE_PYTHON" -m venv "$1"
  echo "$PROJECT_SITE" > "$1/lib/$PY_TAG/site-packages/zz-faq-project-venv.pth"
}

setup_gptqmodel() {
  local venv="$PEERS/gptqmodel"
  [ -f "$venv/$MARKER" ] && { log "gptqmodel: ready ($venv)"; return; }
  log "gptqmodel: creating $venv"
  new_venv "$venv"
  "$venv/bin/pip" install "gptqmodel==$GPTQMODEL_VERSION"
  "$venv/bin/python" -c "import gptqmodel, torch, transformers; print('gptqmodel', gptqmodel.__version__, 'torch', torch.__version__, 'transformers', transformers.__version__)"
  # GPTQModel JIT-compiles its CPU packing kernel on first use (~30 s, cached in
  # ~/.cache/gptqmodel): compile it now, an install cost, not in the first timed round.
  "$venv/bin/python" -c "from gptqmodel import extension; ok = extension.load('pack_block_cpu'); print('pack_block_cpu', ok); assert all(ok.values())"
  touch "$venv/$MARKER"
}

setup_llmcompressor() {
  local venv="$PEERS/llmcompressor"
  [ -f "$venv/$MARKER" ] && { log "llmcompressor: ready ($venv)"; return; }
  log "llmcompressor: creating $venv"
  new_venv "$venv"
  "$venv/bin/pip" install --no-deps "torch==$LLMCOMPRESSOR_TORCH"
  # What llm-compressor needs with its pins, less torch's CUDA wheels (see the header).
  local report="$venv/resolve.json"
  "$venv/bin/pip" install --dry-run --quiet --report "$report" "llmcompressor==$LLMCOMPRESSOR_VERSION"
  mapfile -t wanted < <("$venv/bin/python" - "$report" <<'PY'
import json, re, sys
for item in json.load(open(sys.argv[1]))["install"]:
    name, version = item["metadata"]["name"], item["metadata"]["version"]
    if re.match(r"(nvidia-(?!ml-py)|cuda-|triton$|torch$)", name.lower()):
        continue
    print(f"{name}=={version}")
PY
)
  "$venv/bin/pip" install --no-deps "${wanted[@]}"
  "$venv/bin/python" -c "import llmcompressor, torch, transformers, compressed_tensors; print('llmcompressor', llmcompressor.__version__, 'torch', torch.__version__, 'transformers', transformers.__version__, 'compressed-tensors', compressed_tensors.__version__)"
  touch "$venv/$MARKER"
}

mkdir -p "$PEERS"
if [ ! -f "$PEERS/gptqmodel/$MARKER" ] || [ ! -f "$PEERS/llmcompressor/$MARKER" ]; then
  check_index
fi
setup_gptqmodel
setup_llmcompressor
log "done: $PEERS/{gptqmodel,llmcompressor}"
