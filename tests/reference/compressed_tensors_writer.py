#!/usr/bin/env python3
"""Writes a compressed-tensors "pack-quantized" checkpoint (llm-compressor's default output)
from a dense model, independently of faq, following compressed-tensors' own code
(pack_quantized.py, pack_to_int32; quantization/utils/helpers.py for the grid) as summarised in
the spec (formats-and-algorithms.md §3), plus the same model with the dequantized weights in
place (what the quantized checkpoint must read back as).

  compressed_tensors_writer.py SRC OUT_PACKED OUT_DENSE --bits 4 --group-size 32 [--asym]
      [--format pack-quantized]
"""
import argparse
import json
import pathlib
import re
import shutil

import torch
from safetensors.torch import load_file, save_file

LINEAR = re.compile(r"^model\.layers\.\d+\.(self_attn|mlp)\.\w+_proj\.weight$")


def grid(w: torch.Tensor, bits: int, sym: bool, group: int):
    """Per output row and group: scale [N, G] and signed zero point [N, G] (helpers.py)."""
    n, k = w.shape
    g = w.reshape(n, k // group, group)
    lo = torch.clamp(g.amin(-1), max=0.0)
    hi = torch.clamp(g.amax(-1), min=0.0)
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if sym:
        scale = torch.maximum(lo.abs(), hi.abs()) / ((qmax - qmin) / 2)
        zero = torch.zeros_like(scale, dtype=torch.int32)
    else:
        scale = (hi - lo) / (qmax - qmin)
        zero = torch.clamp(torch.round(qmin - lo / scale), qmin, qmax).to(torch.int32)
    scale = torch.where(scale == 0, torch.ones_like(scale), scale)
    return scale, zero


def pack_to_int32(values: torch.Tensor, bits: int, dim: int) -> torch.Tensor:
    """Signed ints → int32 words, `32 // bits` per word, LSB first along `dim` (offset 2^(b−1))."""
    v = values.to(torch.int64) + 2 ** (bits - 1)
    if dim == 0:
        v = v.t()
    pf = 32 // bits
    rows, cols = v.shape
    v = v.reshape(rows, cols // pf, pf)
    word = torch.zeros(rows, cols // pf, dtype=torch.int64)
    for i in range(pf):
        word |= v[:, :, i] << (bits * i)
    word = torch.where(word >= 2 ** 31, word - 2 ** 32, word).to(torch.int32)
    return word.t().contiguous() if dim == 0 else word.contiguous()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("packed")
    ap.add_argument("dense")
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=32)
    ap.add_argument("--asym", action="store_true")
    ap.add_argument("--format", default="pack-quantized")
    a = ap.parse_args()
    src, packed_dir, dense_dir = map(pathlib.Path, (a.src, a.packed, a.dense))
    tensors = load_file(str(src / "model.safetensors"))
    packed, dense = {}, {}
    bits, sym = a.bits, not a.asym
    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    for name, t in tensors.items():
        if not LINEAR.match(name):
            packed[name] = dense[name] = t
            continue
        w = t.float()
        n, k = w.shape
        group = a.group_size if a.group_size > 0 else k
        scale, zero = grid(w, bits, sym, group)
        s_full = scale.repeat_interleave(group, dim=1)
        z_full = zero.repeat_interleave(group, dim=1)
        q = torch.clamp(torch.round(w / s_full) + z_full, qmin, qmax).to(torch.int32)
        dense[name] = ((q - z_full).float() * s_full).to(t.dtype)
        p = name[: -len(".weight")]
        packed[p + ".weight_packed"] = pack_to_int32(q, bits, dim=1)
        packed[p + ".weight_scale"] = scale.to(t.dtype).contiguous()
        packed[p + ".weight_shape"] = torch.tensor([n, k], dtype=torch.int32)
        if not sym:
            packed[p + ".weight_zero_point"] = pack_to_int32(zero, bits, dim=0)
    for out, ts in ((packed_dir, packed), (dense_dir, dense)):
        out.mkdir(parents=True, exist_ok=True)
        save_file(ts, str(out / "model.safetensors"), metadata={"format": "pt"})
        for f in src.iterdir():
            if f.name != "model.safetensors" and f.is_file():
                shutil.copy(f, out / f.name)
    config = json.loads((src / "config.json").read_text())
    weights = {"num_bits": bits, "type": "int", "symmetric": sym, "dynamic": False, "actorder": None,
               "observer": "minmax", "observer_kwargs": {}, "block_structure": None}
    weights.update({"strategy": "group", "group_size": a.group_size} if a.group_size > 0 else
                   {"strategy": "channel", "group_size": None})
    config["quantization_config"] = {
        "quant_method": "compressed-tensors", "format": a.format, "quantization_status": "compressed",
        "ignore": ["lm_head"], "kv_cache_scheme": None,
        "config_groups": {"group_0": {"targets": ["Linear"], "input_activations": None,
                                      "output_activations": None, "weights": weights}}}
    (packed_dir / "config.json").write_text(json.dumps(config, indent=2))


if __name__ == "__main__":
    main()
