// faq quantize: an HF model + calibration data → a quantized checkpoint (layer by layer).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "cli/commands.h"
#include "cli/model_codec.h"
#include "cli/quantize_flags.h"
#include "cli/dist_flags.h"
#include "cli/quantize_resume.h"
#include "faq/eval/token_source.h"
#include "faq/export/gptq_checkpoint.h"
#include "faq/model/device.h"
#include "faq/quant/cuda_ops.h"
#include "faq/quant/quantize_journal.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

uint64_t AvailableMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb << 10;
  }
  return 0;
}

// Checks that involve several options, before any file is read.
void Validate(const QuantizeParams& p, const std::set<std::string>& given) {
  if (p.model.empty() || p.out.empty()) throw UsageError("--model and --out are required (flags or --config)");
  const QuantMethod method = MakeQuantMethod(p.quant.method, p.quant.method_options);
  if (p.calib.empty() && method.Policy().needs_calibration) {
    throw UsageError("--calib is required for method " + p.quant.method);
  }
  CheckOptionsApply(p, given);
  const QuantScheme& base = p.quant.scheme;
  for (size_t i = 0; i < p.quant.rules.size(); ++i) {
    const ModuleRule& rule = p.quant.rules[i];
    CheckModuleRule(rule, fmt::format("modules[{}]", i));
    const bool other_scheme = (rule.bits && *rule.bits != base.bits) ||
                              (rule.group_size && *rule.group_size != base.group_size) ||
                              (rule.sym && *rule.sym != base.sym);
    if (p.format != "fake" && other_scheme) {
      Fail("modules[{}] ('{}'): a {} checkpoint holds one scheme in its quantization_config, and this rule would "
           "make linears use different schemes; use --format fake for mixed schemes", i, rule.pattern, p.format);
    }
  }
  if (method.Policy().own_group_size != 0 && given.count("group_size") > 0) {
    throw UsageError(fmt::format("--group-size does not apply to method '{}', which sets its own groups (see its "
                                 "options in --help)", p.quant.method));
  }
  const std::string_view own_format = method.Policy().packed_format;
  if (p.format != "fake" && !own_format.empty() && p.format != own_format) {
    throw UsageError(fmt::format("--format {} cannot store what --method {} produces: use --format {} (or fake)",
                                 p.format, p.quant.method, own_format));
  }
  for (const auto& row : MethodTable()) {  // a format that belongs to another method's output
    if (row.make_solver == nullptr || p.format == "fake" || p.format == own_format) continue;
    const std::string_view other = row.make_solver(p.quant.method_options)->Policy().packed_format;
    if (!other.empty() && p.format == other) {
      throw UsageError(fmt::format("--format {} stores --method {} only, not '{}'", p.format, row.name, p.quant.method));
    }
  }
  if (p.format == "awq" && (base.bits != 4 || base.act_order)) {
    throw UsageError(fmt::format("--format awq stores 4-bit weights in natural group order (got --bits {}{})",
                                 base.bits, base.act_order ? " with --act-order" : ""));
  }
  if (!p.resume && given.count("work_dir") > 0) throw UsageError("--work-dir does not apply with --no-resume");
  if (p.calib_skip > 0 && p.calib_mode != "concat")
    throw UsageError(fmt::format("--calib-skip applies to --calib-mode concat, not {}", p.calib_mode));
  if (std::filesystem::exists(p.out) && std::filesystem::exists(p.model) && std::filesystem::equivalent(p.out, p.model)) {
    throw UsageError("--out is the input model directory; refusing to overwrite it");
  }
}

at::Device QuantizeDevice(const std::string& spec) {
  const at::Device device = ResolveDevice(spec);
  if (device.is_cuda() && !CudaKernelsBuilt()) {
    throw UsageError(fmt::format("--device {}: this faq was built without its CUDA kernels (configure with -DFAQ_CUDA=on)",
                                 spec));
  }
  return device;
}

CalibrationSet LoadCalibration(const QuantizeParams& p) {
  CalibrationSet calib;
  if (p.calib.empty()) {
    calib.ids = at::zeros({0, 1}, at::kLong);
    calib.mask = at::zeros({0, 1}, at::kLong);
    return calib;
  }
  auto docs = LoadTokenDocuments(p.calib, ModelTextCodec(p.model));
  calib = BuildCalibrationSet(docs, ParseCalibrationMode(p.calib_mode), p.nsamples, p.seqlen, p.calib_skip);
  spdlog::info("calibration {}: {} samples × up to {} tokens ({} real tokens, {})", p.calib, calib.Samples(),
               calib.ids.size(1), calib.Tokens(), p.calib_mode);
  return calib;
}

// Refuses plans that would not fit, host and device apart; on a GPU, hidden states that do
// not fit the device go to pinned host memory instead.
void PreFlight(const QuantizeParams& p, const CausalLM& model, const CalibrationSet& calib,
               ModelQuantizerOptions& quant) {
  PeakMemory peak = EstimatePeakMemory(model.config(), calib, quant, model.device(), model.compute_type());
  if (model.device().is_cuda()) {
    const uint64_t free_bytes = DeviceFreeBytes(model.device());
    if (peak.device_bytes > free_bytes / 10 * 9 && !quant.activations_on_host) {
      spdlog::info("pre-flight: calibration activations do not fit {} ({:.0f} MiB planned, {:.0f} MiB free); keeping "
                   "them in pinned host memory", model.device().str(), peak.device_bytes / 1048576.0,
                   free_bytes / 1048576.0);
      quant.activations_on_host = true;
      peak = EstimatePeakMemory(model.config(), calib, quant, model.device(), model.compute_type());
    }
    spdlog::info("pre-flight: planned device peak {:.1f} MiB of {:.1f} MiB free on {}", peak.device_bytes / 1048576.0,
                 free_bytes / 1048576.0, model.device().str());
    if (peak.device_bytes > free_bytes) {
      Fail("planned device memory {:.0f} MiB exceeds the {:.0f} MiB free on {}: use fewer --nsamples, a shorter "
           "--seqlen or a smaller --micro-batch", peak.device_bytes / 1048576.0, free_bytes / 1048576.0,
           model.device().str());
    }
  }
  const uint64_t budget = p.max_memory_mb > 0 ? static_cast<uint64_t>(p.max_memory_mb) << 20
                                              : AvailableMemoryBytes() / 10 * 9;
  spdlog::info("pre-flight: planned host peak {:.1f} MiB above the mapped weights (budget {:.1f} MiB)",
               peak.host_bytes / 1048576.0, budget / 1048576.0);
  if (budget > 0 && peak.host_bytes > budget) {
    Fail("planned peak memory {:.0f} MiB exceeds the budget {:.0f} MiB: use --offload-dir, fewer --nsamples or a "
         "shorter --seqlen", peak.host_bytes / 1048576.0, budget / 1048576.0);
  }
}

nlohmann::json ReportJson(const ModelQuantizerResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.reports) {
    rows.push_back({{"layer", row.layer}, {"name", row.name}, {"in_features", row.in_features},
                    {"out_features", row.out_features}, {"bits", row.bits}, {"group_size", row.group_size},
                    {"skipped", row.skipped}, {"tokens", row.tokens}, {"loss", row.solve.loss},
                    {"rtn_loss", row.rtn_loss}, {"damp", row.solve.damp_used}, {"retries", row.solve.retries},
                    {"dead_columns", row.solve.dead_columns}, {"seconds", row.solve.seconds}});
  }
  return rows;
}

// The run's profile, largest step first in the log (info) and as an object in --json.
nlohmann::json ProfileJson(const QuantizeProfile& p, double export_seconds) {
  return {{"embed_s", p.embed},       {"transform_s", p.transform}, {"forward_s", p.forward},
          {"statistics_s", p.statistics}, {"solve_s", p.solve},     {"rtn_loss_s", p.rtn_loss},
          {"advance_s", p.advance},   {"journal_s", p.journal},     {"export_s", export_seconds},
          {"layers", p.layers},       {"layer_passes", p.layer_passes}, {"inspect_batches", p.inspect_batches},
          {"tokens", p.tokens},       {"token_slots", p.token_slots}};
}

void LogProfile(const nlohmann::json& profile) {
  std::vector<std::pair<double, std::string>> steps;
  for (const auto& [key, value] : profile.items()) {
    if (key.size() > 2 && key.compare(key.size() - 2, 2, "_s") == 0) steps.emplace_back(value.get<double>(), key);
  }
  std::sort(steps.rbegin(), steps.rend());
  std::string text;
  for (const auto& [seconds, key] : steps) text += fmt::format(" {} {:.2f}", key.substr(0, key.size() - 2), seconds);
  const auto slots = profile["token_slots"].get<int64_t>();
  spdlog::info("profile (s):{}; {} layer passes over the calibration set for {} layers, each {} token positions "
               "({:.0f}% real tokens)",
               text, profile["layer_passes"].get<int64_t>(), profile["layers"].get<int64_t>(), slots,
               slots > 0 ? 100.0 * static_cast<double>(profile["tokens"].get<int64_t>()) / static_cast<double>(slots) : 0.0);
}

void PrintTable(const ModelQuantizerResult& r) {
  fmt::print("{:<44} {:>11} {:>4} {:>5} {:>8} {:>11} {:>11} {:>7}\n", "linear", "in x out", "bits", "group", "tokens",
             "loss", "rtn loss", "sec");
  for (const auto& row : r.reports) {
    if (row.skipped) {
      fmt::print("{:<44} {:>5}x{:<5} {:>4}\n", row.name, row.in_features, row.out_features, "skip");
      continue;
    }
    fmt::print("{:<44} {:>5}x{:<5} {:>4} {:>5} {:>8} {:>11.4g} {:>11.4g} {:>7.2f}\n", row.name, row.in_features,
               row.out_features, row.bits, row.group_size, row.tokens, row.solve.loss, row.rtn_loss, row.solve.seconds);
  }
}

int RunQuantize(QuantizeParams p, bool json, const DistParams& dist_params) {
  CausalLM::Options mo;
  mo.resident = false;
  mo.device = QuantizeDevice(p.device);
  if (dist::ReadLaunchEnv()) mo.device = ResolveRankDevice(p.device);
  const dist::Communicator comm = JoinProcessGroup(dist_params, mo.device.is_cuda());
  p.quant.comm = &comm;
  p.quant.show_progress = comm.is_root();
  const ModelConfig config = LoadModelConfig(p.model);
  mo.compute_type = ResolveComputeType(p.dtype, config, mo.device);
  p.quant.activation_dtype =
      p.activation_dtype == "compute" ? mo.compute_type : ResolveComputeType(p.activation_dtype, config);
  CausalLM model(p.model, mo);
  const CalibrationSet calib = LoadCalibration(p);
  PreFlight(p, model, calib, p.quant);
  spdlog::info("quantizing {} with {} ({}-bit, group {}, {}{}{}) on {} in {} (activations between layers in {})",
               p.model, p.quant.method, p.quant.scheme.bits, p.quant.scheme.group_size,
               p.quant.scheme.sym ? "sym" : "asym", p.quant.scheme.act_order ? ", act-order" : "",
               p.quant.true_sequential ? ", true-sequential" : "", model.device().str(),
               DtypeName(model.compute_type()), DtypeName(*p.quant.activation_dtype));
  if (comm.distributed() && !p.work_dir.empty()) {
    throw UsageError("--work-dir does not apply to a data-parallel run: it keeps no resume journal");
  }
  std::unique_ptr<QuantizeJournal> journal;
  if (p.resume && comm.distributed()) {
    spdlog::info("data-parallel run over {} ranks: no resume journal is kept (a failed run starts over)",
                 comm.world_size());
  } else if (p.resume) {
    journal = std::make_unique<QuantizeJournal>(WorkDirOf(p), QuantizeFingerprint(p, calib), model.NumLayers());
    p.quant.journal = journal.get();
  }
  ModelQuantizerResult r = QuantizeModel(model, calib, p.quant);
  if (!comm.is_root()) return kExitOk;  // rank 0 writes the checkpoint and the report
  const int64_t own_group_size = MakeQuantMethod(p.quant.method, p.quant.method_options).Policy().own_group_size;
  const int64_t group_size = own_group_size != 0 ? own_group_size : p.quant.scheme.group_size;

  ExportOptions eo;
  eo.format = p.format == "fake"   ? ExportOptions::Format::kFake
              : p.format == "awq"  ? ExportOptions::Format::kAwq
              : p.format == "spqr" ? ExportOptions::Format::kSpqr
                                   : ExportOptions::Format::kGptq;
  const auto export_start = std::chrono::steady_clock::now();
  const ExportSummary written = WriteQuantizedCheckpoint(p.model, p.out, r.linears, r.replaced, QuantConfigExtras(p), eo);
  const nlohmann::json profile =
      ProfileJson(r.profile, std::chrono::duration<double>(std::chrono::steady_clock::now() - export_start).count());
  LogProfile(profile);
  WriteFileAtomic(std::filesystem::path(p.out) / "quant_report.json", ReportJson(r).dump(1) + "\n");
  if (journal) journal->Remove();  // the checkpoint holds everything it recorded
  double loss = 0, rtn = 0;
  for (const auto& row : r.reports) {
    loss += row.solve.loss;
    rtn += row.rtn_loss;
  }
  if (json) {
    nlohmann::json result = {{"out", p.out}, {"format", p.format}, {"method", p.quant.method}, {"bits", p.quant.scheme.bits},
                     {"group_size", group_size}, {"linears", r.linears.size()},
                     {"replaced", r.replaced.size()}, {"device", model.device().str()}, {"total_loss", loss},
                     {"total_rtn_loss", rtn}, {"seconds", r.seconds},
                     {"dtype", DtypeName(model.compute_type())},
                     {"activation_dtype", DtypeName(*p.quant.activation_dtype)}, {"profile", profile}};
    if (eo.format == ExportOptions::Format::kSpqr) {
      result["avg_bits"] = written.avg_bits;
      result["outliers"] = written.outliers;
    }
    PrintJsonResult(result);
  } else {
    PrintTable(r);
    fmt::print("wrote {} ({} linears quantized, {:.1f} s)\n", p.out, r.linears.size(), r.seconds);
  }
  return kExitOk;
}

}  // namespace

void RegisterQuantize(CLI::App& app, CommandBody& run) {
  std::string methods;
  for (const auto& [name, desc] : ListQuantMethods()) methods += "\n  " + name + ": " + desc;
  CLI::App* q = app.add_subcommand(
      "quantize",
      "Quantize a model layer by layer on calibration data and write a checkpoint vLLM/SGLang load.\n"
      "Example:\n  faq quantize --model Qwen3-8B --calib calib.jsonl --method gptq --bits 4 --group-size 128 "
      "--out Qwen3-8B-gptq-int4\nMethods (a solver alone, or transform+solver):" + methods +
          "\nOptions marked [method] apply to those methods only.");
  auto flags = std::make_shared<QuantizeFlags>(q);
  auto config = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  q->add_option("--config", *config, "YAML file with any of these options and per-module rules; flags override it")
      ->check(CLI::ExistingFile);
  q->add_flag("--json", *json, "Print a JSON summary as the last line");
  auto dist = std::make_shared<DistParams>();
  AddDistFlags(q, *dist);
  q->callback([flags, config, json, dist, &run] {
    // Everything is parsed and checked here, at parse time, before any work.
    auto p = std::make_shared<QuantizeParams>();
    std::set<std::string> given;
    if (!config->empty()) ApplyQuantizeYaml(*config, *p, given);
    flags->Apply(*p, given);
    const std::string_view own_format = MakeQuantMethod(p->quant.method, p->quant.method_options).Policy().packed_format;
    if (given.count("format") == 0 && !own_format.empty()) p->format = own_format;  // e.g. SpQR's own layout
    Validate(*p, given);
    if (given.count("sym") == 0 && MakeQuantMethod(p->quant.method, p->quant.method_options).Policy().asymmetric_by_default) {
      p->quant.scheme.sym = false;  // the method's own default scheme (AWQ: zero points)
    }
    p->quant.show_progress = true;
    run = [p, json, dist] { return RunQuantize(*p, *json, *dist); };
  });
}

}  // namespace faq::cli
