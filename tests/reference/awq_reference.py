"""Independent AWQ scale search over Hugging Face transformers (test reference only), written
from the published algorithm (AutoAWQ `_search_best_scale`; shared/spec/formats-and-algorithms.md
section 4.2); it uses no faq code. For layer 0 of MODEL it captures the inputs of the groups
whose scales fold into a norm (input_layernorm -> q/k/v, inspected at the attention output
o_proj; post_attention_layernorm -> gate/up, inspected at the MLP output down_proj), and for
each grid point alpha = i/grid it computes
    s = x_mean^alpha / (w_mean^(1-alpha) + 1e-4), clamped at 1e-4, over sqrt(max(s) min(s)),
quantizes W*s with AWQ's zero-point min-max grid, divides by s again and measures the mean
squared error of the inspected output. Prints one JSON line per group:
{"norm", "losses": [per alpha], "scales": [[K] per alpha], "best": index}.

Usage: awq_reference.py --model DIR --calib FILE.jsonl --nsamples N --seqlen T --bits B --group-size G
"""
import argparse
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(__file__))
from gptq_pipeline import stream  # noqa: E402  (the token stream of a calibration file)


def pseudo_quantize(w, bits, group):
    """AutoAWQ pseudo_quantize_tensor, zero-point mode: per row and group of input columns."""
    shape = w.shape
    w = w.reshape(-1, group)
    hi, lo = w.amax(dim=1, keepdim=True), w.amin(dim=1, keepdim=True)
    maxq = 2 ** bits - 1
    scale = (hi - lo).clamp(min=1e-5) / maxq
    zero = (-torch.round(lo / scale)).clamp(0, maxq)
    q = (torch.round(w / scale) + zero).clamp(0, maxq)
    return ((q - zero) * scale).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--calib", required=True)
    ap.add_argument("--nsamples", type=int, default=32)
    ap.add_argument("--seqlen", type=int, default=256)
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=32)
    ap.add_argument("--grid", type=int, default=20)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="eager").eval()
    model.model.layers = model.model.layers[:1]  # layer 0 is all the search needs
    layer = model.model.layers[0]
    calib = stream(args.calib)
    n = min(args.nsamples, len(calib) // args.seqlen)
    windows = torch.tensor(calib[: n * args.seqlen]).view(n, args.seqlen)
    captured = {}

    def keep(name, output):
        def hook(_module, inputs, out):
            captured[name] = (out if output else inputs[0]).reshape(-1, (out if output else inputs[0]).shape[-1])
        return hook

    points = {"attn_in": (layer.self_attn.q_proj, False), "attn_out": (layer.self_attn.o_proj, True),
              "mlp_in": (layer.mlp.gate_proj, False), "mlp_out": (layer.mlp.down_proj, True)}
    for name, (module, output) in points.items():
        module.register_forward_hook(keep(name, output))

    def run():
        parts = {k: [] for k in points}
        for b in range(0, n, 8):
            model(input_ids=windows[b:b + 8])
            for k in points:
                parts[k].append(captured[k].clone())
        return {k: torch.cat(v) for k, v in parts.items()}

    reference = run()
    groups = [("input_layernorm", [layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj],
               "attn_in", "attn_out"),
              ("post_attention_layernorm", [layer.mlp.gate_proj, layer.mlp.up_proj], "mlp_in", "mlp_out")]
    for norm, linears, inp, out in groups:
        x_mean = reference[inp].abs().float().mean(0)
        original = [m.weight.data.clone() for m in linears]
        w = torch.cat(original, 0).abs().reshape(-1, args.group_size)
        w_mean = (w / (w.amax(dim=1, keepdim=True) + 1e-6)).reshape(-1, original[0].shape[1]).mean(0)
        losses, scales = [], []
        for i in range(args.grid):
            alpha = i / args.grid
            s = (x_mean.pow(alpha) / (w_mean.pow(1 - alpha) + 1e-4)).clamp(min=1e-4)
            s = s / (s.max() * s.min()).sqrt()
            for m, w0 in zip(linears, original):
                m.weight.data = pseudo_quantize(w0 * s.view(1, -1), args.bits, args.group_size) / s.view(1, -1)
            losses.append((run()[out] - reference[out]).float().pow(2).mean().item())
            scales.append(s.tolist())
            for m, w0 in zip(linears, original):
                m.weight.data = w0
        best = min(range(len(losses)), key=losses.__getitem__)
        print(json.dumps({"norm": norm, "losses": losses, "scales": scales, "best": best}))


if __name__ == "__main__":
    main()
