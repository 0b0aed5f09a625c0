"""Independent AWQ GEMM checkpoint reader (test reference only), written from the layout
AutoAWQ writes and vLLM loads (shared/spec/formats-and-algorithms.md section 2); it uses no
faq code. For every `P.qweight/qzeros/scales` of AWQ_DIR it unpacks the nibbles (the value
of output column 8c + j sits at nibble AWQ_REVERSE_ORDER[j] of word c), dequantizes
W[n, k] = scales[k // gs, n] * (q[k, n] - z[k // gs, n]), compares with `P.weight` of
FAKE_DIR (faq's fake-quantized export of the same quantization) and prints one JSON line per
linear: {"name", "max_abs_diff", "max_scale"}.

Usage: awq_reader.py AWQ_DIR FAKE_DIR
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from gptq_reader import expect, load_dir  # noqa: E402  (reading a checkpoint directory)

AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7]


def unpack(words):
    """int32 [R, C] -> int64 [R, 8C] in output-column order."""
    w = words.astype(np.uint32).astype(np.int64)
    out = np.empty((w.shape[0], w.shape[1] * 8), dtype=np.int64)
    for j in range(8):
        out[:, j::8] = (w >> (4 * AWQ_REVERSE_ORDER[j])) & 0xF
    return out


def main():
    awq_dir, fake_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(awq_dir, "config.json")) as f:
        qc = json.load(f)["quantization_config"]
    expect(qc["quant_method"] == "awq" and qc["version"] == "gemm" and qc["zero_point"], "not an AWQ GEMM config")
    expect(qc["bits"] == 4, "AWQ GEMM is 4-bit")
    gs = qc["group_size"]
    tensors, fake = load_dir(awq_dir), load_dir(fake_dir)
    prefixes = sorted(n[: -len(".qweight")] for n in tensors if n.endswith(".qweight"))
    expect(prefixes, "no .qweight tensors found")
    for p in prefixes:
        qweight, qzeros, scales = tensors[p + ".qweight"], tensors[p + ".qzeros"], tensors[p + ".scales"]
        expect(p + ".weight" not in tensors and p + ".g_idx" not in tensors, p + ": unexpected .weight or .g_idx")
        expect(qweight.dtype == np.int32 and qzeros.dtype == np.int32, p + ": int32 packing")
        expect(scales.dtype == np.float16, p + ": scales must be fp16")
        k, n = qweight.shape[0], qweight.shape[1] * 8
        group = gs if gs > 0 else k
        expect(qzeros.shape == (k // group, n // 8) and scales.shape == (k // group, n), p + ": stats shapes")
        q, z = unpack(qweight), unpack(qzeros)  # [K, N], [G, N]
        g = np.arange(k) // group
        w = (scales.astype(np.float64)[g] * (q - z[g])).T  # [N, K]
        ref = fake[p + ".weight"].astype(np.float64)
        expect(ref.shape == w.shape, f"{p}: fake weight shape {ref.shape} vs {w.shape}")
        print(json.dumps({"name": p, "max_abs_diff": float(np.abs(w - ref).max()),
                          "max_scale": float(np.abs(scales.astype(np.float64)).max())}))


if __name__ == "__main__":
    main()
