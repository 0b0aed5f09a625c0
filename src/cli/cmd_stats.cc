// faq stats: calibration-set diagnostics (activation statistics, Hessian distances, the
// "does calibrating on A cover B?" matrix), written as stats.json, pictures and report.html.
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <regex>
#include <set>

#include "cli/commands.h"
#include "cli/device_flags.h"
#include "cli/model_codec.h"
#include "faq/eval/token_source.h"
#include "faq/model/device.h"
#include "faq/report/stats_report.h"
#include "faq/stats/calibration_stats.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct StatsParams {
  std::string model;
  std::vector<std::string> set_specs;  // NAME=FILE, as given
  std::string out;
  std::vector<int64_t> layers;         // landscape layers; empty: four spread over the depth
  int64_t nsamples = 128;
  int64_t seqlen = 2048;
  std::string calib_mode = "concat";
  int bits = 4;
  int64_t group_size = 128;
  int64_t top_k = 8;
  bool per_channel = true;
  std::string device = "cpu";
  std::string dtype = "fp32";
  bool json = false;
};

struct SetSpec {
  std::string name;
  std::string file;
};

// NAME=FILE → its parts; the name becomes a file-name and HTML fragment, so it is kept plain.
std::vector<SetSpec> ParseSetSpecs(const std::vector<std::string>& specs) {
  static const std::regex kName("[A-Za-z0-9_.+-]+");
  std::vector<SetSpec> out;
  std::set<std::string> names;
  for (const auto& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      throw UsageError(fmt::format("--set '{}': expected NAME=FILE (e.g. --set seeds=seeds.jsonl)", spec));
    }
    SetSpec s{spec.substr(0, eq), spec.substr(eq + 1)};
    if (!std::regex_match(s.name, kName)) {
      throw UsageError(fmt::format("--set '{}': the NAME before '=' must be letters, digits, '_', '.', '+' or '-'",
                                   spec));
    }
    if (s.file.empty()) throw UsageError(fmt::format("--set '{}': no FILE after '='", spec));
    if (!std::filesystem::is_regular_file(s.file)) {
      throw UsageError(fmt::format("--set {}: file '{}' does not exist or is not a file", s.name, s.file));
    }
    if (!names.insert(s.name).second) {
      throw UsageError(fmt::format("--set {}: the name '{}' is given twice (each set needs its own NAME)", spec, s.name));
    }
    out.push_back(std::move(s));
  }
  return out;
}

// The paper shows four layers; by default the same spread over this model's depth.
std::vector<int64_t> LandscapeLayers(const StatsParams& p, int64_t num_layers) {
  if (!p.layers.empty()) {
    for (int64_t l : p.layers) {
      if (l < 0 || l >= num_layers) {
        throw UsageError(fmt::format("--layers {}: {} has {} layers (0..{})", l, p.model, num_layers, num_layers - 1));
      }
    }
    return p.layers;
  }
  std::set<int64_t> chosen;
  for (int64_t q = 1; q <= 4; ++q) chosen.insert(std::min(num_layers - 1, q * num_layers / 4 - (q == 4 ? 1 : 0)));
  return {chosen.begin(), chosen.end()};
}

std::vector<NamedCalibrationSet> LoadSets(const StatsParams& p, const std::vector<SetSpec>& specs) {
  const TextCodec codec = ModelTextCodec(p.model);
  std::vector<NamedCalibrationSet> sets;
  for (const auto& spec : specs) {
    NamedCalibrationSet s{spec.name, spec.file, {}};
    s.set = BuildCalibrationSet(LoadTokenDocuments(spec.file, codec), ParseCalibrationMode(p.calib_mode), p.nsamples,
                                p.seqlen);
    spdlog::info("set {} ({}): {} samples × up to {} tokens ({} real tokens)", s.name, s.file, s.set.Samples(),
                 s.set.ids.size(1), s.set.Tokens());
    sets.push_back(std::move(s));
  }
  return sets;
}

// One line per set of the o_proj-input summary of every layer: what a user checks first.
void PrintSummary(const nlohmann::json& stats) {
  fmt::print("{:<7} {:<20} {:<16} {:>10} {:>12} {:>10} {:>12}\n", "layer", "input", "set", "kurtosis",
             "outlier %", "max |x|", "H distance");
  for (const auto& layer : stats["layers"]) {
    for (const auto& input : layer["inputs"]) {
      const auto& sets = input["sets"];
      for (size_t s = 0; s < sets.size(); ++s) {
        if (sets[s]["tokens"] == 0) continue;
        const auto& d = input["hessian_distance"][s][0];  // against the first set
        fmt::print("{:<7} {:<20} {:<16} {:>10.3f} {:>12.4f} {:>10.3f} {:>12}\n", layer["layer"].get<int64_t>(),
                   input["group"].get<std::string>(), sets[s]["set"].get<std::string>(),
                   sets[s]["kurtosis"].get<double>(), 100 * sets[s]["outlier_share"].get<double>(),
                   sets[s]["max_abs"].get<double>(), d.is_null() ? "-" : fmt::format("{:.4f}", d.get<double>()));
      }
    }
  }
}

int RunStats(const StatsParams& p, const std::vector<SetSpec>& specs, const std::vector<int64_t>& landscape_layers) {
  const auto start = std::chrono::steady_clock::now();
  CausalLM::Options mo;
  mo.resident = false;
  mo.device = ResolveDevice(p.device);
  mo.compute_type = ResolveComputeType(p.dtype, LoadModelConfig(p.model));
  CausalLM model(p.model, mo);
  const std::vector<NamedCalibrationSet> sets = LoadSets(p, specs);
  CalibrationStatsOptions o;
  o.landscape_layers = landscape_layers;
  o.gptq.scheme.bits = p.bits;
  o.gptq.scheme.group_size = p.group_size;
  o.top_k = p.top_k;
  o.per_channel = p.per_channel;
  spdlog::info("stats of {} sets on {} ({} layers) on {} ({} threads); landscapes at layers {}", sets.size(), p.model,
               model.NumLayers(), model.device().str(), at::get_num_threads(), fmt::join(landscape_layers, ", "));
  nlohmann::json stats = CollectCalibrationStats(model, sets, o);
  const std::filesystem::path out(p.out);
  std::filesystem::create_directories(out);
  WriteFileAtomic(out / "stats.json", stats.dump() + "\n");
  const std::vector<std::filesystem::path> written = WriteStatsReport(stats, out);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (p.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : written) files.push_back(f.string());
    PrintJsonResult({{"out", p.out}, {"stats", (out / "stats.json").string()}, {"files", files},
                     {"sets", sets.size()}, {"layers", model.NumLayers()}, {"seconds", seconds}});
  } else {
    PrintSummary(stats);
    fmt::print("wrote {} (stats.json, report.html and {} pictures, {:.1f} s)\n", p.out, written.size() - 1, seconds);
  }
  return kExitOk;
}

}  // namespace

void RegisterStats(CLI::App& app, CommandBody& run) {
  auto p = std::make_shared<StatsParams>();
  CLI::App* cmd = app.add_subcommand(
      "stats",
      "Calibration-set diagnostics before spending GPU hours: per layer and linear input, each set's activation\n"
      "statistics (max |x|, mean square, kurtosis, outlier share, top outlier channels), the relative distance\n"
      "between the sets' Hessians and the proxy loss of GPTQ solved on one set measured on another. Writes\n"
      "stats.json (docs/stats.md), SVG pictures and report.html into --out. Example:\n"
      "  faq stats --model M --set seeds=seeds.jsonl --set faq=faq_calib.jsonl --out stats/");
  cmd->fallthrough();  // faq's global options (--threads, --log-level) may follow `stats` too
  cmd->add_option("--model", p->model, "Hugging Face model directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--set", p->set_specs, "NAME=FILE: a calibration set (the JSONL faq quantize takes); repeat")
      ->required()
      ->take_all();
  cmd->add_option("--out", p->out, "Output directory")->required();
  cmd->add_option("--layers", p->layers, "Layers whose o_proj-input landscape is drawn (default: four spread over the depth)")
      ->delimiter(',');
  cmd->add_option("--nsamples", p->nsamples, "Calibration samples per set")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--seqlen", p->seqlen, "Tokens per sample")->capture_default_str()->check(CLI::Range(2, 1 << 20));
  cmd->add_option("--calib-mode", p->calib_mode, "concat (GPTQ windows) or per-record")
      ->capture_default_str()
      ->check(CLI::IsMember({"concat", "per-record"}));
  cmd->add_option("--bits", p->bits, "Bits of the GPTQ solutions the coverage matrix compares")
      ->capture_default_str()
      ->check(CLI::IsMember({2, 3, 4, 8}));
  cmd->add_option("--group-size", p->group_size, "Group size of those solutions (-1: one group per row)")
      ->capture_default_str();
  cmd->add_option("--top-k", p->top_k, "Outlier channels listed per input and set")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  cmd->add_flag("!--no-per-channel", p->per_channel, "Leave the per-channel vectors out of stats.json");
  AddDeviceFlags(cmd, p->device, p->dtype, "fp32");
  cmd->add_flag("--json", p->json, "Print a JSON summary as the last line");
  cmd->callback([p, &run] {
    const std::vector<SetSpec> specs = ParseSetSpecs(p->set_specs);  // everything is checked before any work
    if (p->group_size != -1 && p->group_size < 1) {
      throw UsageError(fmt::format("--group-size {}: expected a positive number of columns or -1", p->group_size));
    }
    const std::vector<int64_t> layers = LandscapeLayers(*p, LoadModelConfig(p->model).num_hidden_layers);
    run = [p, specs, layers] { return RunStats(*p, specs, layers); };
  });
}

}  // namespace faq::cli
