"""Reference logits from Hugging Face transformers for faq's live forward-pass tests.

Reads a JSON list of cases {"dir", "ids", "mask", "out"?} and writes "out" (default
<dir>/hf_logits.safetensors) holding "logits" [B, T, V] (float32). Position ids follow faq's
convention for padded batches (cumulative count of real tokens, as HF generate does for left
padding).
Test reference only: the product never runs Python.
"""
import json
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM


def main(spec_path):
    cases = json.load(open(spec_path))
    torch.set_grad_enabled(False)
    for case in cases:
        model = AutoModelForCausalLM.from_pretrained(case["dir"], dtype=torch.float32, attn_implementation="eager")
        model.eval()
        ids = torch.tensor(case["ids"], dtype=torch.long)
        mask = torch.tensor(case["mask"], dtype=torch.long) if case.get("mask") is not None else torch.ones_like(ids)
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits.float().contiguous()
        save_file({"logits": logits}, case.get("out", case["dir"] + "/hf_logits.safetensors"))
    print("ok", len(cases))


if __name__ == "__main__":
    main(sys.argv[1])
