// RTN: round to nearest on the GPTQ grid, no calibration (the paper's data-free baseline).
#include <chrono>

#include "faq/quant/method.h"
#include "registry.h"

namespace faq {
namespace {

class RtnSolver : public QuantSolver {
 public:
  std::string_view Name() const override { return "rtn"; }
  MethodPolicy Policy() const override { return {.needs_calibration = false, .needs_fp_inputs = false}; }
  StatsRequest Needs() const override { return {}; }
  QuantizedLinear Solve(const at::Tensor& weight, const GroupStats* stats, const QuantScheme& scheme,
                        SolveReport* report) const override {
    auto start = std::chrono::steady_clock::now();
    QuantizedLinear q = RtnSolve(weight, scheme);
    if (stats != nullptr && stats->rows() > 0) report->loss = OutputLoss(weight, q.Dequantize(), stats->H());
    report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return q;
  }
};

}  // namespace

std::unique_ptr<QuantSolver> MakeRtnSolver(const MethodOptions&) { return std::make_unique<RtnSolver>(); }

}  // namespace faq
