// PlanLayer: the architecture's groups with the module rules applied.
#include "layer_plan.h"

#include <set>

#include "faq/model/weights.h"
#include "faq/util/error.h"

namespace faq {

SchemeRules::SchemeRules(const ModelQuantizerOptions& o) : base_(o.scheme), rules_(o.rules) {
  for (const auto& r : rules_) patterns_.emplace_back(r.pattern);
}

SchemeRules::Effective SchemeRules::For(const std::string& full_name) const {
  Effective e{base_, false};
  for (size_t r = 0; r < rules_.size(); ++r) {
    if (!std::regex_search(full_name, patterns_[r])) continue;
    const ModuleRule& rule = rules_[r];
    e.skip = rule.skip;
    if (rule.bits) e.scheme.bits = *rule.bits;
    if (rule.group_size) e.scheme.group_size = *rule.group_size;
    if (rule.sym) e.scheme.sym = *rule.sym;
  }
  return e;
}

int64_t LayerPlan::NumLinears() const {
  int64_t n = 0;
  for (const auto& g : groups) n += static_cast<int64_t>(g.linears.size());
  return n;
}

LayerPlan PlanLayer(const ModelConfig& config, int64_t layer, const SchemeRules& rules, bool true_sequential) {
  LayerPlan plan;
  plan.layer = layer;
  std::set<int> stages;
  for (LinearGroup& g : DecoderLayerGroups(config, layer)) {
    PlannedGroup pg;
    pg.stage = true_sequential ? g.stage : 0;
    for (const std::string& rel : g.linears) {
      const std::string full = LayerPrefix(layer) + rel;
      pg.linears.push_back({rel, full, rules.For(full)});
    }
    pg.group = std::move(g);
    stages.insert(pg.stage);
    plan.groups.push_back(std::move(pg));
  }
  plan.stages.assign(stages.begin(), stages.end());
  return plan;
}

void CheckGroupWidths(const ModelConfig& config, const SchemeRules& rules) {
  for (const auto& [tensor, shape] : ExpectedTensors(config)) {
    constexpr std::string_view kSuffix = "_proj.weight";
    if (shape.size() != 2 || tensor.size() < kSuffix.size() ||
        tensor.compare(tensor.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      continue;
    }
    const std::string name = tensor.substr(0, tensor.size() - 7);
    const SchemeRules::Effective e = rules.For(name);
    if (!e.skip && e.scheme.group_size > 0 && shape[1] % e.scheme.group_size != 0) {
      Fail("{}: group size {} does not divide its input width {} (choose a divisor, -1 for per-channel, or a "
           "module rule)", name, e.scheme.group_size, shape[1]);
    }
  }
}

}  // namespace faq
