// What the layer loop will do with one decoder layer, decided before anything runs: its
// linear groups (from the architecture's table), the scheme or skip of every linear after
// the module rules, and the stages in which they are solved.
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "faq/model/linear_groups.h"
#include "faq/quant/model_quantizer.h"

namespace faq {

// The module rules compiled once, applied to full HF names.
class SchemeRules {
 public:
  explicit SchemeRules(const ModelQuantizerOptions& options);
  struct Effective {
    QuantScheme scheme;
    bool skip = false;
  };
  Effective For(const std::string& full_name) const;

 private:
  QuantScheme base_;
  std::vector<ModuleRule> rules_;
  std::vector<std::regex> patterns_;
};

struct PlannedLinear {
  std::string rel;   // layer-relative HF name
  std::string full;  // full HF name without ".weight"
  SchemeRules::Effective effective;
};

struct PlannedGroup {
  LinearGroup group;
  int stage = 0;  // the loop's stage: the group's own with true-sequential, else 0
  std::vector<PlannedLinear> linears;
};

struct LayerPlan {
  int64_t layer = 0;
  std::vector<PlannedGroup> groups;
  std::vector<int> stages;  // ascending
  int64_t NumLinears() const;
};

LayerPlan PlanLayer(const ModelConfig& config, int64_t layer, const SchemeRules& rules, bool true_sequential);

// Checks every quantized linear's group size against its input width, for the whole model,
// before any work (faq::Error naming the linear).
void CheckGroupWidths(const ModelConfig& config, const SchemeRules& rules);

}  // namespace faq
