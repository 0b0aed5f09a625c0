"""Independent GPTQ pipeline over transformers, layer by layer (test reference only).

The same algorithm as tests/reference/gptq_pipeline.py (H = (2/n)·Σ xxᵀ of every linear's
input with the earlier layers already quantized, then tests/reference/gptq_reference.py per
linear, all linears of a layer from the same inputs), but as the GPTQ authors' repository runs
it: the calibration hidden states entering layer 0 are caught once and carried from layer to
layer, so a 30-layer model costs two passes over each layer instead of a full forward per layer.
--batch windows go through the model at a time, as faq's --micro-batch: on SmolLM2-135M at 4 bits
GPTQ is chaotic enough that the summation order of the Hessians alone (batches of 4, 8 or 16)
moves the quantized perplexity by about ±1%, so the comparison with faq uses faq's order.
Prints one JSON object: the full-precision and the quantized perplexity on --eval (GPTQ
protocol: consecutive windows of --seqlen, the remainder dropped).
"""
import argparse
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from gptq_common import add_pipeline_args, collect_hessians, perplexity, stream  # noqa: E402
from gptq_reference import gptq  # noqa: E402

class _Caught(Exception):
    pass


def layer0_inputs(model, windows, batch):
    """(hidden_states, kwargs) entering the first decoder layer, one pair per batch."""
    caught = []

    def catch(_module, args, kwargs):
        caught.append((args[0], dict(kwargs)))
        raise _Caught

    handle = model.model.layers[0].register_forward_pre_hook(catch, with_kwargs=True)
    for b in range(0, windows.shape[0], batch):
        try:
            model(input_ids=windows[b:b + batch], use_cache=False)
        except _Caught:
            pass
    handle.remove()
    return caught


def run_layer(layer, batches):
    outputs = []
    for x, kwargs in batches:
        y = layer(x, **kwargs)
        outputs.append((y[0] if isinstance(y, tuple) else y, kwargs))
    return outputs


def hessians_of(layer, batches):
    return collect_hessians(layer, lambda: run_layer(layer, batches))


def main():
    ap = argparse.ArgumentParser()
    add_pipeline_args(ap)
    ap.add_argument("--batch", type=int, default=4)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    # One thread, as the test gives faq: with more, oneDNN/MKL may split sums differently from run
    # to run, and at 4 bits this model's GPTQ turns that into perplexities several percent apart.
    torch.set_num_threads(1)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="eager").eval()
    eval_ids = stream(args.eval)
    fp_ppl, _, _ = perplexity(model, eval_ids, args.seqlen)
    calib = stream(args.calib)
    n = min(args.nsamples, len(calib) // args.seqlen)
    batches = layer0_inputs(model, torch.tensor(calib[: n * args.seqlen]).view(n, args.seqlen), args.batch)
    for layer in model.model.layers:
        linears, hessians = hessians_of(layer, batches)
        for name, m in linears.items():
            m.weight.data = gptq(m.weight.data, hessians[name], args.bits, args.group_size, True, False)
        batches = run_layer(layer, batches)
    ppl, tokens, windows = perplexity(model, eval_ids, args.seqlen)
    print(json.dumps({"fp_ppl": fp_ppl, "ppl": ppl, "tokens": tokens, "windows": windows, "nsamples": n}))


if __name__ == "__main__":
    main()
