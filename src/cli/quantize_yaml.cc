// ApplyQuantizeYaml: the YAML form of faq quantize's option table.
#include <yaml-cpp/yaml.h>

#include <regex>

#include "cli/quantize_flags.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

// A map key as an option name ('-' or '_'). A key that is a list or a map is an error naming the
// place, not yaml-cpp's bare "bad conversion".
std::string Key(const YAML::Node& key, const std::string& where) {
  if (!key.IsScalar()) Fail("{}: expected an option name as key, got '{}'", where, YAML::Dump(key));
  return YamlKey(key.Scalar());
}

// One YAML scalar as the option's value, or a faq::Error naming the file and key.
OptionValue ReadValue(const OptionSpec& spec, const YAML::Node& n, const std::string& where) {
  try {
    if (!n.IsScalar()) throw UsageError(fmt::format("{}: expected a single value, got '{}'", where, YAML::Dump(n)));
    if (spec.type == OptionType::kBool) {
      bool b = false;
      if (!YAML::convert<bool>::decode(n, b)) throw UsageError(fmt::format("{}: expected true or false, got '{}'", where, n.Scalar()));
      return CheckOptionValue(spec, b, where);
    }
    return ParseOptionText(spec, n.Scalar(), where);
  } catch (const UsageError& e) {
    throw Error(e.what());  // a bad file, not a bad command line
  }
}

ModuleRule ParseRule(const YAML::Node& n, const std::string& where) {
  if (!n.IsMap()) Fail("{}: each entry of 'modules' must be a map with 'pattern'", where);
  ModuleRule r;
  for (const auto& kv : n) {
    const std::string k = Key(kv.first, where);
    const std::string at = where + "." + k;
    auto value = [&](const char* flag) { return ReadValue(FindQuantizeOption(flag)->spec, kv.second, at); };
    if (k == "pattern") {
      r.pattern = kv.second.IsScalar() ? kv.second.Scalar() : "";
    } else if (k == "skip") {
      bool b = false;
      if (!kv.second.IsScalar() || !YAML::convert<bool>::decode(kv.second, b)) Fail("{}: expected true or false", at);
      r.skip = b;
    } else if (k == "bits") {
      r.bits = static_cast<int>(std::get<int64_t>(value("bits")));
    } else if (k == "group_size") {
      r.group_size = std::get<int64_t>(value("group-size"));
    } else if (k == "sym") {
      r.sym = std::get<bool>(value("sym"));
    } else {
      Fail("{}: unknown key '{}' (expected pattern, skip, bits, group_size, sym)", where, k);
    }
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

void ApplyQuantizeYaml(const std::filesystem::path& file, QuantizeParams& p, std::set<std::string>& given) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    Fail("{}: {}", file.string(), e.what());
  }
  if (!root.IsMap()) Fail("{}: expected a map of options", file.string());
  for (const auto& kv : root) {
    const std::string k = Key(kv.first, file.string());
    const std::string where = file.string() + ": " + k;
    if (k == "modules") {
      if (!kv.second.IsSequence()) Fail("{}: expected a list of module rules", where);
      for (size_t i = 0; i < kv.second.size(); ++i) {
        p.quant.rules.push_back(ParseRule(kv.second[i], fmt::format("{}[{}]", where, i)));
      }
      continue;
    }
    const QuantizeOption* option = FindQuantizeOption(k);
    if (option == nullptr) Fail("{}: unknown option '{}' (`faq quantize --help` lists them)", file.string(), k);
    SetOption(p, *option, ReadValue(option->spec, kv.second, where));
    given.insert(k);
  }
}

}  // namespace faq::cli
