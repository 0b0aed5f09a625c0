"""Independent calibration-set statistics over Hugging Face transformers (test reference for
`faq stats`): runs the full-precision model over each set's GPTQ windows with forward
pre-hooks on every linear, keeps every input row, and computes from the rows themselves
(numpy, float64) what docs/stats.md defines: Pearson kurtosis over every entry, the share of
entries with |x| > 6σ, per-channel max |x|, mean square and kurtosis, H = (2/n)·XᵀX, the
relative Hessian distance, and the proxy loss of GPTQ (tests/reference/gptq_reference.py)
solved on one set and measured on another. Prints one JSON object.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(__file__))
from gptq_reference import fit, gptq, quant  # noqa: E402

# faq's linear groups for Llama (src/model/linear_groups.cc): the input is the first linear's.
GROUPS = {"self_attn.qkv": ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"],
          "self_attn.o_proj": ["self_attn.o_proj"],
          "mlp.gate_up": ["mlp.gate_proj", "mlp.up_proj"],
          "mlp.down_proj": ["mlp.down_proj"]}


def windows(path, nsamples, seqlen):
    ids = []
    with open(path) as f:
        for line in f:
            if line.strip():
                ids.extend(json.loads(line)["input_ids"])
    n = min(nsamples, len(ids) // seqlen)
    return torch.tensor(ids[: n * seqlen]).view(n, seqlen)


def layer_inputs(model, ids):
    """{(layer, group): float64 rows [tokens, K]} of the full-precision model."""
    rows = {}
    handles = []
    for i, layer in enumerate(model.model.layers):
        for group, linears in GROUPS.items():
            def keep(_module, inputs, key=(i, group)):
                rows.setdefault(key, []).append(inputs[0].reshape(-1, inputs[0].shape[-1]).double().numpy())
            handles.append(layer.get_submodule(linears[0]).register_forward_pre_hook(keep))
    for b in range(0, ids.shape[0], 4):
        model(input_ids=ids[b:b + 4])
    for h in handles:
        h.remove()
    return {k: np.concatenate(v) for k, v in rows.items()}


def kurtosis(x, axis=None):
    c = x - x.mean(axis=axis, keepdims=axis is not None)
    m2 = (c ** 2).mean(axis=axis)
    m4 = (c ** 4).mean(axis=axis)
    return np.where(m2 > 0, m4 / np.where(m2 > 0, m2, 1) ** 2, 0.0)


def summary(x):
    threshold = 6 * x.std()
    return {"tokens": x.shape[0], "kurtosis": float(kurtosis(x)), "std": float(x.std()),
            "outlier_threshold": float(threshold), "outlier_share": float((np.abs(x) > threshold).mean()),
            "max_abs": float(np.abs(x).max()), "channel_max_abs": np.abs(x).max(0).tolist(),
            "channel_mean_square": (x ** 2).mean(0).tolist(), "channel_kurtosis": kurtosis(x, axis=0).tolist()}


def rtn(w, bits, gs):
    out = torch.empty_like(w)
    for c in range(0, w.shape[1], gs):
        scale, zero = fit(w[:, c:c + gs], bits, True)
        out[:, c:c + gs] = quant(w[:, c:c + gs], scale.unsqueeze(1), zero.unsqueeze(1), 2 ** bits - 1)
    return out


def loss(w, q, h):
    d = (w - q).double()
    return float(((d @ h.double()) * d).sum() / w.shape[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--set", action="append", required=True, help="NAME=FILE")
    ap.add_argument("--nsamples", type=int, default=16)
    ap.add_argument("--seqlen", type=int, default=256)
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=64)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="eager").eval()
    sets = [s.split("=", 1) for s in args.set]
    inputs = [layer_inputs(model, windows(f, args.nsamples, args.seqlen)) for _, f in sets]
    layers = []
    for i, layer in enumerate(model.model.layers):
        out = {}
        for group, linears in GROUPS.items():
            xs = [per_set[(i, group)] for per_set in inputs]
            hs = [torch.from_numpy(2 / x.shape[0] * x.T @ x).float() for x in xs]
            distance = [[float(np.linalg.norm(a.double() - b.double()) / np.linalg.norm(b.double())) for b in hs]
                        for a in hs]
            proxy = {}
            for name in linears:
                w = layer.get_submodule(name).weight.data.float()
                solved = [gptq(w.clone(), h.clone(), args.bits, args.group_size, True, False) for h in hs]
                proxy[name] = {"gptq": [[loss(w, q, h) for h in hs] for q in solved],
                               "rtn": [loss(w, rtn(w, args.bits, args.group_size), h) for h in hs]}
            out[group] = {"sets": [summary(x) for x in xs], "hessian_distance": distance, "proxy_loss": proxy}
        layers.append({"layer": i, "inputs": out})
    print(json.dumps({"sets": [name for name, _ in sets], "layers": layers}))


if __name__ == "__main__":
    main()
