// QuantizeModel: the layer loop as named steps (plan, transform, collect, solve, record,
// advance), in the style of gemma.cpp's TransformerLayer. What a step does for a method is
// decided by the method's policy and statistics requests, never by its name.
#include "faq/quant/model_quantizer.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "calibration_stream.h"
#include "data_parallel.h"
#include "faq/quant/quantize_journal.h"
#include "faq/util/error.h"
#include "faq/util/progress.h"
#include "layer_plan.h"

namespace faq {
namespace {

using GroupStatsMap = std::map<std::string, GroupStats>;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void CheckSupported(const ModelConfig& config, const QuantMethod& method) {
  if (method.Policy().needs_fp_inputs && config.num_experts > 0) {
    Fail("{} is not supported on mixture-of-experts models: routed expert inputs of the quantized and "
         "full-precision streams cannot be paired", method.name);
  }
}

// Relative linear name → group name, for the groups of `stage` (every group when negative).
std::map<std::string, std::string> GroupOf(const LayerPlan& plan, int stage) {
  std::map<std::string, std::string> out;
  for (const auto& g : plan.groups) {
    if (stage >= 0 && g.stage != stage) continue;
    for (const auto& l : g.linears) out.emplace(l.rel, g.group.name);
  }
  return out;
}

// Data-parallel: every group of the stage, in name order on every rank, becomes the
// statistics of all ranks' rows (a group no local token reached joins with zeros).
void AllReduceStatistics(const LayerPlan& plan, const DecoderLayerWeights& w, int stage, const StatsRequest& request,
                         const dist::Communicator& comm, at::Device device, GroupStatsMap& stats) {
  if (!comm.distributed()) return;
  DecoderLayerWeights view = w;  // shallow: for the linears' widths
  for (const auto& [rel, group] : GroupOf(plan, stage)) {
    stats.try_emplace(group, view.FindLinear(rel)->weight.size(1), request);
  }
  for (auto& [group, s] : stats) s.AllReduce(comm, device, LayerPrefix(plan.layer) + group);
}

GroupStatsMap CollectStatistics(const CalibrationStream& stream, const LayerPlan& plan, const DecoderLayerWeights& w,
                                const DecoderLayerWeights& w_fp, int stage, StatsRequest request,
                                const dist::Communicator& comm, at::Device device, double* statistics_seconds) {
  GroupStatsMap stats;
  if (stream.Samples() == 0 || request.Empty()) return stats;
  if (request.sample_rows > 0) request.sample_stride = std::max<int64_t>(1, stream.Tokens() / request.sample_rows);
  stream.Observe(plan.layer, w, w_fp, GroupOf(plan, stage),
                 [&](const std::string& group, const at::Tensor& rows, const at::Tensor& fp_rows) {
                   const auto start = Clock::now();
                   try {
                     stats.try_emplace(group, rows.size(-1), request).first->second.Add(rows, fp_rows);
                   } catch (const Error& e) {
                     Fail("{}{}: statistics: {}", LayerPrefix(plan.layer), group, e.what());
                   }
                   *statistics_seconds += SecondsSince(start);
                 });
  AllReduceStatistics(plan, w, stage, request, comm, device, stats);
  return stats;
}

GroupTensors ViewGroup(DecoderLayerWeights& w, const PlannedGroup& g) {
  GroupTensors view;
  view.group = &g.group;
  for (const auto& l : g.linears) {
    view.linears.push_back(w.FindLinear(l.rel));
    view.schemes.push_back(l.effective.scheme);
    view.skipped.push_back(l.effective.skip);
  }
  if (g.group.smoothing == SmoothingKind::kNorm) view.smoothing_norm = w.FindNorm(g.group.smoothing_source);
  if (g.group.smoothing == SmoothingKind::kLinear) view.smoothing_linear = w.FindLinear(g.group.smoothing_source);
  return view;
}

// Every group's transform sees statistics of the layer before any group changed: each
// transform keeps the full-precision function, so the other groups' inputs stay the same.
// Data-parallel: the statistics are every rank's, but a search's sample and its inspected
// outputs are this rank's; rank 0's choice is broadcast so every rank runs the same layer.
void TransformGroups(const QuantTransform& transform, const CalibrationStream& stream, const LayerPlan& plan,
                     DecoderLayerWeights& w, const DecoderLayerWeights& w_fp, const dist::Communicator& comm,
                     at::Device device) {
  double statistics_seconds = 0;  // part of the transform's time
  const GroupStatsMap stats =
      CollectStatistics(stream, plan, w, w_fp, /*stage=*/-1, transform.Needs(), comm, device, &statistics_seconds);
  for (const auto& g : plan.groups) {
    auto it = stats.find(g.group.name);
    if (it == stats.end() || it->second.rows() == 0) continue;  // e.g. an expert no token reached
    GroupTensors view = ViewGroup(w, g);
    const int64_t budget = std::max<int64_t>(transform.Needs().sample_rows, 1);
    view.inspect = [&stream, &plan, &w, &g, budget] {
      return stream.ObserveOutput(plan.layer, w, g.group.inspect_output, budget);
    };
    try {
      transform.Apply(view, it->second);
    } catch (const Error& e) {
      Fail("{}{}: {}", LayerPrefix(plan.layer), g.group.name, e.what());
    }
  }
  BroadcastLayer(w, comm, /*root=*/0, device, LayerPrefix(plan.layer) + "transformed weights");
}

LinearReport SolveLinear(const QuantSolver& solver, const PlannedLinear& l, Linear& lin, const GroupStats* stats,
                         ModelQuantizerResult& result, QuantizeProfile& profile) {
  LinearReport row;
  row.layer = 0;
  row.name = l.full;
  row.out_features = lin.weight.size(0);
  row.in_features = lin.weight.size(1);
  row.bits = l.effective.scheme.bits;
  row.group_size = l.effective.scheme.group_size;
  row.skipped = l.effective.skip;
  row.tokens = stats != nullptr ? stats->rows() : 0;
  if (l.effective.skip) return row;
  const QuantSolver* use = &solver;
  QuantMethod fallback;
  if (solver.Policy().needs_calibration && row.tokens == 0) {  // e.g. an expert no token was routed to
    spdlog::warn("{}: no calibration tokens reached it; falling back to RTN", l.full);
    fallback = MakeQuantMethod("rtn", MethodOptions());
    use = fallback.solver.get();
  }
  try {
    if (row.tokens > 0) {
      const auto start = Clock::now();
      row.rtn_loss = OutputLoss(lin.weight, RtnSolve(lin.weight, l.effective.scheme).Dequantize(), stats->H());
      profile.rtn_loss += SecondsSince(start);
    }
    const auto start = Clock::now();
    QuantizedLinear q = use->Solve(lin.weight, row.tokens > 0 ? stats : nullptr, l.effective.scheme, &row.solve);
    profile.solve += SecondsSince(start);
    q.bias = lin.bias;
    lin.weight = q.Dequantize().to(lin.weight.scalar_type());  // what the next stages and layers see
    result.linears.emplace(l.full, q.To(at::kCPU));
  } catch (const Error& e) {
    Fail("{}: {}", l.full, e.what());
  }
  return row;
}

void Merge(ModelQuantizerResult& into, ModelQuantizerResult&& layer) {
  into.linears.merge(layer.linears);
  into.replaced.merge(layer.replaced);
  for (auto& row : layer.reports) into.reports.push_back(std::move(row));
}

void AdvanceProgress(Progress* progress, const LayerPlan& plan, const PlannedLinear& l) {
  if (progress == nullptr) return;
  progress->SetDetail(fmt::format("layer {} {}", plan.layer, l.rel));
  progress->Advance();
}

// Data-parallel: the linears every rank solved replace this rank's weights (so every rank
// replays the layer with the same quantized weights) and join `result` in the plan's order.
void AdoptSolved(const LayerPlan& plan, int stage, ModelQuantizerResult&& all, DecoderLayerWeights& w,
                 ModelQuantizerResult& result, Progress* progress) {
  std::map<std::string, LinearReport> rows;
  for (auto& row : all.reports) rows.emplace(row.name, std::move(row));
  for (const auto& g : plan.groups) {
    if (g.stage != stage) continue;
    for (const auto& l : g.linears) {
      if (auto q = all.linears.find(l.full); q != all.linears.end()) {
        Linear& lin = *w.FindLinear(l.rel);
        lin.weight = q->second.To(lin.weight.device()).Dequantize().to(lin.weight.scalar_type());
        result.linears.insert_or_assign(l.full, std::move(q->second));
      }
      auto row = rows.find(l.full);
      FAQ_CHECK(row != rows.end(), "no rank reported solving {}", l.full);
      result.reports.push_back(std::move(row->second));
      AdvanceProgress(progress, plan, l);
    }
  }
}

// The stage's linears are solved round-robin over the ranks (all of them in a world of one).
void SolveStage(const QuantSolver& solver, const LayerPlan& plan, int stage, const GroupStatsMap& stats,
                DecoderLayerWeights& w, const dist::Communicator& comm, at::Device device,
                ModelQuantizerResult& result, Progress* progress, QuantizeProfile& profile) {
  ModelQuantizerResult mine;
  int64_t index = 0;
  for (const auto& g : plan.groups) {
    if (g.stage != stage) continue;
    auto it = stats.find(g.group.name);
    const GroupStats* group_stats = it == stats.end() ? nullptr : &it->second;
    for (const auto& l : g.linears) {
      if (index++ % comm.world_size() != comm.rank()) continue;
      LinearReport row = SolveLinear(solver, l, *w.FindLinear(l.rel), group_stats, mine, profile);
      row.layer = plan.layer;
      mine.reports.push_back(std::move(row));
      if (!comm.distributed()) AdvanceProgress(progress, plan, l);
    }
  }
  if (!comm.distributed()) {
    Merge(result, std::move(mine));
    return;
  }
  ModelQuantizerResult all;
  ExchangeSolved(mine, comm, device, fmt::format("{}stage {} linears", LayerPrefix(plan.layer), stage), all);
  AdoptSolved(plan, stage, std::move(all), w, result, progress);
}

// Without a full-precision stream nothing reads a solved linear's original weight again; the
// layer's other handles to it kept 4 B per weight alive until the layer ended.
void ReleaseSolvedOriginals(const LayerPlan& plan, int stage, DecoderLayerWeights& w, DecoderLayerWeights& loaded,
                            DecoderLayerWeights& w_fp) {
  for (const auto& g : plan.groups) {
    if (g.stage != stage) continue;
    for (const auto& l : g.linears) {
      if (l.effective.skip) continue;  // kept as it is, or as a transform left it: recorded as replaced
      const at::Tensor& now = w.FindLinear(l.rel)->weight;
      loaded.FindLinear(l.rel)->weight = now;
      w_fp.FindLinear(l.rel)->weight = now;
    }
  }
}

// Tensors that changed but are not a quantized linear's weight or bias (those travel in
// QuantizedLinear) are recorded for export.
void RecordReplaced(const LayerPlan& plan, DecoderLayerWeights& before, DecoderLayerWeights& after,
                    ModelQuantizerResult& result) {
  std::map<std::string, at::Tensor> original;
  before.ForEachTensor([&](const std::string& name, at::Tensor& t) { original.emplace(name, t); });
  after.ForEachTensor([&](const std::string& name, at::Tensor& t) {
    auto it = original.find(name);
    if (it != original.end() && it->second.is_same(t)) return;
    const std::string full = LayerPrefix(plan.layer) + name;
    const size_t dot = full.rfind('.');
    if (result.linears.count(full.substr(0, dot)) > 0) return;
    result.replaced[full] = t.to(at::kCPU);
  });
}

int64_t CountLinears(const ModelConfig& config, const SchemeRules& rules, bool true_sequential, int64_t first_layer) {
  int64_t n = 0;
  for (int64_t i = first_layer; i < config.num_hidden_layers; ++i) {
    n += PlanLayer(config, i, rules, true_sequential).NumLinears();
  }
  return n;
}

// A resumed run starts where the journal stops: the recorded layers' results, and the
// hidden states saved after the last of them.
int64_t Resume(QuantizeJournal* journal, CalibrationStream& stream, ModelQuantizerResult& result) {
  if (journal == nullptr) return 0;
  if (!journal->StartOverReason().empty()) {
    spdlog::warn("work directory {} was left by another run ({}); starting over", journal->dir().string(),
                 journal->StartOverReason());
  }
  const int64_t done = journal->LayersDone();
  if (done == 0) return 0;
  spdlog::info("resuming from {}: {} layer{} already quantized", journal->dir().string(), done, done == 1 ? "" : "s");
  journal->RestoreLayers(result);
  auto [hidden, fp_hidden] = journal->LoadInputs();
  if (hidden.defined()) stream.SetHidden(hidden, fp_hidden);
  return done;
}

}  // namespace

ModelQuantizerResult QuantizeModel(const CausalLM& model, const CalibrationSet& calib, const ModelQuantizerOptions& o) {
  return QuantizeModel(model, calib, o, MakeQuantMethod(o.method, o.method_options));
}

ModelQuantizerResult QuantizeModel(const CausalLM& model, const CalibrationSet& calib, const ModelQuantizerOptions& o,
                                   const QuantMethod& method) {
  const auto start = Clock::now();
  const ModelConfig& config = model.config();
  CheckSupported(config, method);
  ModelQuantizerOptions scheme_options = o;
  if (const int64_t own = method.Policy().own_group_size; own != 0) scheme_options.scheme.group_size = own;
  const SchemeRules rules(scheme_options);
  CheckGroupWidths(config, rules);
  static const dist::Communicator kSingleProcess;
  const dist::Communicator& comm = o.comm != nullptr ? *o.comm : kSingleProcess;
  if (comm.distributed() && o.journal != nullptr) {
    Fail("a data-parallel run ({} ranks) keeps no resume journal: run without one", comm.world_size());
  }
  const CalibrationSet shard = ShardCalibration(calib, std::max<int64_t>(o.micro_batch, 1), comm);  // this rank's samples
  QuantizeProfile profile;
  auto step_start = Clock::now();
  CalibrationStream stream(model, shard,
                           {.micro_batch = o.micro_batch,
                            .full_precision_stream = method.Policy().needs_fp_inputs,
                            .offload_dir = o.offload_dir,
                            .on_host = o.activations_on_host,
                            .dtype = o.activation_dtype});
  profile.embed = SecondsSince(step_start);
  // Statistics are collected for data-free solvers too when samples are given: the report
  // then shows every method's output error on the same footing.
  StatsRequest solve_request = method.solver->Needs();
  solve_request |= StatsRequest{.hessian = true};

  ModelQuantizerResult result;
  const int64_t first_layer = Resume(o.journal, stream, result);
  Progress progress("quantize", static_cast<uint64_t>(CountLinears(config, rules, o.true_sequential, first_layer)),
                    "linears");
  for (int64_t i = first_layer; i < model.NumLayers(); ++i) try {
    const LayerPlan plan = PlanLayer(config, i, rules, o.true_sequential);
    DecoderLayerWeights loaded = *model.Layer(i);  // shallow copies: steps assign new tensors
    DecoderLayerWeights w = loaded;
    DecoderLayerWeights w_fp = loaded;
    ModelQuantizerResult layer_result;
    step_start = Clock::now();
    if (method.transform) TransformGroups(*method.transform, stream, plan, w, w_fp, comm, model.device());
    profile.transform += SecondsSince(step_start);
    for (int stage : plan.stages) {
      step_start = Clock::now();
      double statistics_seconds = 0;
      const GroupStatsMap stats = CollectStatistics(stream, plan, w, w_fp, stage, solve_request, comm, model.device(),
                                                    &statistics_seconds);
      profile.statistics += statistics_seconds;
      profile.forward += SecondsSince(step_start) - statistics_seconds;
      SolveStage(*method.solver, plan, stage, stats, w, comm, model.device(), layer_result,
                 o.show_progress ? &progress : nullptr, profile);
      if (!method.Policy().needs_fp_inputs) ReleaseSolvedOriginals(plan, stage, w, loaded, w_fp);
    }
    RecordReplaced(plan, loaded, w, layer_result);
    step_start = Clock::now();
    if (i + 1 < model.NumLayers()) stream.Advance(i, w, w_fp);  // nothing reads the last layer's outputs
    profile.advance += SecondsSince(step_start);
    step_start = Clock::now();
    if (o.journal != nullptr) o.journal->CommitLayer(i, layer_result, stream.Hidden(), stream.FullPrecisionHidden());
    profile.journal += SecondsSince(step_start);
    ++profile.layers;
    Merge(result, std::move(layer_result));
  } catch (const c10::Error& e) {  // a failed tensor operation (a CUDA error, out of memory) names its layer
    Fail("{}: {} on {}: {}", LayerPrefix(i).substr(0, LayerPrefix(i).size() - 1), method.name, model.device().str(),
         e.what_without_backtrace());
  }
  if (o.show_progress) progress.Finish();
  profile.layer_passes = stream.LayerPasses();
  profile.inspect_batches = stream.InspectBatches();
  profile.tokens = stream.Tokens();
  profile.token_slots = stream.PassTokenSlots();
  result.profile = profile;
  result.seconds = SecondsSince(start);
  return result;
}

}  // namespace faq
