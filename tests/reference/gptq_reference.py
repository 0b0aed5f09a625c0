"""Independent GPTQ reference (test reference only), written from the published algorithm
(Frantar et al., IST-DASLab gptq.py `fasterquant`): reads W [N,K] and H [K,K] from a
safetensors file, quantizes with the given scheme and writes the dequantized weights.

Usage: gptq_reference.py IN.safetensors OUT.safetensors BITS GROUP_SIZE SYM ACT_ORDER
"""
import sys

import torch
from safetensors.torch import load_file, save_file


def fit(w, bits, sym):
    maxq = 2 ** bits - 1
    xmin = torch.clamp(w.min(1).values, max=0)
    xmax = torch.clamp(w.max(1).values, min=0)
    if sym:
        xmax = torch.maximum(xmin.abs(), xmax)
        xmin = torch.where(xmin < 0, -xmax, xmin)
    both = (xmin == 0) & (xmax == 0)
    xmin[both], xmax[both] = -1, 1
    scale = (xmax - xmin) / maxq
    zero = torch.full_like(scale, (maxq + 1) / 2) if sym else torch.round(-xmin / scale)
    return scale, zero


def quant(w, scale, zero, maxq):
    q = torch.clamp(torch.round(w / scale) + zero, 0, maxq)
    return scale * (q - zero)


def gptq(W, H, bits, gs, sym, actorder, blocksize=128, percdamp=0.01):
    W, H = W.clone().float(), H.clone().float()
    K = W.shape[1]
    maxq = 2 ** bits - 1
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    scale, zero = fit(W, bits, sym)
    if actorder:
        perm = torch.argsort(torch.diag(H), descending=True, stable=True)
        W, H = W[:, perm], H[perm][:, perm]
    H[range(K), range(K)] += percdamp * torch.mean(torch.diag(H))
    U = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(H)), upper=True)
    Q = torch.zeros_like(W)
    for i1 in range(0, K, blocksize):
        i2 = min(i1 + blocksize, K)
        W1, E1 = W[:, i1:i2].clone(), torch.zeros_like(W[:, i1:i2])
        for i in range(i2 - i1):
            w, d = W1[:, i], U[i1 + i, i1 + i]
            if gs != -1 and (i1 + i) % gs == 0:
                scale, zero = fit(W[:, i1 + i:i1 + i + gs], bits, sym)
            q = quant(w, scale, zero, maxq)
            Q[:, i1 + i] = q
            e = (w - q) / d
            W1[:, i:] -= e.unsqueeze(1) @ U[i1 + i, i1 + i:i2].unsqueeze(0)
            E1[:, i] = e
        W[:, i2:] -= E1 @ U[i1:i2, i2:]
    if actorder:
        Q = Q[:, torch.argsort(perm)]
    return Q


def main():
    src, dst, bits, gs, sym, act = sys.argv[1:7]
    t = load_file(src)
    q = gptq(t["w"], t["h"], int(bits), int(gs), sym == "1", act == "1")
    save_file({"deq": q.contiguous()}, dst)


if __name__ == "__main__":
    main()
