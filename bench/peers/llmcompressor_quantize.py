#!/usr/bin/env python3
"""llm-compressor's side of the peers benchmark (issue 15): GPTQ w4 g128 sym (the W4A16 preset),
no act-order, damp 0.01, on the CPU, through llm-compressor's ordinary API (oneshot with a
GPTQModifier recipe), saved compressed (compressed-tensors pack-quantized).

  llmcompressor_quantize.py --model DIR --calib calib.jsonl --nsamples N --seqlen L --out DIR

Run with the interpreter of the venv bench/peers/setup_venvs.sh made. The model loads in its
checkpoint dtype (bf16) on the CPU; the calibration set is the token ids themselves (a tokenized
Dataset: no tokenizer, no shuffling), so llm-compressor sees the ids faq and GPTQModel see.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from calib_ids import peer_args, read_calib_ids  # noqa: E402


def main() -> None:
    a = peer_args(__doc__, methods=("gptq",))  # llm-compressor has no GPTAQ

    from datasets import Dataset
    from llmcompressor import oneshot
    from llmcompressor.modifiers.gptq import GPTQModifier
    from transformers import AutoModelForCausalLM

    ids = read_calib_ids(a.calib, a.nsamples, a.seqlen)
    dataset = Dataset.from_dict({"input_ids": ids, "attention_mask": [[1] * len(x) for x in ids]})
    # W4A16: int4 weights, symmetric, groups of 128; actorder None: no act-order, as faq runs it.
    recipe = GPTQModifier(targets="Linear", scheme="W4A16", ignore=["lm_head"], actorder=None,
                          dampening_frac=0.01, block_size=128)
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype="auto", device_map="cpu")
    oneshot(model=model, tokenizer=a.model, dataset=dataset, recipe=recipe,
            num_calibration_samples=a.nsamples, max_seq_length=a.seqlen,
            shuffle_calibration_samples=False, output_dir=a.out, save_compressed=True)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
