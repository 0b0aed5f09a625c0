// faq quantize: an HF model + calibration data → a quantized checkpoint (layer by layer).
#include <spdlog/spdlog.h>

#include <fstream>

#include "cli/commands.h"
#include "cli/model_codec.h"
#include "cli/quantize_params.h"
#include "faq/eval/token_source.h"
#include "faq/export/gptq_checkpoint.h"
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

void Validate(const QuantizeParams& p) {
  const auto& s = p.quant.scheme;
  if (p.model.empty() || p.out.empty()) throw UsageError("--model and --out are required (flags or --config)");
  if (p.calib.empty() && p.quant.method != "rtn") throw UsageError("--calib is required for " + p.quant.method);
  if (s.bits != 2 && s.bits != 3 && s.bits != 4 && s.bits != 8) throw UsageError(fmt::format("--bits must be 2, 3, 4 or 8, got {}", s.bits));
  if (s.group_size == 0 || s.group_size < -1) throw UsageError(fmt::format("--group-size must be positive or -1, got {}", s.group_size));
  if (p.format != "gptq" && p.format != "fake") throw UsageError("--format must be gptq or fake, got '" + p.format + "'");
  if (std::filesystem::exists(p.out) && std::filesystem::exists(p.model) && std::filesystem::equivalent(p.out, p.model)) {
    throw UsageError("--out is the input model directory; refusing to overwrite it");
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

int RunQuantize(QuantizeParams p) {
  Validate(p);
  CausalLM::Options mo;
  mo.resident = false;
  CausalLM model(p.model, mo);
  CalibrationSet calib;
  if (!p.calib.empty()) {
    auto docs = LoadTokenDocuments(p.calib, ModelTextCodec(p.model));
    calib = BuildCalibrationSet(docs, ParseCalibrationMode(p.calib_mode), p.nsamples, p.seqlen);
    spdlog::info("calibration {}: {} samples × up to {} tokens ({} real tokens, {})", p.calib, calib.Samples(),
                 calib.ids.size(1), calib.Tokens(), p.calib_mode);
  } else {
    calib.ids = at::zeros({0, 1}, at::kLong);
    calib.mask = at::zeros({0, 1}, at::kLong);
  }
  const uint64_t planned = EstimatePeakBytes(model.config(), calib, p.quant);
  const uint64_t budget = p.max_memory_mb > 0 ? static_cast<uint64_t>(p.max_memory_mb) << 20
                                              : AvailableMemoryBytes() / 10 * 9;
  spdlog::info("pre-flight: planned peak {:.1f} MiB above the mapped weights (budget {:.1f} MiB)",
               planned / 1048576.0, budget / 1048576.0);
  if (budget > 0 && planned > budget) {
    Fail("planned peak memory {:.0f} MiB exceeds the budget {:.0f} MiB: use --offload-dir, fewer --nsamples or a "
       "shorter --seqlen",
         planned / 1048576.0, budget / 1048576.0);
  }
  spdlog::info("quantizing {} with {} ({}-bit, group {}, {}{}{})", p.model, p.quant.method, p.quant.scheme.bits,
               p.quant.scheme.group_size, p.quant.scheme.sym ? "sym" : "asym",
               p.quant.scheme.act_order ? ", act-order" : "", p.quant.true_sequential ? ", true-sequential" : "");
  ModelQuantizerResult r = QuantizeModel(model, calib, p.quant);

  ExportOptions eo;
  eo.format = p.format == "fake" ? ExportOptions::Format::kFake : ExportOptions::Format::kGptq;
  nlohmann::json extra = {{"damp_percent", p.quant.method_options.damp},
                          {"true_sequential", p.quant.true_sequential},
                          {"method", p.quant.method}};
  WriteQuantizedCheckpoint(p.model, p.out, r.linears, extra, eo);
  WriteFileAtomic(std::filesystem::path(p.out) / "quant_report.json", ReportJson(r).dump(1) + "\n");
  double loss = 0, rtn = 0;
  for (const auto& row : r.reports) {
    loss += row.solve.loss;
    rtn += row.rtn_loss;
  }
  if (p.json) {
    PrintJsonResult({{"out", p.out}, {"format", p.format}, {"method", p.quant.method}, {"bits", p.quant.scheme.bits},
                     {"group_size", p.quant.scheme.group_size}, {"linears", r.linears.size()},
                     {"total_loss", loss}, {"total_rtn_loss", rtn}, {"seconds", r.seconds}});
  } else {
    PrintTable(r);
    fmt::print("wrote {} ({} linears quantized, {:.1f} s)\n", p.out, r.linears.size(), r.seconds);
  }
  return kExitOk;
}

}  // namespace

void RegisterQuantize(CLI::App& app, CommandBody& run) {
  auto cli = std::make_shared<QuantizeParams>();
  auto config = std::make_shared<std::string>();
  std::string methods;
  for (const auto& [name, desc] : ListQuantMethods()) methods += "\n  " + name + ": " + desc;
  CLI::App* q = app.add_subcommand(
      "quantize",
      "Quantize a model layer by layer on calibration data and write a checkpoint vLLM/SGLang load.\n"
      "Example:\n  faq quantize --model Qwen3-8B --calib calib.jsonl --method gptq --bits 4 --group-size 128 "
      "--out Qwen3-8B-gptq-int4\nMethods:" + methods);
  auto& s = cli->quant.scheme;
  // Each option remembers how to copy itself over the YAML config when given.
  auto copies = std::make_shared<std::vector<std::pair<CLI::Option*, std::function<void(QuantizeParams&)>>>>();
  auto add = [&](CLI::Option* opt, std::function<void(QuantizeParams&)> copy) { copies->emplace_back(opt, copy); };
  add(q->add_option("--model", cli->model, "Hugging Face model directory"), [cli](auto& p) { p.model = cli->model; });
  add(q->add_option("--calib", cli->calib, "Calibration JSONL (input_ids, text or messages per record) or .txt"),
      [cli](auto& p) { p.calib = cli->calib; });
  add(q->add_option("--out", cli->out, "Output directory (written to a temporary name, then renamed)"),
      [cli](auto& p) { p.out = cli->out; });
  add(q->add_option("--method", cli->quant.method, "rtn | gptq | gptaq")->capture_default_str(),
      [cli](auto& p) { p.quant.method = cli->quant.method; });
  add(q->add_option("--bits", s.bits, "2 | 3 | 4 | 8")->capture_default_str(), [cli](auto& p) { p.quant.scheme.bits = cli->quant.scheme.bits; });
  add(q->add_option("--group-size", s.group_size, "Input columns per group; -1 = per channel")->capture_default_str(),
      [cli](auto& p) { p.quant.scheme.group_size = cli->quant.scheme.group_size; });
  auto* sym = q->add_flag("--sym,!--asym", s.sym, "Symmetric (default; the portable v1 GPTQ format) or asymmetric (gptq_v2)");
  add(sym, [cli](auto& p) { p.quant.scheme.sym = cli->quant.scheme.sym; });
  add(q->add_flag("--act-order", s.act_order, "Process columns by decreasing Hessian diagonal (desc_act)"),
      [cli](auto& p) { p.quant.scheme.act_order = cli->quant.scheme.act_order; });
  add(q->add_flag("--static-groups", s.static_groups, "Fix group grids before act-order (g_idx stays k // group)"),
      [cli](auto& p) { p.quant.scheme.static_groups = cli->quant.scheme.static_groups; });
  add(q->add_option("--damp", cli->quant.method_options.damp, "Hessian dampening, fraction of mean diag")->capture_default_str(),
      [cli](auto& p) { p.quant.method_options.damp = cli->quant.method_options.damp; });
  add(q->add_option("--nsamples", cli->nsamples, "Calibration samples")->capture_default_str(),
      [cli](auto& p) { p.nsamples = cli->nsamples; });
  add(q->add_option("--seqlen", cli->seqlen, "Tokens per calibration sample")->capture_default_str(),
      [cli](auto& p) { p.seqlen = cli->seqlen; });
  add(q->add_option("--calib-mode", cli->calib_mode,
                    "concat: windows cut from the concatenated records (GPTQ protocol); per-record: one sample per "
                    "record, padded with a mask (the natural mode for a FAQ set of conversations)")
          ->capture_default_str(),
      [cli](auto& p) { p.calib_mode = cli->calib_mode; });
  add(q->add_flag("--true-sequential", cli->quant.true_sequential, "Quantize q/k/v → o → gate/up → down in turn"),
      [cli](auto& p) { p.quant.true_sequential = cli->quant.true_sequential; });
  add(q->add_option("--gptaq-alpha", cli->quant.method_options.gptaq_alpha, "GPTAQ correction weight")->capture_default_str(),
      [cli](auto& p) { p.quant.method_options.gptaq_alpha = cli->quant.method_options.gptaq_alpha; });
  add(q->add_flag("--gptaq-exact", cli->quant.method_options.gptaq_exact, "GPTAQ: exact closed form instead of the reference update"),
      [cli](auto& p) { p.quant.method_options.gptaq_exact = cli->quant.method_options.gptaq_exact; });
  add(q->add_option("--format", cli->format, "gptq (packed, vLLM-loadable) | fake (dequantized weights)")->capture_default_str(),
      [cli](auto& p) { p.format = cli->format; });
  add(q->add_option("--max-memory-mb", cli->max_memory_mb, "Refuse to start above this planned peak (0 = 90% of available)"),
      [cli](auto& p) { p.max_memory_mb = cli->max_memory_mb; });
  add(q->add_option("--offload-dir", cli->quant.offload_dir,
                    "Keep the calibration activations in a file in this directory (paged by the kernel) instead of "
                    "RAM, for calibration sets that would not fit"),
      [cli](auto& p) { p.quant.offload_dir = cli->quant.offload_dir; });
  q->add_option("--config", *config, "YAML file with any of these options and per-module rules; flags override it")
      ->check(CLI::ExistingFile);
  q->add_flag("--json", cli->json, "Print a JSON summary as the last line");
  q->callback([cli, config, copies, &run] {
    run = [cli, config, copies] {
      QuantizeParams p;
      if (!config->empty()) ApplyQuantizeYaml(*config, p);
      for (const auto& [opt, copy] : *copies) {
        if (opt->count() > 0) copy(p);
      }
      p.json = cli->json;
      p.quant.show_progress = true;
      return RunQuantize(p);
    };
  });
}

}  // namespace faq::cli
