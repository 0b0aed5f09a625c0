#!/usr/bin/env python3
"""Realistic-shape models with random weights, and calibration/eval token ids, for timing faq
quantize against its peers (issue 15). Every tool reads the same files.

  make_models.py OUT_DIR [--samples 128] [--seqlen 512]

writes OUT_DIR/llama-2l (a 2-layer Llama: hidden 2048, intermediate 5632, 16 heads) and
OUT_DIR/qwen3-1.7b-4l (Qwen3-1.7B's shapes: hidden 2048, intermediate 6144, 16 q / 8 kv heads,
head_dim 128, 4 layers), bf16 safetensors with the bundled tokenizer, plus OUT_DIR/calib.jsonl
(input_ids windows cut from wikitext-2's test split) and OUT_DIR/eval.txt (the text after them).
"""
import argparse
import os
import json
import pathlib
import shutil

import torch
from tokenizers import Tokenizer
from transformers import LlamaConfig, LlamaForCausalLM, Qwen3Config, Qwen3ForCausalLM

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOKENIZER_DIR = ROOT / "models" / "tokenizer"
WIKITEXT = pathlib.Path(os.environ.get("FAQ_SHARED_DIR", ROOT.parent / "shared")) / "data" / "wikitext2" / "wiki.test.raw"
VOCAB = 2048  # the bundled tokenizer's ids, special tokens included, fit below this

COMMON = dict(vocab_size=VOCAB, hidden_act="silu", max_position_embeddings=4096, rms_norm_eps=1e-6,
              rope_theta=10000.0, tie_word_embeddings=False, bos_token_id=2022, eos_token_id=2024)

MODELS = {
    "llama-2l": (LlamaForCausalLM, LlamaConfig(hidden_size=2048, intermediate_size=5632, num_hidden_layers=2,
                                               num_attention_heads=16, num_key_value_heads=16, **COMMON)),
    "qwen3-1.7b-4l": (Qwen3ForCausalLM, Qwen3Config(hidden_size=2048, intermediate_size=6144, num_hidden_layers=4,
                                                    num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                                                    attention_bias=False, **COMMON)),
}


def write_model(out: pathlib.Path, cls, config) -> None:
    torch.manual_seed(0)
    model = cls(config).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(TOKENIZER_DIR / name, out / name)


def write_data(out: pathlib.Path, samples: int, seqlen: int) -> None:
    text = WIKITEXT.read_text(encoding="utf-8")
    ids = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json")).encode(text).ids
    need = samples * seqlen
    if len(ids) < need:
        raise SystemExit(f"wikitext-2 test has {len(ids)} tokens, fewer than {need}")
    with open(out / "calib.jsonl", "w", encoding="utf-8") as f:
        for s in range(samples):
            f.write(json.dumps({"input_ids": ids[s * seqlen:(s + 1) * seqlen]}) + "\n")
    # The evaluation text: what follows the calibration windows (about the last fifth).
    cut = len(text) * 4 // 5
    (out / "eval.txt").write_text(text[cut:], encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--samples", type=int, default=128)
    ap.add_argument("--seqlen", type=int, default=512)
    ap.add_argument("--only", choices=sorted(MODELS), action="append")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in a.only or sorted(MODELS):
        cls, config = MODELS[name]
        write_model(out / name, cls, config)
        print(f"wrote {out / name}")
    write_data(out, a.samples, a.seqlen)
    print(f"wrote {out / 'calib.jsonl'} ({a.samples} x {a.seqlen} tokens) and {out / 'eval.txt'}")


if __name__ == "__main__":
    main()
