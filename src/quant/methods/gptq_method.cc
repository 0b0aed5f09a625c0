// GPTQ and GPTAQ: second-order error compensation from the inputs' Hessian; GPTAQ also
// corrects toward the full-precision model's output (asymmetric calibration).
#include <fmt/format.h>

#include "faq/quant/method.h"
#include "faq/util/error.h"
#include "registry.h"

namespace faq {
namespace {

std::string DampInRange(const OptionValue& v) {
  const double d = std::get<double>(v);
  return d > 0.0 && d <= 1.0 ? "" : "a fraction of the mean Hessian diagonal in (0, 1]";
}
std::string PositiveInt(const OptionValue& v) { return std::get<int64_t>(v) > 0 ? "" : "a positive integer"; }
std::string NonNegative(const OptionValue& v) { return std::get<double>(v) >= 0.0 ? "" : "a number >= 0"; }

const OptionSpec kGptq[] = {
    {"damp", OptionType::kFloat, 0.01, "Hessian dampening, a fraction of mean(diag H)", &DampInRange, {}, "damp_percent"},
    {"block-size", OptionType::kInt, int64_t{128}, "Columns per lazy-update block", &PositiveInt, {}, {}},
};
const OptionSpec kGptaq[] = {
    kGptq[0], kGptq[1],
    {"gptaq-alpha", OptionType::kFloat, 0.25, "GPTAQ: weight of the asymmetric correction (reference form)",
     &NonNegative, {}, "gptaq_alpha"},
    {"gptaq-exact", OptionType::kBool, false, "GPTAQ: exact closed form W + W·ΔXXᵀ·H⁻¹, then GPTQ", nullptr, {}, "gptaq_exact"},
};

class GptqSolver : public QuantSolver {
 public:
  GptqSolver(const MethodOptions& o, bool asymmetric) : asymmetric_(asymmetric) {
    options_.damp = o.GetFloat("damp");
    options_.block_size = o.GetInt("block_size");
    if (asymmetric) {
      options_.gptaq_alpha = o.GetFloat("gptaq_alpha");
      options_.gptaq_exact = o.GetBool("gptaq_exact");
    }
  }
  std::string_view Name() const override { return asymmetric_ ? "gptaq" : "gptq"; }
  MethodPolicy Policy() const override { return {.needs_calibration = true, .needs_fp_inputs = asymmetric_}; }
  StatsRequest Needs() const override { return {.hessian = true, .fp_delta = asymmetric_}; }
  QuantizedLinear Solve(const at::Tensor& weight, const GroupStats* stats, const QuantScheme& scheme,
                        SolveReport* report) const override {
    if (stats == nullptr || stats->rows() == 0) Fail("{} needs calibration inputs, and this linear saw none", Name());
    GptqOptions o = options_;
    o.scheme = scheme;
    return GptqSolve(weight, stats->H(), asymmetric_ ? stats->DXXT() : at::Tensor(), o, report);
  }

 private:
  GptqOptions options_;
  bool asymmetric_;
};

}  // namespace

std::span<const OptionSpec> GptqOptionSpecs() { return kGptq; }
std::span<const OptionSpec> GptaqOptionSpecs() { return kGptaq; }

std::unique_ptr<QuantSolver> MakeGptqSolver(const MethodOptions& o) { return std::make_unique<GptqSolver>(o, false); }
std::unique_ptr<QuantSolver> MakeGptaqSolver(const MethodOptions& o) { return std::make_unique<GptqSolver>(o, true); }

}  // namespace faq
