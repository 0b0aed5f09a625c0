"""What the two GPTQ reference pipelines share (test reference only): the token streams they
read, the Hessians of a decoder layer's linears as the GPTQ literature accumulates them, and
perplexity by the GPTQ protocol."""
import json
import math

import torch

LINEARS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


def add_pipeline_args(ap):
    """The options both pipelines take: model, calibration and evaluation files, the scheme."""
    ap.add_argument("--model", required=True)
    ap.add_argument("--calib", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=128)
    ap.add_argument("--nsamples", type=int, default=64)
    ap.add_argument("--seqlen", type=int, default=256)


def stream(path):
    """The input_ids of a JSONL file's records, concatenated in file order."""
    ids = []
    with open(path) as f:
        for line in f:
            if line.strip():
                ids.extend(json.loads(line)["input_ids"])
    return ids


def collect_hessians(layer, run):
    """Calls run() with hooks on `layer`'s linears; returns ({name: linear}, {name: H}) with
    H = (2/n)·Σ xxᵀ over the n input rows each linear saw, as a running average."""
    linears = {name: layer.get_submodule(name) for name in LINEARS}
    hessians = {name: torch.zeros(m.in_features, m.in_features) for name, m in linears.items()}
    counts = {name: 0 for name in LINEARS}

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
    try:
        run()
    finally:
        for h in handles:
            h.remove()
    return linears, hessians


def perplexity(model, ids, seqlen):
    """exp(mean NLL) over consecutive windows of `seqlen` (the remainder dropped); also the
    scored token and window counts."""
    windows = len(ids) // seqlen
    total = 0.0
    for i in range(windows):
        x = torch.tensor(ids[i * seqlen:(i + 1) * seqlen]).unsqueeze(0)
        logits = model(input_ids=x, use_cache=False).logits[0, :-1].double()
        total += torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="sum").item()
    tokens = windows * (seqlen - 1)
    return math.exp(total / tokens), tokens, windows
