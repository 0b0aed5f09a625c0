#include "faq/pipeline/pipeline_config.h"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "faq/util/error.h"

namespace faq {
namespace {

// The config is printed again (error messages, the run manifest) and nlohmann::json refuses to
// print text that is not UTF-8 (yaml-cpp passes any bytes through): refused here, when read.
const std::string& RequireUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
  } catch (const nlohmann::json::type_error&) {
    const std::string shown = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    throw Error("not valid UTF-8: " + shown + " (save the file as UTF-8)");
  }
  return text;
}

// YAML scalars become the JSON type they read as (bool, integer, number, else string).
nlohmann::json ScalarToJson(const std::string& text, bool quoted) {
  RequireUtf8(text);
  if (quoted) return text;
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  char* end = nullptr;
  errno = 0;
  const long long i = std::strtoll(text.c_str(), &end, 10);
  // An integer past 64 bits stays as written: strtoll would clamp it to another number, and
  // the stage's own parser gives the user's digits the error (or the meaning) they deserve.
  if (end && *end == '\0') return errno == ERANGE ? nlohmann::json(text) : nlohmann::json(i);
  const double d = std::strtod(text.c_str(), &end);
  if (end && *end == '\0' && std::isfinite(d)) return d;
  return text;
}

nlohmann::json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[RequireUtf8(kv.first.as<std::string>())] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return ScalarToJson(node.Scalar(), node.Tag() == "!");
    default:
      return nullptr;
  }
}

void ApplyOverride(nlohmann::json& doc, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("--set takes key.path=value, got '" + assignment + "'");
  nlohmann::json* node = &doc;
  std::string path = assignment.substr(0, eq);
  for (size_t start = 0;;) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    // An absent section (null) becomes a map: `--set assemble.max_tokens=64` needs no `assemble:` in the file.
    if (!node->is_object() && !node->is_null())
      throw UsageError("--set " + assignment + ": '" + key + "' is under a value that is not a map");
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  try {
    *node = YamlToJson(YAML::Load(assignment.substr(eq + 1)));
  } catch (const YAML::Exception& e) {
    throw UsageError("--set " + assignment + ": the value is not YAML (" + e.msg + ")");
  }
}

std::string RequireString(const nlohmann::json& doc, const std::string& key, const std::string& file) {
  if (!doc.contains(key) || !doc[key].is_string() || doc[key].get<std::string>().empty())
    throw Error(file + ": field '" + key + "' must be a non-empty string");
  return doc[key].get<std::string>();
}

// An optional string field: absent or null gives `fallback`.
std::string StringOr(const nlohmann::json& doc, const std::string& key, const std::string& fallback,
                     const std::string& where) {
  if (!doc.contains(key) || doc[key].is_null()) return fallback;
  if (!doc[key].is_string()) throw Error(where + ": field '" + key + "' must be a string, got " + doc[key].dump());
  return doc[key].get<std::string>();
}

nlohmann::json Section(const nlohmann::json& doc, const std::string& key, const std::string& file) {
  if (!doc.contains(key) || doc[key].is_null()) return nlohmann::json::object();
  if (!doc[key].is_object()) throw Error(file + ": field '" + key + "' must be a map of options");
  return doc[key];
}

OptionValue JsonToOptionValue(const nlohmann::json& v, const std::string& where) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  throw Error(where + ": expected a single value, got " + v.dump());
}

// A quantize run's options as checked flags of `faq quantize`.
std::vector<std::string> QuantizeFlags(const nlohmann::json& options, std::span<const OptionSpec> specs,
                                       const std::string& where) {
  std::vector<std::string> flags;
  for (const auto& [key, value] : options.items()) {
    const std::string at = where + "." + key;
    // An init-capture, not the binding itself: clang before 16 cannot capture structured bindings.
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&k = key](const OptionSpec& s) { return YamlKey(s.flag) == YamlKey(k); });
    if (spec == specs.end()) throw Error(at + ": not an option of faq quantize (`faq quantize --help` lists them)");
    if (value.is_null()) continue;
    try {
      const auto f = ToFlags(*spec, CheckOptionValue(*spec, JsonToOptionValue(value, at), at));
      flags.insert(flags.end(), f.begin(), f.end());
    } catch (const UsageError& e) {
      throw Error(e.what());  // a bad file, not a bad command line
    }
  }
  return flags;
}

// quantize.calibrations: a non-empty list of `base`, `faq` and maps {name, file, options}
// naming a calibration file (text or JSONL) with its own `faq quantize` options.
void ReadCalibrations(const nlohmann::json& list, const std::string& f, std::span<const OptionSpec> quantize_options,
                      PipelineConfig& c) {
  const std::string expected = "a non-empty list of \"base\", \"faq\" or {name, file, options}";
  if (!list.is_array() || list.empty()) throw Error(f + ": quantize.calibrations must be " + expected + ", got " + list.dump());
  c.calibrations.clear();
  for (const auto& entry : list) {
    std::string name;
    if (entry.is_string() && (entry == "base" || entry == "faq")) {
      name = entry.get<std::string>();
    } else if (entry.is_object()) {
      const std::string where = f + ": quantize.calibrations[]";
      name = RequireString(entry, "name", where);
      if (name == "base" || name == "faq" || name == "fp" ||
          name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
        throw Error(where + ": name '" + name + "' must be letters, digits, '_', '.' or '-', and not base, faq or fp");
      for (const auto& [key, value] : entry.items())
        if (key != "name" && key != "file" && key != "options")
          throw Error(where + "." + key + ": not a key of a calibration file entry (name, file, options)");
      CalibrationFile file{RequireString(entry, "file", where + " " + name), Section(entry, "options", where + " " + name)};
      for (const char* owned : {"calib", "out", "model"})
        if (file.options.contains(owned))
          throw Error(where + " " + name + ": options." + owned + " is set by the pipeline");
      QuantizeFlags(file.options, quantize_options, where + " " + name + ".options");
      c.calibration_files[name] = std::move(file);
    } else {
      throw Error(f + ": quantize.calibrations holds " + entry.dump() + "; expected " + expected);
    }
    if (std::find(c.calibrations.begin(), c.calibrations.end(), name) != c.calibrations.end())
      throw Error(f + ": quantize.calibrations names '" + name + "' twice");
    c.calibrations.push_back(name);
  }
}

// Removes a section's `nproc` (not an option of the command: the pipeline starts the step
// with `torchrun --nproc-per-node N`) and returns it; 1 when absent.
int TakeNproc(nlohmann::json& options, const std::string& where) {
  if (!options.contains("nproc")) return 1;
  const nlohmann::json value = options["nproc"];
  options.erase("nproc");
  if (value.is_null()) return 1;
  if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 4096) {
    throw Error(fmt::format("{}.nproc: expected a number of processes from 1 to 4096, got {}", where, value.dump()));
  }
  return value.get<int>();
}

const StageCommand& CommandOf(const StageCommands& commands, const std::string& section) {
  const auto it = commands.find(section);
  FAQ_CHECK(it != commands.end(), "no command options for the pipeline section '{}'", section);
  return it->second;
}

// The options the pipeline's steps give their commands themselves, by section (the inputs
// and outputs in the run directory, --json for the result line): a section cannot set them.
const std::map<std::string, std::vector<std::string>>& SetByThePipeline() {
  static const std::map<std::string, std::vector<std::string>> kSet{
      {"regenerate", {"seeds", "out", "json"}},        {"judge", {"candidates", "out", "json"}},
      {"assemble", {"tokenizer", "in", "out", "json"}}, {"eval", {"model", "data", "json"}},
      {"servers", {"model", "port", "served-model-name", "json"}},
  };
  return kSet;
}

// "max-tokens" for the section key `max_tokens` (or `max-tokens`).
std::string FlagName(const std::string& key) {
  std::string flag = key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

}  // namespace

const std::vector<std::string>& PipelineStages() {
  static const std::vector<std::string> kStages{"regenerate", "judge", "assemble", "quantize", "eval"};
  return kStages;
}

PipelineConfig LoadPipelineConfig(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                                  std::span<const OptionSpec> quantize_options, const StageCommands& commands) {
  const std::string f = file.string();
  nlohmann::json doc;
  try {
    doc = YamlToJson(YAML::LoadFile(f));
  } catch (const YAML::Exception& e) {
    throw Error(f + ": not valid YAML: " + e.what());
  } catch (const Error& e) {
    throw Error(f + ": " + e.what());
  }
  if (!doc.is_object()) throw Error(f + ": expected a map at the top level");
  for (const auto& o : overrides) ApplyOverride(doc, o);
  static const std::vector<std::string> kKnown{"run_dir", "target", "seeds", "servers", "regenerate", "judge", "assemble", "quantize", "eval"};
  for (const auto& [key, value] : doc.items()) {
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end())
      throw Error(f + ": unknown field '" + key + "' (expected one of run_dir, target, seeds, servers, regenerate, judge, assemble, quantize, eval)");
  }
  PipelineConfig c;
  c.file = file;
  c.commands = commands;
  for (const auto& [section, flags] : SetByThePipeline()) {
    if (auto it = c.commands.find(section); it != c.commands.end()) it->second.set_by_pipeline = flags;
  }
  c.run_dir = StringOr(doc, "run_dir", "faq-run", f);
  c.target = RequireString(doc, "target", f);
  c.seeds = RequireString(doc, "seeds", f);
  const nlohmann::json servers = Section(doc, "servers", f);
  for (const auto& [name, spec] : servers.items()) {
    if (!spec.is_object()) throw Error(f + ": servers." + name + " must be a map with 'model'");
    ServerSpec s{name, RequireString(spec, "model", f + ": servers." + name), spec};
    s.options.erase("model");
    OptionsToFlags(s.options, CommandOf(c.commands, "servers"), f + ": servers." + name);
    c.servers.push_back(std::move(s));
  }
  c.regenerate = Section(doc, "regenerate", f);
  c.judge = Section(doc, "judge", f);
  c.assemble = Section(doc, "assemble", f);
  const nlohmann::json quantize = Section(doc, "quantize", f);
  if (quantize.contains("calibrations")) ReadCalibrations(quantize["calibrations"], f, quantize_options, c);
  const nlohmann::json common = Section(quantize, "options", f + ": quantize");
  for (const auto& run : quantize.value("runs", nlohmann::json::array())) {
    if (!run.is_object()) throw Error(f + ": each entry of quantize.runs must be a map with 'name'");
    QuantizeRun r{RequireString(run, "name", f + ": quantize.runs[]"), common};
    for (const auto& [k, v] : run.items())
      if (k != "name") r.options[k] = v;
    r.nproc = TakeNproc(r.options, f + ": quantize.runs[" + r.name + "]");
    r.flags = QuantizeFlags(r.options, quantize_options, f + ": quantize.runs[" + r.name + "]");
    for (const auto& calib : c.calibrations) {
      nlohmann::json options = r.options;
      if (auto file = c.calibration_files.find(calib); file != c.calibration_files.end())
        options.update(file->second.options);
      r.flags_by_calibration[calib] =
          QuantizeFlags(options, quantize_options, f + ": quantize.runs[" + r.name + "] on calibration " + calib);
    }
    c.quantize_runs.push_back(std::move(r));
  }
  const nlohmann::json eval = Section(doc, "eval", f);
  const nlohmann::json eval_data = eval.value("data", nlohmann::json::object());
  for (const auto& [name, path] : eval_data.items()) {
    if (!path.is_string()) throw Error(f + ": eval.data." + name + " must be a file path");
    c.eval_data[name] = path.get<std::string>();
  }
  c.eval_options = eval;
  c.eval_options.erase("data");
  c.eval_nproc = TakeNproc(c.eval_options, f + ": eval");
  for (const auto& [section, options] : {std::pair<const char*, const nlohmann::json&>{"regenerate", c.regenerate},
                                         {"judge", c.judge}, {"assemble", c.assemble}, {"eval", c.eval_options}})
    OptionsToFlags(options, CommandOf(c.commands, section), f + ": " + section);
  for (const auto& server_ref :
       {StringOr(c.regenerate, "endpoint", "", f + ": regenerate"), StringOr(c.judge, "endpoint", "", f + ": judge")}) {
    if (server_ref.rfind("serve:", 0) != 0) continue;
    const std::string name = server_ref.substr(6);
    if (std::none_of(c.servers.begin(), c.servers.end(), [&](const ServerSpec& s) { return s.name == name; }))
      throw Error(f + ": endpoint '" + server_ref + "' names no entry of 'servers'");
  }
  return c;
}

std::vector<std::string> OptionsToFlags(const nlohmann::json& options, const StageCommand& command,
                                        const std::string& where) {
  std::vector<std::string> flags;
  for (const auto& [key, value] : options.items()) {
    const std::string name = FlagName(key);
    const auto declared = std::find_if(command.options.begin(), command.options.end(),
                                       [&](const CommandOption& o) { return o.flag == name; });
    if (declared == command.options.end()) {
      throw Error(fmt::format("{}.{}: not an option of {} (`{} --help` lists them)", where, key, command.name, command.name));
    }
    if (std::find(command.set_by_pipeline.begin(), command.set_by_pipeline.end(), name) != command.set_by_pipeline.end()) {
      throw Error(fmt::format("{}.{}: the pipeline gives {} its --{} itself", where, key, command.name, name));
    }
    const bool is_switch = !declared->takes_value;
    if (value.is_null()) continue;
    if (value.is_boolean() != is_switch) {
      throw Error(is_switch ? fmt::format("{}.{}: expected true or false, got {}", where, key, value.dump())
                            : fmt::format("{}.{}: --{} takes a value, not {}", where, key, name, value.dump()));
    }
    if (value.is_boolean()) {
      if (value.get<bool>()) flags.push_back(fmt::format("--{}", name));
      else if (declared->negation.empty()) flags.push_back(fmt::format("--{}=false", name));
      else flags.push_back(fmt::format("--{}", declared->negation));
    } else if (value.is_array()) {
      std::vector<std::string> items;
      for (const auto& item : value) items.push_back(item.is_string() ? item.get<std::string>() : item.dump());
      flags.insert(flags.end(), {fmt::format("--{}", name), fmt::format("{}", fmt::join(items, ","))});
    } else {
      flags.insert(flags.end(), {fmt::format("--{}", name), value.is_string() ? value.get<std::string>() : value.dump()});
    }
  }
  return flags;
}

}  // namespace faq
