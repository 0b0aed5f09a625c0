#!/usr/bin/env bash
# The demo's own data, from faq's generator (disjoint random streams): 64 seed prompts with
# reference answers and 300 held-out conversations in the family's chat format.
#   tools/family/demo_data.sh [build-dir] [out-dir]
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-demo-out}
cd "$(dirname "$0")/../.."
mkdir -p "$OUT"
"$BUILD/tools/make_family_data" seeds --count 64 --seed 7 --out "$OUT/seeds.jsonl"
"$BUILD/tools/make_family_data" heldout --tokenizer models/tokenizer --count 300 --seed 9 --out "$OUT/heldout-chat.jsonl"
