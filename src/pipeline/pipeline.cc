#include "faq/pipeline/pipeline.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "faq/io/json.h"
#include "faq/io/jsonl.h"
#include "faq/pipeline/results_table.h"
#include "faq/pipeline/run_manifest.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "faq/util/subprocess.h"

namespace faq {
namespace {

namespace fs = std::filesystem;
constexpr char kServePrefix[] = "serve:";

struct Step {
  std::string stage, name;
  std::vector<std::string> args;  // after the binary; endpoints may still read serve:<name>
  std::vector<fs::path> inputs, outputs;
  bool resumable = false;         // appends and resumes by itself (regenerate, judge)
  std::function<void()> prepare;  // in-process work before the command
  int nproc = 1;                  // > 1: data-parallel under torchrun
};

// A stage section's flags (checked when the config was loaded).
std::vector<std::string> SectionFlags(const PipelineConfig& c, const nlohmann::json& section, const std::string& name) {
  return OptionsToFlags(section, c.commands.at(name), c.file.string() + ": " + name);
}

// Adds `--endpoint` (and `--model`, defaulting to the server's name) from a stage section.
std::vector<std::string> EndpointArgs(const PipelineConfig& c, nlohmann::json section, const std::string& name) {
  const std::string endpoint = section.value("endpoint", "");
  if (endpoint.rfind(kServePrefix, 0) == 0 && !section.contains("model")) section["model"] = endpoint.substr(6);
  return SectionFlags(c, section, name);
}

// The raw-seed baseline as judged.jsonl records: the seed's own answer, no reasoning.
void WriteSeedsAsJudged(const fs::path& seeds, const fs::path& out) {
  std::string lines;
  JsonlReader reader(seeds);
  while (auto rec = reader.Next()) {
    const auto& v = rec->value;
    std::string query;
    for (const char* field : {"query", "question", "problem", "prompt"}) {
      if (v.contains(field) && v[field].is_string()) {
        query = v[field].get<std::string>();
        break;
      }
    }
    if (!v.contains("id") || query.empty())
      throw Error(fmt::format("{}:{}: a seed needs 'id' and a 'query' (or question/problem/prompt) string", seeds.string(), rec->line));
    const std::string answer = v.contains("answer") && v["answer"].is_string() ? v["answer"].get<std::string>() : "";
    lines += nlohmann::json{{"id", v["id"]}, {"query", query}, {"response", answer}}.dump() + "\n";
  }
  WriteFileAtomic(out, lines);
}

std::vector<Step> PlanSteps(const PipelineConfig& c) {
  const fs::path run = c.run_dir;
  const fs::path candidates = run / "candidates.jsonl", judged = run / "judged.jsonl";
  std::vector<Step> steps;
  Step regen{"regenerate", "regenerate", {"regenerate", "--seeds", c.seeds, "--out", candidates.string()}, {c.seeds}, {candidates}, true};
  auto extra = EndpointArgs(c, c.regenerate, "regenerate");
  regen.args.insert(regen.args.end(), extra.begin(), extra.end());
  steps.push_back(regen);

  Step judge{"judge", "judge", {"judge", "--candidates", candidates.string(), "--out", judged.string()}, {candidates}, {judged}, true};
  extra = EndpointArgs(c, c.judge, "judge");
  judge.args.insert(judge.args.end(), extra.begin(), extra.end());
  steps.push_back(judge);

  // The raw-seed baseline is plain text whatever the section says about chat templates.
  nlohmann::json plain_assemble = c.assemble;
  plain_assemble.erase("no_chat_template");
  plain_assemble.erase("no-chat-template");
  const auto assemble_flags = SectionFlags(c, c.assemble, "assemble");
  const auto plain_assemble_flags = SectionFlags(c, plain_assemble, "assemble");
  std::map<std::string, fs::path> calib_file;
  for (const std::string& calib : c.calibrations) {
    if (auto given = c.calibration_files.find(calib); given != c.calibration_files.end()) {
      calib_file[calib] = given->second.file;  // used as it is: no assemble step
      continue;
    }
    calib_file[calib] = run / ("calib-" + calib + ".jsonl");
    Step s{"assemble", "assemble/" + calib, {"assemble", "--tokenizer", c.target}, {c.target}, {calib_file[calib]}};
    if (calib == "faq") {
      s.args.insert(s.args.end(), {"--in", judged.string()});
      s.inputs.push_back(judged);
    } else {
      const fs::path seeds_judged = run / "seeds-as-judged.jsonl";
      s.prepare = [seeds = fs::path(c.seeds), seeds_judged] { WriteSeedsAsJudged(seeds, seeds_judged); };
      s.args.insert(s.args.end(), {"--in", seeds_judged.string(), "--no-chat-template"});
      s.inputs.push_back(c.seeds);
    }
    s.args.insert(s.args.end(), {"--out", calib_file[calib].string()});
    const auto& flags = calib == "faq" ? assemble_flags : plain_assemble_flags;
    s.args.insert(s.args.end(), flags.begin(), flags.end());
    steps.push_back(s);
  }

  std::vector<std::pair<std::string, std::string>> models{{"fp", c.target}};
  for (const auto& q : c.quantize_runs) {
    for (const std::string& calib : c.calibrations) {
      const std::string name = q.name + "-" + calib;
      const fs::path out = run / "models" / name;
      Step s{"quantize", "quantize/" + name,
             {"quantize", "--model", c.target, "--calib", calib_file[calib].string(), "--out", out.string()},
             {c.target, calib_file[calib]}, {out}};
      const auto& flags = q.flags_by_calibration.at(calib);
      s.args.insert(s.args.end(), flags.begin(), flags.end());
      s.nproc = q.nproc;
      steps.push_back(s);
      models.emplace_back(name, out.string());
    }
  }
  const auto eval_flags = SectionFlags(c, c.eval_options, "eval");
  for (const auto& [data_name, data] : c.eval_data) {
    for (const auto& [model_name, model] : models) {
      Step s{"eval", EvalStepName(model_name, data_name), {"eval", "ppl", "--model", model, "--data", data}, {model, data}, {}};
      s.args.insert(s.args.end(), eval_flags.begin(), eval_flags.end());
      s.nproc = c.eval_nproc;
      steps.push_back(s);
    }
  }
  return steps;
}

// `faq serve` children, started the first time a step names them.
class Servers {
 public:
  Servers(const PipelineConfig& config, std::string binary) : config_(config), binary_(std::move(binary)) {}

  std::string BaseUrl(const std::string& name) {
    if (auto it = urls_.find(name); it != urls_.end()) return it->second;
    const auto spec = std::find_if(config_.servers.begin(), config_.servers.end(), [&](const auto& s) { return s.name == name; });
    if (spec == config_.servers.end()) throw Error(config_.file.string() + ": no server named '" + name + "'");
    std::vector<std::string> argv{binary_, "serve", "--model", spec->model, "--port", "0", "--served-model-name", name};
    const auto flags = OptionsToFlags(spec->options, config_.commands.at("servers"), config_.file.string() + ": servers." + name);
    argv.insert(argv.end(), flags.begin(), flags.end());
    spdlog::info("starting server '{}': faq serve --model {}", name, spec->model);
    auto child = std::make_unique<ChildProcess>(argv);
    // faq serve's first stdout line, once it listens: {"host", "port", "model", "base_url"}.
    const nlohmann::json ready = ParseJson(child->ReadLine(std::chrono::seconds(600)), "faq serve's first stdout line");
    children_.push_back(std::move(child));
    return urls_[name] = ready.at("base_url").get<std::string>();
  }

  void StopAll() {
    children_.clear();  // each child is terminated (SIGTERM, then SIGKILL) by its destructor
    urls_.clear();
  }

 private:
  const PipelineConfig& config_;
  std::string binary_;
  std::map<std::string, std::string> urls_;
  std::vector<std::unique_ptr<ChildProcess>> children_;
};

// A path under the run directory counts by its place in it, so a moved or copied run
// directory keeps its results. `run_dir` empty: paths as written (how manifests written
// before this were fingerprinted, still accepted so an upgrade does not start runs over).
std::string RunRelative(const std::string& text, const std::string& run_dir) {
  if (run_dir.empty()) return text;
  if (text == run_dir) return "<run>";
  return text.rfind(run_dir + "/", 0) == 0 ? "<run>" + text.substr(run_dir.size()) : text;
}

std::string StepFingerprint(const Step& step, const std::string& run_dir) {
  std::string text;
  for (const auto& a : step.args) text += RunRelative(a, run_dir) + '\0';
  if (step.nproc > 1) text += "nproc=" + std::to_string(step.nproc) + '\0';  // sums reduce in another order
  for (const auto& input : step.inputs) text += RunRelative(input.string(), run_dir) + '=' + ContentFingerprint(input) + '\0';
  return TextFingerprint(text);
}

struct StepFingerprints {
  std::string now, legacy;
  bool Match(const std::string& recorded) const { return recorded == now || recorded == legacy; }
};

StepFingerprints FingerprintsOf(const Step& step, const std::string& run_dir) {
  std::string root = run_dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return {StepFingerprint(step, root), StepFingerprint(step, "")};
}

bool IsDone(const RunManifest& manifest, const Step& step, const StepFingerprints& fingerprints) {
  return manifest.IsDone(step.name, fingerprints.now, step.outputs) ||
         manifest.IsDone(step.name, fingerprints.legacy, step.outputs);
}

nlohmann::json LastJsonLine(const std::string& out, const std::string& step) {
  const size_t end = out.find_last_not_of('\n');
  if (end == std::string::npos) throw Error("step " + step + " printed no JSON result");
  const size_t newline = out.rfind('\n', end);
  const size_t start = newline == std::string::npos ? 0 : newline + 1;
  return ParseJson(out.substr(start, end + 1 - start), "the result line of step " + step);
}

// The steps whose stored results belong to the config and inputs as they are now: finished
// with the fingerprint they would have now, on inputs from steps that are current too (a
// perplexity measured on a model quantized with other options is stale even when the
// eval step's own command line did not change, and after --until it was not re-measured).
std::set<std::string> CurrentSteps(const std::vector<Step>& steps, const RunManifest& manifest,
                                   const std::string& run_dir) {
  std::map<fs::path, std::string> made_by;  // output -> the step that writes it
  std::set<std::string> current;
  for (const Step& step : steps) {
    const bool inputs_current = std::all_of(step.inputs.begin(), step.inputs.end(), [&](const fs::path& input) {
      const auto producer = made_by.find(input);
      return producer == made_by.end() || current.count(producer->second) > 0;
    });
    for (const auto& out : step.outputs) made_by[out] = step.name;
    if (!inputs_current || !std::all_of(step.inputs.begin(), step.inputs.end(), [](const fs::path& p) { return fs::exists(p); }))
      continue;
    if (IsDone(manifest, step, FingerprintsOf(step, run_dir))) current.insert(step.name);
  }
  return current;
}

size_t StageIndex(const std::string& stage, const char* flag) {
  if (stage.empty()) return std::string(flag) == "--from" ? 0 : PipelineStages().size() - 1;
  const auto& stages = PipelineStages();
  const auto it = std::find(stages.begin(), stages.end(), stage);
  if (it == stages.end()) throw UsageError(std::string(flag) + " must be one of regenerate, judge, assemble, quantize, eval; got '" + stage + "'");
  return static_cast<size_t>(it - stages.begin());
}

// What a run would do: each step with `keep` (its results are current), `run`, or `skip`
// (outside --from/--until). Reads the manifest; starts and writes nothing.
nlohmann::json PlanOnly(const PipelineConfig& config, const std::vector<Step>& steps, size_t from, size_t until) {
  const RunManifest manifest(fs::path(config.run_dir) / "manifest.json");
  const std::set<std::string> current = CurrentSteps(steps, manifest, config.run_dir);
  nlohmann::json plan = nlohmann::json::array();
  for (const Step& step : steps) {
    const size_t stage = StageIndex(step.stage, "--from");
    const char* action = stage < from || stage > until ? "skip" : current.count(step.name) > 0 ? "keep" : "run";
    std::vector<std::string> argv{"faq"};
    argv.insert(argv.end(), step.args.begin(), step.args.end());
    if (step.nproc > 1) argv.insert(argv.begin(), {"torchrun", "--nproc-per-node", std::to_string(step.nproc)});
    plan.push_back({{"step", step.name}, {"action", action}, {"argv", argv}});
  }
  return {{"run_dir", config.run_dir}, {"plan", plan}};
}

}  // namespace

nlohmann::json RunPipeline(const PipelineConfig& config, const PipelineOptions& options) {
  const size_t from = StageIndex(options.from, "--from"), until = StageIndex(options.until, "--until");
  if (from > until) throw UsageError("--from " + options.from + " comes after --until " + options.until);
  const std::string binary = options.faq_binary.empty() ? SelfExecutable() : options.faq_binary;
  const std::vector<Step> steps = PlanSteps(config);
  size_t last_served = 0;  // servers hold memory and cores: stop them after their last user
  for (size_t i = 0; i < steps.size(); ++i) {
    for (const auto& a : steps[i].args)
      if (a.rfind(kServePrefix, 0) == 0) last_served = i + 1;
  }
  for (const Step& step : steps) {
    const size_t stage = StageIndex(step.stage, "--from");
    if (step.nproc > 1 && stage >= from && stage <= until && options.torchrun.empty()) {
      throw Error(fmt::format("step {} declares nproc: {}, but torchrun is absent (looked for {}): install the "
                              "project's venv (tools/setup.sh) or set FAQ_TORCHRUN",
                              step.name, step.nproc, options.torchrun_searched));
    }
  }
  if (options.dry_run) return PlanOnly(config, steps, from, until);
  fs::create_directories(config.run_dir);
  RunManifest manifest(fs::path(config.run_dir) / "manifest.json");
  Servers servers(config, binary);
  size_t index = 0;
  for (const Step& step : steps) {
    if (index == last_served) servers.StopAll();
    ++index;
    const size_t stage = StageIndex(step.stage, "--from");
    if (stage < from || stage > until) continue;
    if (step.prepare) step.prepare();
    const StepFingerprints fingerprints = FingerprintsOf(step, config.run_dir);
    const std::string& fingerprint = fingerprints.now;
    if (IsDone(manifest, step, fingerprints)) {
      spdlog::info("[{}/{}] {}: unchanged, kept from an earlier run", index, steps.size(), step.name);
      continue;
    }
    const std::string before = manifest.Fingerprint(step.name);
    if (step.resumable && !before.empty() && !fingerprints.Match(before)) {
      // Other options or inputs: the partial output must not be resumed from.
      for (const auto& out : step.outputs) {
        fs::remove(out);
        fs::remove(out.string() + ".failed.jsonl");
      }
    }
    std::vector<std::string> argv;
    if (step.nproc > 1) {  // a free port of its own: --standalone
      argv = {options.torchrun, "--standalone", "--no-python", "--nproc-per-node", std::to_string(step.nproc)};
    }
    argv.push_back(binary);
    for (const auto& a : step.args)
      argv.push_back(a.rfind(kServePrefix, 0) == 0 ? servers.BaseUrl(a.substr(6)) : a);
    argv.push_back("--json");
    spdlog::info("[{}/{}] {}: {}faq {}", index, steps.size(), step.name,
                 step.nproc > 1 ? fmt::format("torchrun --nproc-per-node {} ", step.nproc) : "",
                 fmt::join(step.args, " "));
    manifest.MarkStarted(step.name, fingerprint, step.args);
    const auto start = std::chrono::steady_clock::now();
    const ProcessOutput out = RunProcess(argv);
    if (out.exit_code != 0)
      throw Error(fmt::format("step {} failed (exit code {}); finished steps are kept in {}: fix the cause and re-run",
                              step.name, out.exit_code, config.run_dir));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    manifest.MarkDone(step.name, LastJsonLine(out.stdout_text, step.name), seconds);
  }

  const std::set<std::string> current = CurrentSteps(steps, manifest, config.run_dir);
  nlohmann::json results{{"config", config.file.string()},
                         {"run_dir", config.run_dir},
                         {"table", ResultsTable(config, manifest, [&](const std::string& step) { return current.count(step) > 0; })}};
  results["steps"] = manifest.Json()["steps"];
  WriteFileAtomic(fs::path(config.run_dir) / "results.json", results.dump(2) + "\n");
  WriteFileAtomic(fs::path(config.run_dir) / "results.md", ResultsMarkdown(results));
  return results;
}

}  // namespace faq
