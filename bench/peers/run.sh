#!/usr/bin/env bash
# Side-by-side peers benchmark (issue 15): faq quantize, GPTQModel and llm-compressor quantize the
# same models with the same calibration token ids (GPTQ w4 g128 sym, no act-order, damp 0.01, CPU;
# METHOD=gptaq: GPTAQ, alpha 0.25, faq and GPTQModel only — llm-compressor has no GPTAQ),
# interleaved round by round, each under /usr/bin/time -v; then ONE evaluator, `faq eval ppl`
# (fp32, the same eval.txt windows), scores every checkpoint and the unquantized model.
#
#   bench/peers/run.sh [BUILD_DIR]        (default: build)
#
# Environment: PEERS_DIR (/tmp/peers), METHOD (gptq | gptaq), ROUNDS (2), MODELS ("llama-2l qwen3-1.7b-4l"), NSAMPLES (128),
# SEQLEN (512), TOOLS ("faq gptqmodel llmcompressor"), THREADS (2: faq --threads, the peers'
# OMP/MKL threads and GPTQMODEL_CPU_WORKERS), EVAL_SEQLEN (SEQLEN), EVAL_WINDOWS (40; 0 = all of eval.txt),
# FAQ_CACHE (~/.cache/faq: the venvs bench/peers/setup_venvs.sh made). Installs nothing.
# Prints one Markdown table per model to stdout and $PEERS_DIR/peers.md; logs in $PEERS_DIR/logs.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD_DIR="$(cd "${1:-$ROOT/build}" && pwd)" || exit 2
FAQ="$BUILD_DIR/faq"
PEERS_DIR="${PEERS_DIR:-/tmp/peers}"
ROUNDS="${ROUNDS:-2}"
METHOD="${METHOD:-gptq}"
MODELS="${MODELS:-llama-2l qwen3-1.7b-4l}"
NSAMPLES="${NSAMPLES:-128}"
SEQLEN="${SEQLEN:-512}"
TOOLS="${TOOLS:-faq gptqmodel llmcompressor}"
THREADS="${THREADS:-2}"
EVAL_SEQLEN="${EVAL_SEQLEN:-$SEQLEN}"
EVAL_WINDOWS="${EVAL_WINDOWS:-40}"
VENVS="${FAQ_CACHE:-$HOME/.cache/faq}/peers"
PYTHON="$ROOT/.venv/bin/python"
LOGS="$PEERS_DIR/logs"
RESULTS="$PEERS_DIR/results.tsv"   # model tool round wall_s rss_kb rc log
PPLS="$PEERS_DIR/ppl.tsv"          # model tool ppl rc log

log() { printf '[peers] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x /usr/bin/time ] || die "/usr/bin/time is missing: install the Debian package 'time' (tools/setup.sh lists it)"
[ -x "$FAQ" ] || die "$FAQ not found: build faq first (make)"
[ -x "$PYTHON" ] || die "$PYTHON not found: run tools/setup.sh"
case "$METHOD" in
  gptq|gptaq) ;;
  *) die "unknown METHOD '$METHOD' (gptq gptaq)" ;;
esac
for tool in $TOOLS; do
  case "$tool" in
    faq) ;;
    llmcompressor) [ "$METHOD" = gptq ] || die "llm-compressor has no GPTAQ: leave it out of TOOLS for METHOD=$METHOD" ;;&
    gptqmodel|llmcompressor)
      [ -f "$VENVS/$tool/.faq-peers-complete" ] || die "$VENVS/$tool is not set up: run bench/peers/setup_venvs.sh" ;;
    *) die "unknown tool '$tool' in TOOLS (faq gptqmodel llmcompressor)" ;;
  esac
done

# quantize_command TOOL MODEL_DIR OUT: sets CMD to one tool's command line, the same settings for all.
quantize_command() {
  local tool=$1 model=$2 out=$3
  local common=(--model "$model" --calib "$PEERS_DIR/calib.jsonl" --nsamples "$NSAMPLES" --seqlen "$SEQLEN" --out "$out")
  case "$tool" in
    faq) CMD=("$FAQ" --threads "$THREADS" quantize "${common[@]}" --calib-mode per-record --method "$METHOD" \
           --bits 4 --group-size 128 --sym --no-act-order --damp 0.01 --no-resume --json) ;;
    gptqmodel) CMD=("$VENVS/gptqmodel/bin/python" "$HERE/gptqmodel_quantize.py" "${common[@]}" --method "$METHOD") ;;
    llmcompressor) CMD=("$VENVS/llmcompressor/bin/python" "$HERE/llmcompressor_quantize.py" "${common[@]}") ;;
  esac
}

make_inputs() {
  local missing=0
  for model in $MODELS; do [ -f "$PEERS_DIR/$model/config.json" ] || missing=1; done
  [ -f "$PEERS_DIR/calib.jsonl" ] && [ -f "$PEERS_DIR/eval.txt" ] || missing=1
  if [ "$missing" = 0 ]; then check_calib; return; fi
  log "writing the models and data into $PEERS_DIR"
  local only=()
  for model in $MODELS; do only+=(--only "$model"); done
  "$PYTHON" "$HERE/make_models.py" "$PEERS_DIR" --samples "$NSAMPLES" --seqlen "$SEQLEN" "${only[@]}" >&2 \
    || die "make_models.py failed"
}

# The calibration file must hold NSAMPLES records of at least SEQLEN ids, or the tools would differ.
check_calib() {
  "$PYTHON" - "$PEERS_DIR/calib.jsonl" "$NSAMPLES" "$SEQLEN" <<'PY' || die "write the set again: $PYTHON $HERE/make_models.py $PEERS_DIR --samples $NSAMPLES --seqlen $SEQLEN"
import json, sys
path, n, seqlen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lengths = [len(json.loads(line)["input_ids"]) for line in open(path, encoding="utf-8") if line.strip()]
if len(lengths) < n or min(lengths[:n]) < seqlen:
    sys.exit(f"[peers] {path}: {len(lengths)} records, shortest {min(lengths[:n], default=0)} ids; NSAMPLES={n} SEQLEN={seqlen} need more")
PY
}

venv_versions() {
  echo "- faq: $("$FAQ" --version 2>&1 | head -1), torch $("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null) (project venv)"
  for tool in $TOOLS; do
    case "$tool" in
      gptqmodel) echo "- GPTQModel: $("$VENVS/gptqmodel/bin/python" -c 'import importlib.metadata as m; print(" ".join(f"{p} {m.version(p)}" for p in ("gptqmodel", "torch", "transformers")))' 2>&1 | tail -1)" ;;
      llmcompressor) echo "- llm-compressor: $("$VENVS/llmcompressor/bin/python" -c 'import importlib.metadata as m; print(" ".join(f"{p} {m.version(p)}" for p in ("llmcompressor", "compressed-tensors", "torch", "transformers")))' 2>&1 | tail -1)" ;;
    esac
  done
}

machine_header() {
  echo "## Peers benchmark: $([ "$METHOD" = gptaq ] && echo "GPTAQ (alpha 0.25)" || echo GPTQ) w4 g128 sym, no act-order, damp 0.01, CPU"
  echo
  echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); $NSAMPLES × $SEQLEN calibration ids, $ROUNDS round(s), $THREADS threads per tool"
  echo "- machine: nproc $(nproc), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
  echo "- load before: $(uptime | sed 's/.*load average/load average/')"
  venv_versions
  echo "- evaluator: faq eval ppl, fp32, eval.txt, seqlen $EVAL_SEQLEN, max windows $EVAL_WINDOWS (0 = all)"
  echo
}

# time_one MODEL TOOL ROUND: quantize once under /usr/bin/time -v, append a row to results.tsv.
time_one() {
  local model=$1 tool=$2 round=$3
  local out="$PEERS_DIR/out/$model/$tool" stem="$LOGS/$model.$tool.r$round"
  rm -rf "$out" "$out".faq-work
  mkdir -p "$(dirname "$out")"
  log "round $round: $tool on $model"
  quantize_command "$tool" "$PEERS_DIR/$model" "$out"
  (cd "$PEERS_DIR" && OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" GPTQMODEL_CPU_WORKERS="$THREADS" \
     /usr/bin/time -v -o "$stem.time" "${CMD[@]}") >"$stem.log" 2>&1
  local rc=$?
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$stem.time" 2>/dev/null)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$stem.time" 2>/dev/null)
  [ -d "$out" ] || [ "$rc" != 0 ] || rc=1   # exited 0 without a checkpoint: a failure too
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$model" "$tool" "$round" "${wall:-}" "${rss:-}" "$rc" "$stem.log" >>"$RESULTS"
  [ "$rc" = 0 ] || log "  $tool failed (exit $rc), log: $stem.log"
}

# eval_one MODEL TOOL DIR: faq eval ppl on DIR, append a row to ppl.tsv.
eval_one() {
  local model=$1 tool=$2 dir=$3 stem="$LOGS/$model.$2.eval"
  log "eval ppl: $tool on $model"
  OMP_NUM_THREADS="$THREADS" "$FAQ" --threads "$THREADS" eval ppl --model "$dir" --data "$PEERS_DIR/eval.txt" \
    --seqlen "$EVAL_SEQLEN" --max-windows "$EVAL_WINDOWS" --dtype fp32 --json >"$stem.log" 2>&1
  local rc=$? ppl=""
  [ "$rc" = 0 ] && ppl=$(tail -1 "$stem.log" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["ppl"])' 2>/dev/null)
  [ -n "$ppl" ] || { [ "$rc" != 0 ] || rc=1; log "  eval of $dir failed, log: $stem.log"; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$model" "$tool" "$ppl" "$rc" "$stem.log" >>"$PPLS"
}

mkdir -p "$LOGS"
make_inputs
: >"$RESULTS"; : >"$PPLS"
HEADER="$(machine_header)"
for model in $MODELS; do
  for round in $(seq 1 "$ROUNDS"); do
    for tool in $TOOLS; do time_one "$model" "$tool" "$round"; done
  done
done
for model in $MODELS; do
  eval_one "$model" fp "$PEERS_DIR/$model"
  for tool in $TOOLS; do
    if [ -d "$PEERS_DIR/out/$model/$tool" ]; then
      eval_one "$model" "$tool" "$PEERS_DIR/out/$model/$tool"
    fi
  done
done
{ echo "$HEADER"; echo; "$PYTHON" "$HERE/report.py" "$RESULTS" "$PPLS" --models $MODELS --tools $TOOLS; } | tee "$PEERS_DIR/peers.md"
