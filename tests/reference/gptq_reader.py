"""Independent GPTQ checkpoint reader (test reference only), written from the layout vLLM
loads (AutoGPTQ/GPTQModel format, shared/spec/formats-and-algorithms.md section 1); it uses
no faq code. It unpacks every `P.qweight/qzeros/scales/g_idx` of MODEL_DIR, dequantizes
W[n,k] = scales[g_idx[k], n] * (q[n,k] - z[g_idx[k], n]), compares with `P.weight` in
FAQ_WEIGHTS (the weights faq loaded) and prints one JSON line per linear:
{"name", "bits", "max_abs_diff", "max_scale"}.

Usage: gptq_reader.py MODEL_DIR FAQ_WEIGHTS.safetensors
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file


def load_dir(model_dir):
    tensors = {}
    for name in sorted(os.listdir(model_dir)):
        if name.endswith(".safetensors"):
            tensors.update(load_file(os.path.join(model_dir, name)))
    return tensors


def unpack_shift(words, bits, axis):
    """AutoGPTQ/vLLM-style unpack for 2/4/8 bits: field i of a word is (word >> bits*i) & maxq,
    fields of one word are consecutive along `axis`."""
    maxq = (1 << bits) - 1
    w = words.astype(np.uint32).astype(np.int64)
    shifts = np.arange(0, 32, bits, dtype=np.int64)
    if axis == 0:  # qweight [K*b/32, N] -> [K, N]
        fields = (w[:, None, :] >> shifts[None, :, None]) & maxq
        return fields.reshape(-1, w.shape[1])
    fields = (w[:, :, None] >> shifts[None, None, :]) & maxq  # qzeros [G, N*b/32] -> [G, N]
    return fields.reshape(w.shape[0], -1)


def unpack_stream(words, bits, axis):
    """Any bit width (incl. 3): along `axis`, consecutive words form one little-endian bit
    stream and value j occupies bits [bits*j, bits*j + bits)."""
    w = np.ascontiguousarray(np.moveaxis(words.astype("<u4"), axis, -1))  # [..., words]
    stream = np.unpackbits(w.view(np.uint8), axis=-1, bitorder="little")  # [..., words*32]
    fields = stream.reshape(*stream.shape[:-1], -1, bits).astype(np.int64)
    values = (fields << np.arange(bits, dtype=np.int64)).sum(-1)
    return np.moveaxis(values, -1, axis)


def unpack(words, bits, axis):
    values = unpack_stream(words, bits, axis)
    if bits in (2, 4, 8):
        other = unpack_shift(words, bits, axis)
        if not np.array_equal(values, other):
            sys.exit("reader self-check failed: the two unpack methods disagree")
    return values


def expect(cond, message):
    if not cond:
        sys.exit(message)


def main():
    model_dir, faq_path = sys.argv[1], sys.argv[2]
    with open(os.path.join(model_dir, "config.json")) as f:
        qc = json.load(f)["quantization_config"]
    expect(qc["quant_method"] == "gptq", "quant_method is not gptq")
    bits, gs = qc["bits"], qc["group_size"]
    v1 = qc.get("checkpoint_format", "gptq") != "gptq_v2"
    tensors = load_dir(model_dir)
    faq = load_file(faq_path)
    prefixes = sorted(n[: -len(".qweight")] for n in tensors if n.endswith(".qweight"))
    expect(prefixes, "no .qweight tensors found")
    for p in prefixes:
        qweight, qzeros = tensors[p + ".qweight"], tensors[p + ".qzeros"]
        scales, g_idx = tensors[p + ".scales"], tensors[p + ".g_idx"]
        expect(p + ".weight" not in tensors, p + ": both .weight and .qweight present")
        expect(qweight.dtype == np.int32 and qzeros.dtype == np.int32 and g_idx.dtype == np.int32, p + ": int dtypes")
        expect(scales.dtype == np.float16, p + ": scales must be fp16")
        k, n = g_idx.shape[0], scales.shape[1]
        groups = k // gs if gs > 0 else 1
        expect(qweight.shape == (k * bits // 32, n), f"{p}: qweight shape {qweight.shape}")
        expect(qzeros.shape == (groups, n * bits // 32), f"{p}: qzeros shape {qzeros.shape}")
        expect(scales.shape == (groups, n), f"{p}: scales shape {scales.shape}")
        q = unpack(qweight, bits, 0).T  # [N, K]
        z = unpack(qzeros, bits, 1) + (1 if v1 else 0)  # [G, N]
        s = scales.astype(np.float64)
        g = g_idx.astype(np.int64)
        w = s[g].T * (q - z[g].T)
        ref = faq[p + ".weight"].astype(np.float64)
        expect(ref.shape == w.shape, f"{p}: faq weight shape {ref.shape} vs {w.shape}")
        print(json.dumps({"name": p, "bits": bits, "max_abs_diff": float(np.abs(w - ref).max()),
                          "max_scale": float(np.abs(s).max())}))


if __name__ == "__main__":
    main()
