"""The inputs configs/smollm2.yaml names, written into smollm2-out/ (ignored by git):

  smollm2-out/model            a link to the converted SmolLM2-135M-Instruct (tools/real_model.sh)
  smollm2-out/seeds.jsonl      the first SEEDS GSM8K test questions: id, query, answer (the raw-seed baseline)
  smollm2-out/heldout-chat.jsonl  HELDOUT other GSM8K test questions with their answers, as conversations
                                   (rendered with the model's chat template by `faq eval ppl`)

GSM8K is read from ../shared (FAQ_SHARED_DIR); its text is never copied into the repository.
Seeds and held-out conversations come from disjoint line ranges of the file.
    .venv/bin/python tools/smollm2_data.py MODEL_DIR [OUT_DIR]   (env: SEEDS=128, HELDOUT=200)
"""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT_FIRST_LINE = 1000  # held-out conversations start here, far past any seed count used


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp." + str(os.getpid()))
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv):
    if not 1 <= len(argv) <= 2:
        sys.exit(__doc__)
    model = Path(argv[0]).resolve()
    out = Path(argv[1]) if len(argv) == 2 else ROOT / "smollm2-out"
    shared = Path(os.environ.get("FAQ_SHARED_DIR", ROOT.parent / "shared"))
    gsm8k = shared / "data" / "gsm8k" / "test.jsonl"
    seeds, heldout = int(os.environ.get("SEEDS", "128")), int(os.environ.get("HELDOUT", "200"))
    if not (model / "config.json").is_file():
        sys.exit(f"smollm2_data: {model} is not a model directory (run tools/real_model.sh first)")
    if not gsm8k.is_file():
        sys.exit(f"smollm2_data: {gsm8k} is missing (set FAQ_SHARED_DIR to the shared data directory)")
    if seeds > HELDOUT_FIRST_LINE:
        sys.exit(f"smollm2_data: SEEDS={seeds} would overlap the held-out lines from {HELDOUT_FIRST_LINE}")
    records = [json.loads(line) for line in gsm8k.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(records) < HELDOUT_FIRST_LINE + heldout:
        sys.exit(f"smollm2_data: {gsm8k} has {len(records)} records, fewer than {HELDOUT_FIRST_LINE + heldout}")

    out.mkdir(parents=True, exist_ok=True)
    link = out / "model"
    if link.is_symlink() or link.exists():
        if link.resolve() != model:
            link.unlink()
    if not link.exists():
        link.symlink_to(model)
    write_atomic(out / "seeds.jsonl", "".join(
        json.dumps({"id": f"gsm8k-{i + 1}", "query": r["question"], "answer": r["answer"]}) + "\n"
        for i, r in enumerate(records[:seeds])))
    write_atomic(out / "heldout-chat.jsonl", "".join(
        json.dumps({"messages": [{"role": "user", "content": r["question"]},
                                 {"role": "assistant", "content": r["answer"]}]}) + "\n"
        for r in records[HELDOUT_FIRST_LINE:HELDOUT_FIRST_LINE + heldout]))
    print(f"smollm2_data: {out}: model -> {model}, {seeds} seeds, {heldout} held-out conversations", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
