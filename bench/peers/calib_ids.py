"""The calibration token ids every tool gets: the first N records of calib.jsonl, each cut to L ids.
Shared by the peer scripts so GPTQModel and llm-compressor see exactly what `faq quantize
--calib-mode per-record --nsamples N --seqlen L` sees (no tokenizer, no shuffling, no concatenation)."""
import json
import pathlib


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
