#!/usr/bin/env bash
# The fuzz smoke: builds every libFuzzer target of tests/fuzz with clang (ASan + UBSan) and runs
# each for a short while on a copy of its committed seed corpus (tests/fuzz/corpus/<target>/).
# A crash, leak, timeout or out-of-memory fails the script (exit 1) and prints the reproducer:
# the saved input's path, its bytes (hexdump and base64) and the command that replays it.
#
#   tools/fuzz_smoke.sh [BUILD_DIR]          BUILD_DIR defaults to build-fuzz
#
# Environment:
#   FAQ_FUZZ_SECONDS=60      seconds per target (libFuzzer -max_total_time)
#   FAQ_FUZZ_TARGETS="a b"   run only these targets (names as in tests/fuzz/CMakeLists.txt)
#   FAQ_FUZZ_TORCH=1         also build and run the targets that link LibTorch (slow to build)
#   FAQ_FUZZ_JOBS=2          targets fuzzed at the same time (each uses one core)
#   FAQ_FUZZ_TIMEOUT=30      seconds one input may take before it counts as a hang
#   FAQ_FUZZ_BUILD_JOBS=2    compile jobs
set -euo pipefail
cd "$(dirname "$0")/.."
readonly ROOT=$PWD
BUILD=$(realpath -m "${1:-build-fuzz}")
readonly BUILD
readonly SECONDS_PER_TARGET=${FAQ_FUZZ_SECONDS:-60}
readonly JOBS=${FAQ_FUZZ_JOBS:-2}
readonly INPUT_TIMEOUT=${FAQ_FUZZ_TIMEOUT:-30}
readonly TORCH=${FAQ_FUZZ_TORCH:-0}

work=""  # the temporary corpora and logs, removed on exit

die() { echo "fuzz_smoke: $*" >&2; exit 2; }

configure() {
  local torch_flag=OFF
  [[ $TORCH == 1 ]] && torch_flag=ON
  local args=(-S . -B "$BUILD" -G Ninja -DFAQ_FUZZ=ON -DFAQ_FUZZ_TORCH=$torch_flag
              -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang)
  [[ -x .venv/bin/python ]] && args+=(-DFAQ_PYTHON="$ROOT/.venv/bin/python")
  cmake "${args[@]}" >/dev/null
}

# The targets to run: FAQ_FUZZ_TARGETS, or every target this configuration declares.
select_targets() {
  local declared
  declared=$(cat "$BUILD/tests/fuzz/fuzz_targets.txt")
  if [[ -z ${FAQ_FUZZ_TARGETS:-} ]]; then
    echo "$declared"
    return
  fi
  local t
  for t in ${FAQ_FUZZ_TARGETS//,/ }; do
    grep -qx "$t" <<<"$declared" || die "unknown fuzz target '$t' (this build declares: $(echo $declared))"
    echo "$t"
  done
}

# Prints what a developer needs to replay one saved input.
print_reproducer() {
  local target=$1 input=$2
  echo "  reproducer: $input ($(stat -c %s "$input") bytes)"
  echo "  rerun:      $BUILD/tests/fuzz/$target $input"
  echo "  hexdump (first 512 bytes):"
  od -A x -t x1z -v "$input" | head -n 32 | sed 's/^/    /'
  if (( $(stat -c %s "$input") <= 65536 )); then
    echo "  base64 (decode with: base64 -d > input):"
    base64 -w 76 "$input" | sed 's/^/    /'
  else
    echo "  base64: left out (over 64 KiB); the file above is kept"
  fi
}

# Fuzzes one target on a temporary copy of its corpus; writes <target>.log and <target>.rc.
fuzz_one() {
  local target=$1 work=$2
  local corpus="$work/$target-corpus" artifacts="$BUILD/fuzz-artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  cp -R "tests/fuzz/corpus/$target/." "$corpus/"
  local rc=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$BUILD/tests/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout="$INPUT_TIMEOUT" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$work/$target.log" 2>&1 || rc=$?
  echo "$rc" >"$work/$target.rc"
}

# One summary line per target; the log tail and reproducers for failures. Returns 1 on a failure.
report_one() {
  local target=$1 work=$2
  local log="$work/$target.log" rc
  rc=$(cat "$work/$target.rc")
  local execs cov speed
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  local found
  found=$(find "$BUILD/fuzz-artifacts/$target" -type f -newer "$work/started" | sort)
  if [[ $rc == 0 && -z $found ]]; then
    printf '%-22s ok      execs %-10s exec/s %-7s cov %s\n' "$target" "${execs:-?}" "${speed:-?}" "${cov:-?}"
    return 0
  fi
  printf '%-22s FAILED  exit %s\n' "$target" "$rc"
  echo "---- $target: last lines of its log (all of it: $BUILD/fuzz-logs/$target.log) ----"
  grep -v '^#[0-9]' "$log" | tail -n 60 | sed 's/^/  /'
  local input
  for input in $found; do print_reproducer "$target" "$input"; done
  [[ -n $found ]] || echo "  (no input was saved: the target failed before fuzzing; see the log)"
  return 1
}

main() {
  command -v clang++ >/dev/null || die "clang++ not found (Debian: apt-get install clang)"
  local started_at=$SECONDS
  configure
  mapfile -t targets < <(select_targets)
  (( ${#targets[@]} > 0 )) || die "no fuzz targets selected"
  local t
  for t in "${targets[@]}"; do
    [[ -d tests/fuzz/corpus/$t ]] || die "$t has no seed corpus in tests/fuzz/corpus/$t/"
  done
  echo "fuzz_smoke: building ${targets[*]}"
  cmake --build "$BUILD" -j "${FAQ_FUZZ_BUILD_JOBS:-2}" --target "${targets[@]}"
  local built_at=$SECONDS

  work=$(mktemp -d "${TMPDIR:-/tmp}/faq-fuzz-smoke.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  touch "$work/started"
  echo "fuzz_smoke: ${#targets[@]} targets x ${SECONDS_PER_TARGET}s, $JOBS at a time"
  for t in "${targets[@]}"; do
    while (( $(jobs -rp | wc -l) >= JOBS )); do wait -n || true; done
    fuzz_one "$t" "$work" &
  done
  wait

  mkdir -p "$BUILD/fuzz-logs"
  local failed=0
  for t in "${targets[@]}"; do
    cp "$work/$t.log" "$BUILD/fuzz-logs/$t.log"
    report_one "$t" "$work" || failed=1
  done
  echo "fuzz_smoke: build $((built_at - started_at))s, fuzzing $((SECONDS - built_at))s"
  if (( failed )); then
    echo "fuzz_smoke: FAILED (inputs kept in $BUILD/fuzz-artifacts/)"
    return 1
  fi
  echo "fuzz_smoke: ok"
}

main "$@"
