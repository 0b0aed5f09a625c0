"""Independent GPTQ pipeline over Hugging Face transformers (test reference only).

Sequential GPTQ as the literature runs it: for each decoder layer in turn, hooks collect
H = (2/n)·Σ xxᵀ of every linear's input while the calibration windows run through the
model whose earlier layers are already quantized; then each linear of the layer is
replaced by its GPTQ dequantization (tests/reference/gptq_reference.py). Finally the
perplexity on held-out data with the GPTQ protocol. Prints one JSON object.
"""
import argparse
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(__file__))
from gptq_common import add_pipeline_args, collect_hessians, perplexity, stream  # noqa: E402
from gptq_reference import gptq  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    add_pipeline_args(ap)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="eager").eval()
    calib = stream(args.calib)
    n = min(args.nsamples, len(calib) // args.seqlen)
    windows = torch.tensor(calib[: n * args.seqlen]).view(n, args.seqlen)
    for layer in model.model.layers:
        def run_calibration():
            for b in range(0, n, 8):
                model(input_ids=windows[b:b + 8])

        linears, hessians = collect_hessians(layer, run_calibration)
        for name, m in linears.items():
            m.weight.data = gptq(m.weight.data, hessians[name], args.bits, args.group_size, True, False)
    ppl, tokens, w = perplexity(model, stream(args.eval), args.seqlen)
    print(json.dumps({"ppl": ppl, "tokens": tokens, "windows": w}))


if __name__ == "__main__":
    main()
