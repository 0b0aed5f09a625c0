// GPTQ packing: every bit width is treated as one little-endian bit stream per column,
// processed in blocks of the smallest number of codes that fills whole words (8 codes →
// 1 word at 4 bits, 32 codes → 3 words at 3 bits). All work is ATen ops on int64 so that
// bit 31 never meets a sign; results are reinterpreted as int32 at the end.
#include "faq/format/gptq_format.h"

#include <ATen/ATen.h>

#include <numeric>

#include "faq/util/error.h"

namespace faq {
namespace {

constexpr int64_t kMask32 = 0xFFFFFFFFll;
// Bounds the int64 temporaries of one step (values × 8 bytes) for large layers.
constexpr int64_t kChunkValues = int64_t{1} << 22;

// Codes per block and words per block of the bit stream.
struct Block {
  int64_t codes;
  int64_t words;
};

Block BlockOf(int bits) {
  const int64_t codes = 32 / std::gcd(bits, 32);
  return {codes, codes * bits / 32};
}

// uint32 bit patterns (held in int64) → int32 with the same bits.
at::Tensor ToInt32Bits(const at::Tensor& x) {
  return at::where(x >= (int64_t{1} << 31), x - (int64_t{1} << 32), x).to(at::kInt);
}

// Checks codes lie in [0, maxq]; `what` names them in the message.
void CheckRange(const at::Tensor& x, int bits, std::string_view what) {
  if (x.numel() == 0) return;
  const int64_t lo = x.min().item<int64_t>(), hi = x.max().item<int64_t>();
  const int64_t maxq = (int64_t{1} << bits) - 1;
  if (lo < 0 || hi > maxq) {
    Fail("GPTQ pack: {} must lie in [0, {}] for {}-bit, found values in [{}, {}]", what, maxq, bits, lo, hi);
  }
}

void CheckInteger(const at::Tensor& x, std::string_view what) {
  if (!x.defined() || !at::isIntegralType(x.scalar_type(), /*includeBool=*/false)) {
    Fail("GPTQ pack: {} must be an integer tensor", what);
  }
}

// Packs rows of x [L, M] (codes along dim 0) into words [L·bits/32, M].
at::Tensor PackRows(const at::Tensor& x, int bits) {
  const Block blk = BlockOf(bits);
  const int64_t length = x.size(0), cols = x.size(1), blocks = length / blk.codes;
  // int64 copies are made a chunk at a time: a whole large layer in int64 would be 8 B/weight.
  at::Tensor v = x.contiguous().view({blocks, blk.codes, cols});
  // Offset of code j of a block relative to the start of word w: b·j − 32·w. A positive
  // offset shifts left (masked to 32 bits), a negative one right (the spilled high bits of
  // a straddling code); codes entirely outside the word shift to zero either way.
  at::Tensor j = at::arange(blk.codes, at::kLong).view({1, blk.codes, 1}) * bits;
  at::Tensor out = at::empty({blocks, blk.words, cols}, at::kLong);
  const int64_t step = std::max<int64_t>(1, kChunkValues / std::max<int64_t>(1, blk.codes * cols));
  for (int64_t b0 = 0; b0 < blocks; b0 += step) {
    at::Tensor part = v.slice(0, b0, std::min(blocks, b0 + step)).to(at::kLong);
    for (int64_t w = 0; w < blk.words; ++w) {
      at::Tensor offset = j - 32 * w;
      at::Tensor left = offset.clamp(0, 40), right = (-offset).clamp(0, 40);
      at::Tensor fields = at::bitwise_and(at::bitwise_right_shift(at::bitwise_left_shift(part, left), right), kMask32);
      // Fields are disjoint, so their sum is their OR.
      out.slice(0, b0, b0 + part.size(0)).select(1, w).copy_(fields.sum(1));
    }
  }
  return ToInt32Bits(out.view({blocks * blk.words, cols}));
}

// Unpacks words [L·bits/32, M] into int32 codes [L, M], a chunk of blocks at a time.
at::Tensor UnpackRows(const at::Tensor& packed, int bits, int64_t length) {
  const Block blk = BlockOf(bits);
  const int64_t blocks = length / blk.codes, cols = packed.size(1);
  at::Tensor all_words = packed.contiguous().view({blocks, blk.words, cols});
  // Code j starts in word (b·j)/32 at bit (b·j)%32; if it runs past bit 31 its high bits
  // come from the low bits of the next word.
  std::vector<int64_t> first(blk.codes), shift(blk.codes), second(blk.codes), spill(blk.codes);
  for (int64_t c = 0; c < blk.codes; ++c) {
    const int64_t bit = c * bits;
    first[c] = bit / 32;
    shift[c] = bit % 32;
    const bool straddles = shift[c] + bits > 32;
    second[c] = straddles ? first[c] + 1 : first[c];
    spill[c] = straddles ? 32 - shift[c] : 40;  // a shift of 40 leaves nothing after the mask
  }
  auto as_tensor = [](const std::vector<int64_t>& v) { return at::tensor(v, at::kLong); };
  at::Tensor shift_t = as_tensor(shift).view({1, blk.codes, 1});
  at::Tensor spill_t = as_tensor(spill).view({1, blk.codes, 1});
  const int64_t maxq = (int64_t{1} << bits) - 1;
  const at::Tensor first_t = as_tensor(first), second_t = as_tensor(second);
  at::Tensor codes = at::empty({blocks, blk.codes, cols}, at::kInt);
  const int64_t step = std::max<int64_t>(1, kChunkValues / std::max<int64_t>(1, blk.codes * cols));
  for (int64_t b0 = 0; b0 < blocks; b0 += step) {
    const int64_t b1 = std::min(blocks, b0 + step);
    at::Tensor words = at::bitwise_and(all_words.slice(0, b0, b1).to(at::kLong), kMask32);
    at::Tensor low = at::bitwise_right_shift(words.index_select(1, first_t), shift_t);
    // Only the low `bits` bits of the next word can belong to this code; masking first
    // keeps the shifted value far from the int64 sign bit.
    at::Tensor high = at::bitwise_left_shift(at::bitwise_and(words.index_select(1, second_t), maxq), spill_t);
    codes.slice(0, b0, b1).copy_(at::bitwise_and(at::bitwise_or(low, high), maxq));
  }
  return codes.view({length, cols});
}

void CheckPackedDim(int64_t length, int bits, std::string_view what) {
  const Block blk = BlockOf(bits);
  if (length % blk.codes != 0) {
    Fail("GPTQ {}-bit: {} ({}) must be a multiple of {} (the codes that fill {} whole int32 word{})", bits, what,
         length, blk.codes, blk.words, blk.words == 1 ? "" : "s");
  }
}

void CheckPackedInput(const at::Tensor& packed, std::string_view what) {
  if (!packed.defined() || packed.dim() != 2 || packed.scalar_type() != at::kInt) {
    Fail("GPTQ unpack: {} must be a 2-D int32 tensor", what);
  }
}

}  // namespace

void CheckGptqBits(int bits, std::string_view label) {
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
    Fail("{}: GPTQ supports 2, 3, 4 or 8 bits, got {}", label, bits);
  }
}

void CheckGptqShape(int64_t out_features, int64_t in_features, int bits, std::string_view label) {
  CheckGptqBits(bits, label);
  const int64_t need = BlockOf(bits).codes;
  if (in_features % need != 0 || out_features % need != 0) {
    Fail("{}: a {}-bit GPTQ layer needs in_features and out_features divisible by {} (qweight packs along K, "
         "qzeros along N), got [{}, {}]",
         label, bits, need, out_features, in_features);
  }
}

at::Tensor PackGptqQweight(const at::Tensor& q, int bits) {
  CheckGptqBits(bits, "PackGptqQweight");
  CheckInteger(q, "qweight");
  if (q.dim() != 2) Fail("GPTQ pack: qweight must be [N, K], got {} dimensions", q.dim());
  CheckPackedDim(q.size(1), bits, "K (in_features)");
  CheckRange(q, bits, "qweight codes");
  return PackRows(q.t(), bits);
}

at::Tensor UnpackGptqQweight(const at::Tensor& packed, int bits, int64_t in_features) {
  CheckGptqBits(bits, "UnpackGptqQweight");
  CheckPackedInput(packed, "qweight");
  CheckPackedDim(in_features, bits, "K (in_features)");
  if (packed.size(0) * 32 != in_features * bits) {
    Fail("GPTQ {}-bit: packed qweight has {} rows, expected K·{}/32 = {} for K = {}", bits, packed.size(0), bits,
         in_features * bits / 32, in_features);
  }
  return UnpackRows(packed, bits, in_features).t().contiguous();
}

at::Tensor PackGptqQzeros(const at::Tensor& zeros, int bits, bool v1) {
  CheckGptqBits(bits, "PackGptqQzeros");
  CheckInteger(zeros, "zeros");
  if (zeros.dim() != 2) Fail("GPTQ pack: zeros must be [G, N], got {} dimensions", zeros.dim());
  CheckPackedDim(zeros.size(1), bits, "N (out_features)");
  CheckRange(zeros, bits, "zero points");
  at::Tensor stored = zeros.to(at::kLong);
  if (v1) {
    if (stored.numel() > 0 && stored.min().item<int64_t>() == 0) {
      Fail("GPTQ pack: a zero point of 0 cannot be stored in the v1 (\"gptq\") format, which stores zero − 1; "
           "write checkpoint_format \"gptq_v2\" for asymmetric quantization");
    }
    stored = stored - 1;
  }
  return PackRows(stored.t(), bits).t().contiguous();
}

at::Tensor UnpackGptqQzeros(const at::Tensor& packed, int bits, int64_t out_features, bool v1) {
  CheckGptqBits(bits, "UnpackGptqQzeros");
  CheckPackedInput(packed, "qzeros");
  CheckPackedDim(out_features, bits, "N (out_features)");
  if (packed.size(1) * 32 != out_features * bits) {
    Fail("GPTQ {}-bit: packed qzeros has {} columns, expected N·{}/32 = {} for N = {}", bits, packed.size(1), bits,
         out_features * bits / 32, out_features);
  }
  at::Tensor zeros = UnpackRows(packed.t(), bits, out_features).t().contiguous();
  return v1 ? zeros + 1 : zeros;
}

}  // namespace faq
