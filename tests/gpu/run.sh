#!/usr/bin/env bash
# The GPU check, run as it is on a machine with one NVIDIA GPU after `make build` on a fresh
# checkout (../shared beside it): the CUDA tests, then quantize and evaluate two real models
# on cuda and on cpu and compare, then the kernels against cuBLAS and the CPU loop. Prints
# one JSON summary line last; exits non-zero when a check fails. About 3 minutes on an H100.
#   tests/gpu/run.sh            # BUILD=build, SHARED=../shared, WORK=a temporary directory
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
WORK=${WORK:-$(mktemp -d)}
FAQ=$BUILD/faq
log() { printf '[gpu] %s\n' "$*" >&2; }

[ -x "$FAQ" ] || { log "no $FAQ: run 'make build' first"; exit 1; }
[ -x "$BUILD/tests/kernels/faq_kernel_tests" ] || { log "faq was built without its CUDA kernels (no nvcc at configure time)"; exit 1; }
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || true)
[ -n "$gpu" ] || { log "no GPU visible (nvidia-smi)"; exit 1; }
log "GPU: $gpu; work directory $WORK"

# 1. The CUDA tests (each compares a kernel or the whole layer loop on the GPU with the CPU).
log "CUDA tests"
set +e
"$BUILD/tests/kernels/faq_kernel_tests" --gtest_output="json:$WORK/kernel_tests.json" >"$WORK/kernel_tests.log" 2>&1
kernel_rc=$?
set -e
tail -3 "$WORK/kernel_tests.log" >&2

# 2. Two real models, each quantized with GPTQ and GPTAQ on cuda and on cpu; every
#    checkpoint is evaluated on the CPU so that only the quantization's device differs, and
#    the fp model is evaluated on both devices.
seconds() { python3 -c 'import sys, json; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["seconds"])'; }
ppl_of() { python3 -c 'import sys, json; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["ppl"])'; }
run_model() {  # name model calib eval calib_args eval_args
  local name=$1 model=$2 calib=$3 eval=$4 calib_args=$5 eval_args=$6
  local row="\"$name\": {"
  for device in cpu cuda; do
    local r
    r=$("$FAQ" eval ppl --model "$model" --data "$eval" $eval_args --device "$device" --json 2>>"$WORK/log")
    row+="\"fp_ppl_$device\": $(echo "$r" | ppl_of), \"fp_eval_seconds_$device\": $(echo "$r" | seconds), "
  done
  for method in gptq gptaq; do
    for device in cpu cuda; do
      local out="$WORK/$name-$method-$device" r
      log "$name: $method on $device"
      r=$("$FAQ" quantize --model "$model" --calib "$calib" $calib_args --method "$method" --bits 4 --group-size 32 \
            --device "$device" --out "$out" --json 2>>"$WORK/log")
      row+="\"${method}_quantize_seconds_$device\": $(echo "$r" | seconds), "
      r=$("$FAQ" eval ppl --model "$out" --data "$eval" $eval_args --json 2>>"$WORK/log")
      row+="\"${method}_ppl_$device\": $(echo "$r" | ppl_of), "
    done
  done
  echo "${row%, }}"
}
rows=$(run_model llama2xs "$SHARED/models/llama2xs-hf" "$SHARED/models/llama2xs_calib.jsonl" \
         "$SHARED/models/llama2xs_eval.jsonl" "--nsamples 128 --seqlen 256" "--seqlen 256")
rows+=", $(run_model tiny-qwen3-target models/tiny-qwen3-target "$SHARED/data/c4/c4_validation_samples.jsonl" \
         "$SHARED/data/wikitext2/wiki.test.raw" "--nsamples 64 --seqlen 256" "--seqlen 256 --max-windows 100")"

# 3. The kernels against cuBLAS syrk and the CPU GPTQ loop, in the same run.
log "kernel benchmark"
bench=$("$BUILD/bench/cuda_bench" 2>>"$WORK/log" | tail -1)

python3 - "$WORK/kernel_tests.json" "$kernel_rc" "$gpu" "{${rows}}" "$bench" <<'PY'
import json, sys
tests_file, kernel_rc, gpu, models, bench = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5])
try:
    t = json.load(open(tests_file))
    tests = {"tests": t["tests"], "failures": t["failures"],
             "skipped": sum(1 for s in t["testsuites"] for c in s["testsuite"] if c.get("result") == "SKIPPED")}
except Exception as e:
    tests = {"error": str(e)}
checks = {"kernel_tests": kernel_rc == 0 and tests.get("failures", 1) == 0 and tests.get("skipped", 1) == 0}
for name, m in models.items():
    rel = lambda a, b: abs(a - b) / abs(b)
    checks[f"{name}_eval_cuda_vs_cpu"] = rel(m["fp_ppl_cuda"], m["fp_ppl_cpu"]) <= 1e-4
    for method in ("gptq", "gptaq"):
        checks[f"{name}_{method}_cuda_vs_cpu"] = rel(m[f"{method}_ppl_cuda"], m[f"{method}_ppl_cpu"]) <= 5e-3
print(json.dumps({"gpu": gpu, "ok": all(checks.values()), "checks": checks, "kernel_tests": tests,
                  "models": models, "bench": bench}))
sys.exit(0 if all(checks.values()) else 1)
PY
