// libFuzzer target: the input is a `faq pipeline --config` YAML file. Loading it must give a
// PipelineConfig or faq::Error (never a YAML or JSON library exception), and an accepted
// config must hold what the runner relies on: a target and seeds, named quantize runs with
// checked flags, and every stage section turning into command-line flags.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "faq/pipeline/pipeline_config.h"
#include "faq/util/error.h"
#include "fuzz_input_file.h"

namespace {

std::string Bits(const faq::OptionValue& v) {
  const int64_t b = std::get<int64_t>(v);
  return b == 2 || b == 3 || b == 4 || b == 8 ? "" : "2, 3, 4 or 8";
}
std::string Positive(const faq::OptionValue& v) { return std::get<int64_t>(v) > 0 ? "" : "a positive integer"; }
std::string Fraction(const faq::OptionValue& v) {
  const double d = std::get<double>(v);
  return d >= 0 && d <= 1 ? "" : "a number in [0, 1]";
}

// A part of faq quantize's option table with each kind of row (the whole table links LibTorch):
// checked ints, a float, booleans with and without a named negation, free strings.
const std::vector<faq::OptionSpec>& QuantizeSpecs() {
  using T = faq::OptionType;
  static const std::vector<faq::OptionSpec> specs{
      {"method", T::kString, std::string("gptq"), "method"},
      {"bits", T::kInt, int64_t{4}, "bits", &Bits},
      {"group-size", T::kInt, int64_t{128}, "group size"},
      {"sym", T::kBool, true, "symmetric", nullptr, "asym"},
      {"act-order", T::kBool, false, "act order"},
      {"nsamples", T::kInt, int64_t{256}, "samples", &Positive},
      {"seqlen", T::kInt, int64_t{2048}, "tokens", &Positive},
      {"calib-mode", T::kString, std::string("concat"), "mode"},
      {"damp-percent", T::kFloat, 0.01, "dampening", &Fraction},
  };
  return specs;
}

// The other stages' commands, each with a value option, a switch and a switch with a
// declared negation (the real tables come from the faq binary's parser, which links LibTorch).
const faq::StageCommands& Commands() {
  static const faq::StageCommands commands = [] {
    faq::StageCommands c;
    for (const char* section : {"regenerate", "judge", "assemble", "eval", "servers"}) {
      c[section] = {std::string("faq ") + section,
                    {{"max-tokens", true, ""}, {"no-judge", false, ""}, {"stream", false, "no-stream"},
                     {"endpoint", true, ""}, {"data", true, ""}, {"n", true, ""}}};
    }
    return c;
  }();
  return commands;
}

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "accepted a pipeline config that breaks: %s\n", what);
    std::abort();
  }
}

void CheckAccepted(const faq::PipelineConfig& c) {
  Require(!c.target.empty() && !c.seeds.empty(), "a target and seeds");
  for (const auto& run : c.quantize_runs) {
    Require(!run.name.empty(), "named quantize runs");
    for (const auto& flag : run.flags) (void)flag.size();
  }
  for (const auto& s : c.servers) (void)faq::OptionsToFlags(s.options, c.commands.at("servers"), "servers");
  for (const auto& [section, options] : {std::pair<const char*, const nlohmann::json*>{"regenerate", &c.regenerate},
                                         {"judge", &c.judge}, {"assemble", &c.assemble}, {"eval", &c.eval_options}}) {
    (void)faq::OptionsToFlags(*options, c.commands.at(section), section);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = faq::fuzz::WriteFuzzInput("pipeline-yaml", ".yaml", data, size);
  try {
    CheckAccepted(faq::LoadPipelineConfig(path, {}, QuantizeSpecs(), Commands()));
  } catch (const faq::Error&) {
    // A malformed config is reported naming the file and key, by design.
  }
  return 0;
}
