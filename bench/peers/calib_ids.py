"""The calibration token ids every tool gets: the first N records of calib.jsonl, each cut to L ids.
Shared by the peer scripts so GPTQModel and llm-compressor see exactly what `faq quantize
--calib-mode per-record --nsamples N --seqlen L` sees (no tokenizer, no shuffling, no concatenation)."""
import argparse
import json
import pathlib


def peer_args(doc: str, methods: tuple[str, ...] = ("gptq", "gptaq")) -> argparse.Namespace:
    """The command line both peer scripts take: --model --calib --nsamples --seqlen --out [--method],
    --method limited to what the peer can run."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--calib", required=True)
    ap.add_argument("--nsamples", type=int, required=True)
    ap.add_argument("--seqlen", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--method", choices=methods, default="gptq",
                    help="gptaq: GPTQ plus the asymmetric correction, alpha 0.25 (faq's and GPTQModel's default)")
    return ap.parse_args()


def read_calib_ids(path: str, nsamples: int, seqlen: int) -> list[list[int]]:
    records = []
    with open(pathlib.Path(path), encoding="utf-8") as f:
        for line in f:
            if len(records) == nsamples:
                break
            if line.strip():
                records.append(json.loads(line)["input_ids"][:seqlen])
    if len(records) < nsamples:
        raise SystemExit(f"{path}: {len(records)} records, fewer than --nsamples {nsamples}")
    short = [i for i, ids in enumerate(records) if len(ids) < seqlen]
    if short:
        raise SystemExit(f"{path}: record {short[0]} has {len(records[short[0]])} ids, fewer than --seqlen {seqlen}")
    return records
