// ApplyQuantizeYaml: the YAML form of faq quantize's options.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>

#include "cli/quantize_params.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

std::string Key(std::string k) {
  for (char& c : k) {
    if (c == '-') c = '_';
  }
  return k;
}

template <typename T>
T As(const YAML::Node& n, const std::string& where) {
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    Fail("{}: expected {}, got '{}'", where, std::is_same_v<T, bool> ? "true or false" : std::is_same_v<T, std::string> ? "a string" : "a number",
         YAML::Dump(n));
  }
}

ModuleRule ParseRule(const YAML::Node& n, const std::string& where) {
  if (!n.IsMap()) Fail("{}: each entry of 'modules' must be a map with 'pattern'", where);
  ModuleRule r;
  for (const auto& kv : n) {
    const std::string k = Key(kv.first.as<std::string>());
    const std::string at = where + "." + k;
    if (k == "pattern") r.pattern = As<std::string>(kv.second, at);
    else if (k == "skip") r.skip = As<bool>(kv.second, at);
    else if (k == "bits") r.bits = As<int>(kv.second, at);
    else if (k == "group_size") r.group_size = As<int64_t>(kv.second, at);
    else if (k == "sym") r.sym = As<bool>(kv.second, at);
    else Fail("{}: unknown key '{}' (expected pattern, skip, bits, group_size, sym)", where, k);
  }
  if (r.pattern.empty()) Fail("{}: missing 'pattern'", where);
  try {
    std::regex check(r.pattern);
  } catch (const std::regex_error& e) {
    Fail("{}.pattern: invalid regular expression '{}': {}", where, r.pattern, e.what());
  }
  return r;
}

}  // namespace

void ApplyQuantizeYaml(const std::filesystem::path& file, QuantizeParams& p) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    Fail("{}: {}", file.string(), e.what());
  }
  if (!root.IsMap()) Fail("{}: expected a map of options", file.string());
  auto& q = p.quant;
  const std::map<std::string, std::function<void(const YAML::Node&, const std::string&)>> setters = {
      {"model", [&](auto& n, auto& w) { p.model = As<std::string>(n, w); }},
      {"calib", [&](auto& n, auto& w) { p.calib = As<std::string>(n, w); }},
      {"out", [&](auto& n, auto& w) { p.out = As<std::string>(n, w); }},
      {"format", [&](auto& n, auto& w) { p.format = As<std::string>(n, w); }},
      {"calib_mode", [&](auto& n, auto& w) { p.calib_mode = As<std::string>(n, w); }},
      {"nsamples", [&](auto& n, auto& w) { p.nsamples = As<int64_t>(n, w); }},
      {"seqlen", [&](auto& n, auto& w) { p.seqlen = As<int64_t>(n, w); }},
      {"method", [&](auto& n, auto& w) { q.method = As<std::string>(n, w); }},
      {"bits", [&](auto& n, auto& w) { q.scheme.bits = As<int>(n, w); }},
      {"group_size", [&](auto& n, auto& w) { q.scheme.group_size = As<int64_t>(n, w); }},
      {"sym", [&](auto& n, auto& w) { q.scheme.sym = As<bool>(n, w); }},
      {"act_order", [&](auto& n, auto& w) { q.scheme.act_order = As<bool>(n, w); }},
      {"static_groups", [&](auto& n, auto& w) { q.scheme.static_groups = As<bool>(n, w); }},
      {"damp", [&](auto& n, auto& w) { q.method_options.damp = As<double>(n, w); }},
      {"true_sequential", [&](auto& n, auto& w) { q.true_sequential = As<bool>(n, w); }},
      {"gptaq_alpha", [&](auto& n, auto& w) { q.method_options.gptaq_alpha = As<double>(n, w); }},
      {"offload_dir", [&](auto& n, auto& w) { q.offload_dir = As<std::string>(n, w); }},
      {"modules",
       [&](auto& n, auto& w) {
         if (!n.IsSequence()) Fail("{}: expected a list of module rules", w);
         for (size_t i = 0; i < n.size(); ++i) q.rules.push_back(ParseRule(n[i], fmt::format("{}[{}]", w, i)));
       }},
  };
  for (const auto& kv : root) {
    const std::string k = Key(kv.first.as<std::string>());
    auto it = setters.find(k);
    if (it == setters.end()) Fail("{}: unknown option '{}'", file.string(), k);
    it->second(kv.second, file.string() + ": " + k);
  }
}

}  // namespace faq::cli
