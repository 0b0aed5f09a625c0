// CollectCalibrationStats: the layer loop of `faq stats` as named steps (observe every set,
// count outliers, compare the sets, advance every set to the next layer).
#include "faq/stats/calibration_stats.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "../quant/calibration_stream.h"
#include "faq/model/linear_groups.h"
#include "faq/quant/hessian.h"
#include "faq/stats/stats_json.h"
#include "faq/util/error.h"

namespace faq {
namespace {

// What one set leaves behind for one linear input of the current layer.
struct InputCollector {
  ActivationMoments moments;
  HessianAccumulator hessian;
  std::unique_ptr<ActivationLandscape> landscape;
  explicit InputCollector(int64_t channels) : moments(channels), hessian(channels) {}
};

using LayerCollectors = std::map<std::string, InputCollector>;  // group name → collector

std::map<std::string, std::string> GroupOf(const std::vector<LinearGroup>& groups) {
  std::map<std::string, std::string> out;
  for (const auto& g : groups) {
    for (const auto& l : g.linears) out.emplace(l, g.name);
  }
  return out;
}

bool HoldsLinear(const LinearGroup& g, const std::string& linear) {
  return std::find(g.linears.begin(), g.linears.end(), linear) != g.linears.end();
}

// Pass 1: moments, Hessian and (for a landscape layer) the first sample's grid; pass 2:
// outliers against the threshold pass 1 fixed.
LayerCollectors ObserveSet(const CalibrationStream& stream, const NamedCalibrationSet& set, int64_t layer,
                           const DecoderLayerWeights& w, const std::vector<LinearGroup>& groups,
                           const std::string& landscape_group, const CalibrationStatsOptions& o) {
  LayerCollectors collectors;
  const auto group_of = GroupOf(groups);
  const int64_t first_sample_tokens = set.set.mask[0].sum().item<int64_t>();
  stream.Observe(layer, w, w, group_of, [&](const std::string& group, const at::Tensor& rows, const at::Tensor&) {
    auto [it, fresh] = collectors.try_emplace(group, rows.size(-1));
    InputCollector& c = it->second;
    c.moments.Add(rows);
    c.hessian.Add(rows);
    if (fresh && group == landscape_group) {
      const int64_t t = std::min(first_sample_tokens, rows.size(0));
      c.landscape = std::make_unique<ActivationLandscape>(
          PoolLandscape(rows.narrow(0, 0, t), o.landscape_rows, o.landscape_cols));
    }
  });
  for (auto& [group, c] : collectors) c.moments.FixThreshold(o.outlier_sigmas);
  stream.Observe(layer, w, w, group_of, [&](const std::string& group, const at::Tensor& rows, const at::Tensor&) {
    collectors.at(group).moments.CountOutliers(rows);
  });
  return collectors;
}

// The solver's group size for an input of width k: the asked one when it divides k, else the
// largest divisor of k below it (a diagnostic must not stop at a width quantization would
// refuse; SmolLM2's 576 with 128 gives 96). -1 (one group per row) is kept.
int64_t EffectiveGroupSize(int64_t asked, int64_t k) {
  if (asked <= 0 || k % asked == 0) return asked;
  int64_t g = std::min(asked, k);
  while (k % g != 0) --g;
  return g;
}

// One linear input of one layer across the sets: each set's summary and the comparisons.
nlohmann::json CompareInput(const LinearGroup& g, DecoderLayerWeights& w, std::vector<LayerCollectors>& per_set,
                            const std::vector<NamedCalibrationSet>& sets, const CalibrationStatsOptions& o) {
  nlohmann::json j = {{"group", g.name}, {"linears", g.linears}};
  nlohmann::json summaries = nlohmann::json::array();
  std::vector<at::Tensor> hessians;
  for (size_t s = 0; s < sets.size(); ++s) {
    auto it = per_set[s].find(g.name);
    if (it == per_set[s].end() || it->second.moments.rows() == 0) {
      summaries.push_back({{"set", sets[s].name}, {"tokens", 0}});
      hessians.emplace_back();
      continue;
    }
    nlohmann::json summary = SummaryJson(it->second.moments.Summarize(o.top_k), o.per_channel);
    summary["set"] = sets[s].name;
    summaries.push_back(std::move(summary));
    hessians.push_back(it->second.hessian.H());
  }
  j["channels"] = w.FindLinear(g.linears.front())->weight.size(1);
  j["sets"] = std::move(summaries);
  j["hessian_distance"] = MatrixJson(HessianDistances(hessians));
  nlohmann::json losses = nlohmann::json::object();
  GptqOptions gptq = o.gptq;
  gptq.scheme.group_size = EffectiveGroupSize(o.gptq.scheme.group_size, j["channels"].get<int64_t>());
  for (const auto& rel : g.linears) {
    const CrossSetLoss loss = MeasureCrossSetLoss(w.FindLinear(rel)->weight, hessians, gptq);
    losses[rel] = {{"gptq", MatrixJson(loss.gptq)}, {"rtn", VectorJson(loss.rtn)}};
  }
  j["group_size"] = gptq.scheme.group_size;
  j["proxy_loss"] = std::move(losses);
  return j;
}

nlohmann::json LandscapesOf(const std::string& group, int64_t layer, const std::vector<LayerCollectors>& per_set,
                            const std::vector<NamedCalibrationSet>& sets, const CalibrationStatsOptions& o) {
  nlohmann::json panels = nlohmann::json::array();
  for (size_t s = 0; s < sets.size(); ++s) {
    auto it = per_set[s].find(group);
    if (it == per_set[s].end() || !it->second.landscape) continue;
    nlohmann::json panel = LandscapeJson(*it->second.landscape);
    panel["set"] = sets[s].name;
    panels.push_back(std::move(panel));
  }
  return {{"layer", layer}, {"linear", o.landscape_linear}, {"group", group}, {"sets", panels}};
}

nlohmann::json SetsJson(const std::vector<NamedCalibrationSet>& sets) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : sets) {
    out.push_back({{"name", s.name}, {"file", s.file}, {"samples", s.set.Samples()}, {"seqlen", s.set.ids.size(1)},
                   {"tokens", s.set.Tokens()}});
  }
  return out;
}

nlohmann::json OptionsJson(const CalibrationStatsOptions& o) {
  return {{"bits", o.gptq.scheme.bits},       {"group_size", o.gptq.scheme.group_size},
          {"sym", o.gptq.scheme.sym},         {"damp", o.gptq.damp},
          {"outlier_sigmas", o.outlier_sigmas}, {"top_k", o.top_k},
          {"landscape_layers", o.landscape_layers}, {"landscape_linear", o.landscape_linear}};
}

}  // namespace

nlohmann::json CollectCalibrationStats(const CausalLM& model, const std::vector<NamedCalibrationSet>& sets,
                                       const CalibrationStatsOptions& o) {
  FAQ_CHECK(!sets.empty(), "faq stats: no calibration set");
  CalibrationStreamOptions so;
  so.micro_batch = o.micro_batch;
  std::vector<std::unique_ptr<CalibrationStream>> streams;
  for (const auto& s : sets) streams.push_back(std::make_unique<CalibrationStream>(model, s.set, so));
  const ModelConfig& config = model.config();
  nlohmann::json layers = nlohmann::json::array();
  nlohmann::json landscapes = nlohmann::json::array();
  for (int64_t layer = 0; layer < model.NumLayers(); ++layer) {
    const auto start = std::chrono::steady_clock::now();
    DecoderLayerWeights w = *model.Layer(layer);  // shallow: FindLinear needs a mutable view
    const std::vector<LinearGroup> groups = DecoderLayerGroups(config, layer);
    const bool wants_landscape = std::count(o.landscape_layers.begin(), o.landscape_layers.end(), layer) > 0;
    std::string landscape_group;
    for (const auto& g : groups) {
      if (wants_landscape && HoldsLinear(g, o.landscape_linear)) landscape_group = g.name;
    }
    std::vector<LayerCollectors> per_set;
    for (size_t s = 0; s < sets.size(); ++s) {
      per_set.push_back(ObserveSet(*streams[s], sets[s], layer, w, groups, landscape_group, o));
    }
    nlohmann::json inputs = nlohmann::json::array();
    for (const auto& g : groups) {
      try {
        inputs.push_back(CompareInput(g, w, per_set, sets, o));
      } catch (const Error& e) {
        Fail("layer {} {}: {}", layer, g.name, e.what());
      }
    }
    if (!landscape_group.empty()) landscapes.push_back(LandscapesOf(landscape_group, layer, per_set, sets, o));
    for (auto& stream : streams) stream->Advance(layer, w, w);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    layers.push_back({{"layer", layer}, {"seconds", seconds}, {"inputs", std::move(inputs)}});
    spdlog::info("stats: layer {}/{} done in {:.1f} s ({} inputs × {} sets)", layer + 1, model.NumLayers(), seconds,
                 groups.size(), sets.size());
  }
  return {{"schema", kStatsSchema},
          {"model", model.dir().string()},
          {"model_type", config.model_type},
          {"num_layers", model.NumLayers()},
          {"sets", SetsJson(sets)},
          {"options", OptionsJson(o)},
          {"layers", std::move(layers)},
          {"landscapes", std::move(landscapes)}};
}

}  // namespace faq
