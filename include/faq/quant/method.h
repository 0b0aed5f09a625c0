// A quantization method: an optional transform (rescale a linear group and fold the
// inverse into the tensor its input comes from) followed by a solver (one linear at a time).
// Each part is one class registered by name with the options it reads; a run is
// `solver` (`--method gptq`), a method that brings both (`--method awq`) or
// `transform+solver` (`--method awq+gptq`). The layer loop learns everything it needs from
// MethodPolicy and the StatsRequests, and never asks which method it runs.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "faq/format/quantized_linear.h"
#include "faq/model/linear_groups.h"
#include "faq/model/weights.h"
#include "faq/quant/gptq_solver.h"
#include "faq/quant/group_stats.h"
#include "faq/util/option_spec.h"

namespace faq {

// What the layer loop must provide for a run.
struct MethodPolicy {
  bool needs_calibration = true;  // RTN is data-free
  bool needs_fp_inputs = false;   // GPTAQ: the full-precision model's inputs beside the quantized ones
  bool asymmetric_by_default = false;  // AWQ: zero points unless --sym is given
  // Nonzero: the solver's own column-group size (SpQR's --spqr-group-size), which the loop puts
  // in every linear's scheme in place of --group-size (width checks, reports, RTN comparison);
  // a module rule's group_size still wins.
  int64_t own_group_size = 0;
  // Non-empty: the one packed --format that can store this solver's output (SpQR: "spqr"); it
  // is the default --format, the others but "fake" are refused, and it holds no other method.
  std::string_view packed_format;
};

// The values of every method option (registered in the method table), by YAML key; a
// default-constructed MethodOptions holds each option's declared default.
class MethodOptions {
 public:
  MethodOptions();
  void Set(const std::string& key, OptionValue value);
  bool GetBool(const std::string& key) const;
  int64_t GetInt(const std::string& key) const;
  double GetFloat(const std::string& key) const;
  const OptionValue& Get(const std::string& key) const;

 private:
  std::map<std::string, OptionValue> values_;
};

// One group of a layer as a transform sees it. A transform replaces tensors (assigns new
// ones); it never writes into them, since they may be shared with the model.
struct GroupTensors {
  const LinearGroup* group = nullptr;
  std::vector<Linear*> linears;             // the group's linears, in group order
  std::vector<QuantScheme> schemes;         // the scheme each will be solved with
  std::vector<bool> skipped;                // kept in full precision by a module rule
  at::Tensor* smoothing_norm = nullptr;     // SmoothingKind::kNorm
  Linear* smoothing_linear = nullptr;       // SmoothingKind::kLinear
  // Runs the layer, with the weights as they are now, on a sample of the calibration set and
  // returns the output rows [tokens, out] of the module that consumes the group
  // (LinearGroup::inspect_output): what a search compares candidate weights on.
  std::function<at::Tensor()> inspect;
};

class QuantTransform {
 public:
  virtual ~QuantTransform() = default;
  virtual std::string_view Name() const = 0;
  virtual bool AsymmetricByDefault() const = 0;
  // Statistics of each group's input (full-precision layer, quantized earlier layers).
  virtual StatsRequest Needs() const = 0;
  // Changes `group` so that the full-precision layer computes the same function and the
  // group quantizes better. A group whose smoothing is kNone may be left as it is.
  virtual void Apply(GroupTensors& group, const GroupStats& stats) const = 0;
};

class QuantSolver {
 public:
  virtual ~QuantSolver() = default;
  virtual std::string_view Name() const = 0;
  virtual MethodPolicy Policy() const = 0;
  virtual StatsRequest Needs() const = 0;
  // Quantizes one linear. `stats` holds its inputs' statistics (null when there were no
  // calibration samples).
  virtual QuantizedLinear Solve(const at::Tensor& weight, const GroupStats* stats, const QuantScheme& scheme,
                                SolveReport* report) const = 0;
};

// A run's method: `transform` may be null.
struct QuantMethod {
  std::string name;
  std::unique_ptr<QuantTransform> transform;
  std::unique_ptr<QuantSolver> solver;

  MethodPolicy Policy() const;  // the solver's, with the transform's scheme preference
  // The names of the registered parts this run uses ("awq", "gptq").
  std::vector<std::string> Parts() const;
};

// One row of the method table (src/quant/methods/registry.cc).
struct MethodRow {
  const char* name;
  const char* description;
  std::unique_ptr<QuantTransform> (*make_transform)(const MethodOptions&);  // null: no transform
  std::unique_ptr<QuantSolver> (*make_solver)(const MethodOptions&);        // null: a transform only
  std::span<const OptionSpec> options;                                       // options it reads
};
std::span<const MethodRow> MethodTable();

// `spec` is a registered name ("gptq", "awq") or "transform+solver" ("awq+gptq").
// Throws faq::UsageError for unknown names or parts that cannot be combined.
QuantMethod MakeQuantMethod(std::string_view spec, const MethodOptions& options);
// Checks `spec` without building it (UsageError as MakeQuantMethod).
void CheckMethodSpec(std::string_view spec);
// (name, one-line description) of every registered method, for --help.
std::vector<std::pair<std::string, std::string>> ListQuantMethods();

}  // namespace faq
