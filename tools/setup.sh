#!/usr/bin/env bash
# Idempotent setup for a fresh Debian machine: system packages, then a project-local
# virtual environment holding the pinned LibTorch (PyPI `torch`) and the Python
# packages the test suite uses as references. Re-running does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.15.0   # CUDA 13 build on PyPI: matches the CUDA 13 toolkit's nvcc
PY_REFS=(numpy==2.4.6 safetensors==0.8.0 tokenizers==0.23.3 jinja2==3.1.6 transformers==5.23.0)
PY_REAL=(gguf==0.19.0 accelerate==1.16.0)  # transformers' GGUF loader (tools/real_model.sh)
APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git time
  python3 python3-venv
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libgtest-dev
  libsentencepiece-dev libpcre2-dev libutf8proc-dev libyaml-cpp-dev
  libcurl4-openssl-dev libcpp-httplib-dev
  libgloo-dev  # gloo headers: the torch wheel ships c10d's ProcessGroupGloo.hpp and the gloo code, not its headers
  clang libclang-rt-dev
  chromium  # tests/stats: report.html is checked in a real headless browser
)

log() { printf '[setup] %s\n' "$*" >&2; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  python3 -m venv "$VENV"
fi
want=("torch==$TORCH_VERSION" "${PY_REFS[@]}")
want+=("${PY_REAL[@]}")
want+=("lm-eval[api,hf]==0.4.13")  # lm-evaluation-harness: LAMBADA through `faq serve` and its own HF backend
if ! "$VENV/bin/python" - "${want[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, ver = spec.split("==")
    name = name.split("[")[0]  # extras are not part of the distribution's name
    if version(name) != ver:
        sys.exit(1)
PY
then
  log "installing Python packages into $VENV (torch $TORCH_VERSION and test references)"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "${want[@]}"
fi
log "ok: torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
