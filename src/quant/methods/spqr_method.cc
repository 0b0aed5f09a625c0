// SpQR (Dettmers et al. 2023): GPTQ with small groups, quantized (bilevel) grid stats and
// sparse full-precision outliers; the numerics are in src/quant/spqr_solver.cc. Its linears
// carry parts only `--format spqr` (or fake) stores.
//
// Options: `--bits` gives the weight bits and `--act-order` the column order, as for GPTQ;
// SpQR's groups come from its own `--spqr-group-size` (default 16, README β₁), which the loop
// puts in the scheme in place of `--group-size` (MethodPolicy::own_group_size: `--group-size`
// is not read; a module rule's group_size still applies). Damping is its own `--spqr-damp` (default 1.0, the README's percdamp), not GPTQ's
// `--damp` (0.01), so that a config quantizing with both keeps each method's default.
#include <cmath>

#include "faq/quant/method.h"
#include "faq/quant/spqr_solver.h"
#include "faq/util/error.h"
#include "registry.h"

namespace faq {
namespace {

std::string GroupOfTwoOrMore(const OptionValue& v) { return std::get<int64_t>(v) >= 2 ? "" : "an integer >= 2"; }
std::string PositiveInt(const OptionValue& v) { return std::get<int64_t>(v) > 0 ? "" : "a positive integer"; }
std::string PackableBits(const OptionValue& v) {
  const int64_t b = std::get<int64_t>(v);
  return b == 2 || b == 3 || b == 4 || b == 8 ? "" : "2, 3, 4 or 8";
}
std::string NonNegative(const OptionValue& v) {
  const double t = std::get<double>(v);
  return t >= 0.0 && !std::isnan(t) ? "" : "a number >= 0 (inf: no outliers)";
}
std::string DampPositive(const OptionValue& v) {
  const double d = std::get<double>(v);
  return d > 0.0 && d <= 10.0 ? "" : "a fraction of the mean Hessian diagonal in (0, 10]";
}

const OptionSpec kSpqr[] = {
    {"spqr-group-size", OptionType::kInt, int64_t{16}, "SpQR: input columns per first-level grid (--group-size is "
     "not read)", &GroupOfTwoOrMore, {}, "spqr_group_size"},
    {"spqr-stat-bits", OptionType::kInt, int64_t{3}, "SpQR: bits of the quantized per-row scales and zero points",
     &PackableBits, {}, "spqr_stat_bits"},
    {"spqr-stat-group-size", OptionType::kInt, int64_t{16}, "SpQR: consecutive rows sharing a second-level "
     "scale/zero (fp16)", &PositiveInt, {}, "spqr_stat_group_size"},
    {"spqr-outlier-threshold", OptionType::kFloat, 0.2, "SpQR: outlier threshold relative to mean_j var(W[:,j])/U_jj² "
     "(inf: none)", &NonNegative, {}, "spqr_outlier_threshold"},
    {"spqr-damp", OptionType::kFloat, 1.0, "SpQR: Hessian dampening, a fraction of mean(diag H)", &DampPositive, {},
     "spqr_damp"},
};

class SpqrSolver : public QuantSolver {
 public:
  explicit SpqrSolver(const MethodOptions& o) {
    options_.group_size = o.GetInt("spqr_group_size");
    options_.stat_bits = static_cast<int>(o.GetInt("spqr_stat_bits"));
    options_.stat_group_size = o.GetInt("spqr_stat_group_size");
    options_.outlier_threshold = o.GetFloat("spqr_outlier_threshold");
    options_.damp = o.GetFloat("spqr_damp");
  }
  std::string_view Name() const override { return "spqr"; }
  MethodPolicy Policy() const override {
    return {.needs_calibration = true,
            .asymmetric_by_default = true,
            .own_group_size = options_.group_size,
            .packed_format = "spqr"};
  }
  StatsRequest Needs() const override { return {.hessian = true}; }
  QuantizedLinear Solve(const at::Tensor& weight, const GroupStats* stats, const QuantScheme& scheme,
                        SolveReport* report) const override {
    if (stats == nullptr || stats->rows() == 0) Fail("spqr needs calibration inputs, and this linear saw none");
    SpqrOptions o = options_;
    o.bits = scheme.bits;
    o.group_size = scheme.group_size;  // --spqr-group-size, through the loop (own_group_size)
    o.act_order = scheme.act_order;
    return SpqrSolve(weight, stats->H(), o, report);
  }

 private:
  SpqrOptions options_;
};

}  // namespace

std::span<const OptionSpec> SpqrOptionSpecs() { return kSpqr; }

std::unique_ptr<QuantSolver> MakeSpqrSolver(const MethodOptions& o) { return std::make_unique<SpqrSolver>(o); }

}  // namespace faq
