// Packing SpQR linears into faq's SpQR layout and back (faq/format/spqr_format.h).
#include "faq/format/spqr_format.h"

#include <ATen/ATen.h>
#include <fmt/ranges.h>

#include "faq/format/gptq_format.h"
#include "faq/util/error.h"

namespace faq {
namespace {

// The second-level stats a SpQR linear carries in `extra` (beside "scale_codes", "zero_codes").
constexpr const char* kSecondLevelKeys[] = {"scale_scale", "scale_zero", "zero_scale", "zero_zero"};

const at::Tensor& Extra(const QuantizedLinear& l, const char* key, const std::string& label) {
  auto it = l.extra.find(key);
  if (it == l.extra.end() || !it->second.defined()) Fail("{}: SpQR linear has no '{}' stats", label, key);
  return it->second;
}

void ExpectShape(const at::Tensor& t, const std::string& what, std::vector<int64_t> shape, const std::string& label) {
  if (!t.defined()) Fail("{}: SpQR tensor '{}' is missing", label, what);
  if (t.sizes().vec() != shape) {
    Fail("{}: SpQR tensor '{}' has shape [{}], expected [{}]", label, what, fmt::join(t.sizes(), ", "),
         fmt::join(shape, ", "));
  }
}

int64_t Chunks(int64_t n, int64_t chunk) { return (n + chunk - 1) / chunk; }

}  // namespace

at::Tensor ExpandSpqrStats(const at::Tensor& codes, const at::Tensor& scale2, const at::Tensor& zero2, int64_t chunk) {
  const at::Tensor chunk_of = at::arange(codes.size(1), scale2.options().dtype(at::kLong)).floor_divide(chunk);
  return scale2.index_select(1, chunk_of) * (codes.to(scale2.scalar_type()) - zero2.index_select(1, chunk_of));
}

SpqrCsr OutliersToCsr(const at::Tensor& outliers, int64_t n, int64_t k) {
  const at::ScalarType col_type = k > 32767 ? at::kInt : at::kShort;
  SpqrCsr csr;
  if (!outliers.defined() || outliers._nnz() == 0) {
    csr.row_offsets = at::zeros({n + 1}, at::dtype(at::kInt));
    csr.col_ids = at::empty({0}, at::dtype(col_type));
    csr.values = at::empty({0}, at::dtype(at::kHalf));
    return csr;
  }
  const at::Tensor coo = outliers.to(at::kCPU).coalesce();  // row-major order
  const at::Tensor idx = coo.indices();
  const at::Tensor per_row = at::bincount(idx[0], {}, n);
  csr.row_offsets = at::cat({at::zeros({1}, per_row.options()), per_row.cumsum(0)}).to(at::kInt);
  csr.col_ids = idx[1].to(col_type);
  csr.values = coo.values().to(at::kHalf);
  return csr;
}

at::Tensor OutliersFromCsr(const SpqrCsr& csr, int64_t n, int64_t k, const std::string& label) {
  ExpectShape(csr.row_offsets, "outlier_row_offsets", {n + 1}, label);
  const int64_t nnz = csr.values.defined() ? csr.values.size(0) : 0;
  ExpectShape(csr.col_ids, "outlier_col_ids", {nnz}, label);
  const at::Tensor offsets = csr.row_offsets.to(at::kLong);
  if (offsets[0].item<int64_t>() != 0 || offsets[n].item<int64_t>() != nnz ||
      (n > 0 && (offsets.diff() < 0).any().item<bool>())) {
    Fail("{}: outlier_row_offsets must rise from 0 to the {} stored outliers", label, nnz);
  }
  if (nnz == 0) return {};
  const at::Tensor cols = csr.col_ids.to(at::kLong);
  if (cols.min().item<int64_t>() < 0 || cols.max().item<int64_t>() >= k) {
    Fail("{}: outlier_col_ids hold columns outside [0, {})", label, k);
  }
  const at::Tensor rows = at::repeat_interleave(at::arange(n, offsets.options()), offsets.diff());
  return at::sparse_coo_tensor(at::stack({rows, cols}), csr.values.to(at::kFloat), {n, k}).coalesce();
}

std::vector<std::pair<std::string, at::Tensor>> PackSpqrLinear(const QuantizedLinear& l, const std::string& label) {
  const int64_t n = l.qweight.size(0), k = l.qweight.size(1);
  if (l.stat_bits <= 0 || l.stat_group_size <= 0) Fail("{}: not a SpQR linear (no second-level stats)", label);
  CheckGptqShape(n, k, l.scheme.bits, label);
  CheckGptqShape(n, k, l.stat_bits, label + " (stat codes)");
  const int64_t groups = l.scales.size(0), chunks = Chunks(n, l.stat_group_size);
  for (const char* key : {"scale_codes", "zero_codes"}) ExpectShape(Extra(l, key, label), key, {groups, n}, label);
  for (const char* key : kSecondLevelKeys) ExpectShape(Extra(l, key, label), key, {groups, chunks}, label);
  const QuantizedLinear c = l.To(at::kCPU);
  std::vector<std::pair<std::string, at::Tensor>> out;
  out.emplace_back("qweight", PackGptqQweight(c.qweight, c.scheme.bits));
  out.emplace_back("scale_q", PackGptqQzeros(c.extra.at("scale_codes").to(at::kInt), c.stat_bits, false));
  out.emplace_back("zero_q", PackGptqQzeros(c.extra.at("zero_codes").to(at::kInt), c.stat_bits, false));
  for (const char* key : kSecondLevelKeys) out.emplace_back(key, c.extra.at(key).to(at::kHalf));
  SpqrCsr csr = OutliersToCsr(c.outliers, n, k);
  out.emplace_back("outlier_row_offsets", csr.row_offsets);
  out.emplace_back("outlier_col_ids", csr.col_ids);
  out.emplace_back("outlier_values", csr.values);
  if (c.scheme.act_order) out.emplace_back("g_idx", c.g_idx.to(at::kInt));
  return out;
}

QuantizedLinear UnpackSpqrLinear(const std::function<at::Tensor(const std::string&)>& get, const SpqrLayout& layout,
                                 int64_t n, int64_t k, const std::string& label) {
  CheckGptqShape(n, k, layout.bits, label);
  CheckGptqShape(n, k, layout.stat_bits, label + " (stat codes)");
  if (layout.group_size <= 0 || k % layout.group_size != 0) {
    Fail("{}: group_size {} does not divide in_features {}", label, layout.group_size, k);
  }
  const int64_t groups = k / layout.group_size, chunks = Chunks(n, layout.stat_group_size);
  QuantizedLinear l;
  l.scheme = {.bits = layout.bits, .group_size = layout.group_size, .sym = false};
  l.stat_bits = layout.stat_bits;
  l.stat_group_size = layout.stat_group_size;
  const at::Tensor qweight = get("qweight");
  ExpectShape(qweight, "qweight", {k * layout.bits / 32, n}, label);
  l.qweight = UnpackGptqQweight(qweight.to(at::kInt), layout.bits, k);
  for (const char* key : {"scale_q", "zero_q"}) {
    const at::Tensor packed = get(key);
    ExpectShape(packed, key, {groups, n * layout.stat_bits / 32}, label);
    l.extra[key[0] == 's' ? "scale_codes" : "zero_codes"] =
        UnpackGptqQzeros(packed.to(at::kInt), layout.stat_bits, n, false).to(at::kByte);
  }
  for (const char* key : kSecondLevelKeys) {
    const at::Tensor t = get(key);
    ExpectShape(t, key, {groups, chunks}, label);
    l.extra[key] = t.to(at::kFloat);
  }
  l.scales = ExpandSpqrStats(l.extra["scale_codes"], l.extra["scale_scale"], l.extra["scale_zero"], layout.stat_group_size);
  l.zeros = ExpandSpqrStats(l.extra["zero_codes"], l.extra["zero_scale"], l.extra["zero_zero"], layout.stat_group_size);
  if (at::Tensor g_idx = get("g_idx"); g_idx.defined()) {
    ExpectShape(g_idx, "g_idx", {k}, label);
    l.g_idx = g_idx.to(at::kInt);
    l.scheme.act_order = true;
    if (k > 0 && (l.g_idx.min().item<int>() < 0 || l.g_idx.max().item<int64_t>() >= groups)) {
      Fail("{}: g_idx holds groups outside [0, {})", label, groups);
    }
  } else {
    l.g_idx = at::arange(k, at::dtype(at::kInt)).floor_divide(layout.group_size);
  }
  l.outliers = OutliersFromCsr({get("outlier_row_offsets"), get("outlier_col_ids"), get("outlier_values")}, n, k, label);
  return l;
}

}  // namespace faq
