// A quantization method: one class behind this interface, registered by name. The layer
// loop asks a method only what its policy needs and hands it each linear's statistics;
// adding a method touches no other method and not the loop.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "faq/quant/gptq_solver.h"
#include "faq/quant/hessian.h"
#include "faq/quant/quantized_linear.h"

namespace faq {

// What the layer loop must provide for a method.
struct MethodPolicy {
  bool needs_calibration = true;   // RTN is data-free
  bool needs_fp_inputs = false;    // GPTAQ: the full-precision model's inputs beside the quantized ones
};

// Options every method may read (each uses what it needs).
struct MethodOptions {
  double damp = 0.01;
  int64_t block_size = 128;
  double gptaq_alpha = 0.25;
  bool gptaq_exact = false;
};

class QuantMethod {
 public:
  virtual ~QuantMethod() = default;
  virtual std::string_view Name() const = 0;
  virtual MethodPolicy Policy() const = 0;
  // Quantizes one linear. `stats` holds its input statistics (null for data-free methods).
  virtual QuantizedLinear Solve(const at::Tensor& weight, const HessianAccumulator* stats, const QuantScheme& scheme,
                                SolveReport* report) const = 0;
};

// The registry: `name` is rtn, gptq or gptaq. Throws UsageError for unknown names.
std::unique_ptr<QuantMethod> MakeQuantMethod(std::string_view name, const MethodOptions& options);
// (name, one-line description) of every registered method, for --help.
std::vector<std::pair<std::string, std::string>> ListQuantMethods();

}  // namespace faq
