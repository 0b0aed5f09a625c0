// The GPTQ tensor layout (AutoGPTQ / GPTQModel checkpoints, as vLLM loads them): packing
// integer codes and zero points into int32 words and back.
//
// Notation: a linear is y = x·Wᵀ with W [N = out_features, K = in_features]; b = bits,
// maxq = 2^b − 1, G = number of groups.
//
// Bit order. Along the packed dimension, the codes of one column form a little-endian bit
// stream: code k occupies bits [b·k, b·k + b) of `word0 | word1 << 32 | word2 << 64 | ...`,
// where word r is row r of the packed tensor. For b ∈ {2, 4, 8} this is the familiar
// "pf = 32/b codes per word, LSB first": code k lives in word k / pf at bit b·(k % pf).
// For b = 3, 32 codes fill exactly 3 words and codes 10 and 21 straddle word boundaries
// (code 10 = word0 bits 30–31 + word1 bit 0; code 21 = word1 bit 31 + word2 bits 0–1), which
// is how AutoGPTQ's pack() and vLLM's 3-bit gptq_gemm kernel lay them out.
//
// Tensors of one quantized linear P (HF `P.weight` is replaced):
//   P.qweight int32 [K·b/32, N]  codes packed along K (transposed vs HF [N, K])
//   P.qzeros  int32 [G, N·b/32]  zero points packed along N
//   P.scales  fp16  [G, N]
//   P.g_idx   int32 [K]          group of each input column
// Shape rules: the packed dimension must be a multiple of 32/gcd(b, 32) codes, i.e.
// K % (32/b) == 0 for b ∈ {2, 4, 8} and K % 32 == 0 (and N % 32 == 0 for qzeros) for b = 3.
//
// Zero-point convention. v1 (`checkpoint_format: "gptq"` or absent) stores zero − 1 and
// every v1 reader adds the 1 back; v2 (`"gptq_v2"`) stores the zero as is. v1 cannot
// represent an asymmetric zero of 0 (AutoGPTQ writes −1, which corrupts the neighbouring
// fields of the word); faq refuses to pack such zeros as v1 instead of writing garbage.
// Symmetric zeros are 2^(b−1), e.g. the 4-bit v1 word 0x77777777 and v2 word 0x88888888.
// Dequantization: W[n, k] = scales[g, n] · (q[n, k] − zero[g, n]) with g = g_idx[k].
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string_view>

namespace faq {

// Throws faq::Error unless bits ∈ {2, 3, 4, 8}.
void CheckGptqBits(int bits, std::string_view label);
// Checks that a linear [N, K] can be stored in the GPTQ layout with `bits` (both packed
// dimensions); `label` names the layer in the message.
void CheckGptqShape(int64_t out_features, int64_t in_features, int bits, std::string_view label);

// q: integer codes [N, K] in [0, 2^bits − 1] → int32 [K·bits/32, N].
at::Tensor PackGptqQweight(const at::Tensor& q, int bits);
// packed int32 [K·bits/32, N] → int32 codes [N, K].
at::Tensor UnpackGptqQweight(const at::Tensor& packed, int bits, int64_t in_features);

// zeros: integer zero points [G, N] in [0, 2^bits − 1] → int32 [G, N·bits/32], storing
// zero − 1 when `v1` (throws if a zero is 0 then) and the zero itself otherwise.
at::Tensor PackGptqQzeros(const at::Tensor& zeros, int bits, bool v1);
// packed int32 [G, N·bits/32] → int32 zero points [G, N] (adding the 1 back when `v1`).
at::Tensor UnpackGptqQzeros(const at::Tensor& packed, int bits, int64_t out_features, bool v1);

}  // namespace faq
