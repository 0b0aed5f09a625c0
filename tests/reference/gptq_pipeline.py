"""Independent GPTQ pipeline over Hugging Face transformers (test reference only).

Sequential GPTQ as the literature runs it: for each decoder layer in turn, hooks collect
H = (2/n)·Σ xxᵀ of every linear's input while the calibration windows run through the
model whose earlier layers are already quantized; then each linear of the layer is
replaced by its GPTQ dequantization (tests/reference/gptq_reference.py). Finally the
perplexity on held-out data with the GPTQ protocol. Prints one JSON object.
"""
import argparse
import json
import math
import os
import sys

import torch
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(__file__))
from gptq_reference import gptq  # noqa: E402


def stream(path):
    ids = []
    with open(path) as f:
        for line in f:
            if line.strip():
                ids.extend(json.loads(line)["input_ids"])
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--calib", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=128)
    ap.add_argument("--nsamples", type=int, default=64)
    ap.add_argument("--seqlen", type=int, default=256)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="eager").eval()
    calib = stream(args.calib)
    n = min(args.nsamples, len(calib) // args.seqlen)
    windows = torch.tensor(calib[: n * args.seqlen]).view(n, args.seqlen)
    names = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
             "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
    for layer in model.model.layers:
        linears = {name: layer.get_submodule(name) for name in names}
        hessians = {name: torch.zeros(m.in_features, m.in_features) for name, m in linears.items()}
        counts = {name: 0 for name in names}

        def hook(name):
            def add(_module, inputs):
                x = inputs[0].reshape(-1, inputs[0].shape[-1]).float()
                m = x.shape[0]
                hessians[name] *= counts[name] / (counts[name] + m)
                counts[name] += m
                x = math.sqrt(2 / counts[name]) * x
                hessians[name] += x.t() @ x
            return add

        handles = [m.register_forward_pre_hook(hook(name)) for name, m in linears.items()]
        for b in range(0, n, 8):
            model(input_ids=windows[b:b + 8])
        for h in handles:
            h.remove()
        for name, m in linears.items():
            m.weight.data = gptq(m.weight.data, hessians[name], args.bits, args.group_size, True, False)
    ids = stream(args.eval)
    w = len(ids) // args.seqlen
    total = 0.0
    for i in range(w):
        x = torch.tensor(ids[i * args.seqlen:(i + 1) * args.seqlen]).unsqueeze(0)
        logits = model(input_ids=x).logits[0, :-1].double()
        total += torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="sum").item()
    tokens = w * (args.seqlen - 1)
    print(json.dumps({"ppl": math.exp(total / tokens), "tokens": tokens, "windows": w}))


if __name__ == "__main__":
    main()
