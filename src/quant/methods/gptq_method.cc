// GPTQ and GPTAQ: second-order error compensation from the inputs' Hessian; GPTAQ also
// corrects toward the full-precision model's output (asymmetric calibration).
#include "faq/quant/method.h"
#include "faq/util/error.h"
#include "registry.h"

namespace faq {
namespace {

class GptqMethod : public QuantMethod {
 public:
  GptqMethod(const MethodOptions& o, bool asymmetric) : options_(o), asymmetric_(asymmetric) {}
  std::string_view Name() const override { return asymmetric_ ? "gptaq" : "gptq"; }
  MethodPolicy Policy() const override { return {.needs_calibration = true, .needs_fp_inputs = asymmetric_}; }
  QuantizedLinear Solve(const at::Tensor& weight, const HessianAccumulator* stats, const QuantScheme& scheme,
                        SolveReport* report) const override {
    if (stats == nullptr || stats->rows() == 0) Fail("{} needs calibration inputs, and this linear saw none", Name());
    GptqOptions o;
    o.scheme = scheme;
    o.damp = options_.damp;
    o.block_size = options_.block_size;
    o.gptaq_alpha = options_.gptaq_alpha;
    o.gptaq_exact = options_.gptaq_exact;
    return GptqSolve(weight, stats->H(), asymmetric_ ? stats->DXXT() : at::Tensor(), o, report);
  }

 private:
  MethodOptions options_;
  bool asymmetric_;
};

}  // namespace

std::unique_ptr<QuantMethod> MakeGptqMethod(const MethodOptions& o) { return std::make_unique<GptqMethod>(o, false); }
std::unique_ptr<QuantMethod> MakeGptaqMethod(const MethodOptions& o) { return std::make_unique<GptqMethod>(o, true); }

}  // namespace faq
