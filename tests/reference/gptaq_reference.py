"""Independent GPTAQ and RTN references (test reference only), written from the published
algorithms: GPTAQ (Li et al. 2025, "GPTQv2"; Intelligent-Computing-Lab-Yale/GPTAQ
`fasterquant`, the alpha-weighted reference form of shared/spec/formats-and-algorithms.md
section 4.4) and round-to-nearest on the GPTQ grid. Reads W [N,K], H [K,K] and dXXT [K,K]
from a safetensors file and writes the dequantized weights of both for every scheme of
bits {3, 4} x group size {32, -1} x sym x act-order, as `gptaq_b{B}_g{G}_s{S}_a{A}` and
`rtn_b{B}_g{G}_s{S}` (S, A in {0, 1}).

Usage: gptaq_reference.py IN.safetensors OUT.safetensors ALPHA
"""
import os
import sys

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(__file__))
from gptq_reference import fit, quant  # noqa: E402  (the grid of the GPTQ reference)


def rtn(W, bits, gs, sym):
    W = W.clone().float()
    gs = W.shape[1] if gs == -1 else gs
    out = torch.empty_like(W)
    for g in range(0, W.shape[1], gs):
        scale, zero = fit(W[:, g:g + gs], bits, sym)
        out[:, g:g + gs] = quant(W[:, g:g + gs], scale.unsqueeze(1), zero.unsqueeze(1), 2 ** bits - 1)
    return out


def gptaq(W, H, dXXT, bits, gs, sym, actorder, alpha, blocksize=128, percdamp=0.01):
    W, H, dXXT = W.clone().float(), H.clone().float(), dXXT.clone().float()
    K = W.shape[1]
    maxq = 2 ** bits - 1
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    dXXT[:, dead] = 0
    scale, zero = fit(W, bits, sym)
    if actorder:
        perm = torch.argsort(torch.diag(H), descending=True, stable=True)
        W, H, dXXT = W[:, perm], H[perm][:, perm], dXXT[perm][:, perm]
    H[range(K), range(K)] += percdamp * torch.mean(torch.diag(H))
    U = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(H)), upper=True)
    P = alpha * torch.triu(dXXT @ U.T, diagonal=1) @ U
    Q = torch.zeros_like(W)
    for i1 in range(0, K, blocksize):
        i2 = min(i1 + blocksize, K)
        W1, E1 = W[:, i1:i2].clone(), torch.zeros_like(W[:, i1:i2])
        for i in range(i2 - i1):
            w, d = W1[:, i].clone(), U[i1 + i, i1 + i]
            if gs != -1 and (i1 + i) % gs == 0:
                scale, zero = fit(W[:, i1 + i:i1 + i + gs], bits, sym)
            q = quant(w, scale, zero, maxq)
            Q[:, i1 + i] = q
            e = (w - q) / d
            W1[:, i:] -= e.unsqueeze(1) @ U[i1 + i, i1 + i:i2].unsqueeze(0) - w.unsqueeze(1) @ P[i1 + i, i1 + i:i2].unsqueeze(0)
            E1[:, i] = e
        W[:, i2:] -= E1 @ U[i1:i2, i2:] - Q[:, i1:i2] @ P[i1:i2, i2:]
    if actorder:
        Q = Q[:, torch.argsort(perm)]
    return Q


def main():
    src, dst, alpha = sys.argv[1:4]
    t = load_file(src)
    out = {}
    for bits in (3, 4):
        for gs in (32, -1):
            for sym in (0, 1):
                out[f"rtn_b{bits}_g{gs}_s{sym}"] = rtn(t["w"], bits, gs, sym == 1).contiguous()
                for act in (0, 1):
                    q = gptaq(t["w"], t["h"], t["dxxt"], bits, gs, sym == 1, act == 1, float(alpha))
                    out[f"gptaq_b{bits}_g{gs}_s{sym}_a{act}"] = q.contiguous()
    save_file(out, dst)


if __name__ == "__main__":
    main()
