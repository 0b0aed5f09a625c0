// libFuzzer target (links LibTorch: built with -DFAQ_FUZZ_TORCH=ON): the input is a
// `faq quantize --config` YAML file, read and checked the way the command does before any
// work: options from the table, module rules, the method built from its options, options
// checked against the method, and the rules applied to the bundled tiny Qwen3's linears.
// Every failure must be a faq::Error (UsageError included), never a YAML library exception.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include <fmt/format.h>

#include "cli/quantize_flags.h"
#include "faq/model/model_config.h"
#include "faq/quant/method.h"
#include "faq/quant/quantize_options.h"
#include "faq/util/error.h"
#include "fuzz_input_file.h"
#include "quant/layer_plan.h"

#ifndef FAQ_SOURCE_DIR
#define FAQ_SOURCE_DIR "."
#endif

namespace {

const faq::ModelConfig& TinyQwen3() {
  static const faq::ModelConfig config = faq::LoadModelConfig(std::string(FAQ_SOURCE_DIR) + "/models/tiny-qwen3-target");
  return config;
}

void CheckAsTheCommandDoes(const faq::QuantizeParams& p, const std::set<std::string>& given) {
  (void)faq::MakeQuantMethod(p.quant.method, p.quant.method_options);
  faq::CheckOptionsApply(p, given);
  for (size_t i = 0; i < p.quant.rules.size(); ++i) faq::CheckModuleRule(p.quant.rules[i], fmt::format("modules[{}]", i));
  (void)faq::QuantConfigExtras(p);
  const faq::SchemeRules rules(p.quant);
  faq::CheckGroupWidths(TinyQwen3(), rules);
  const faq::LayerPlan plan = faq::PlanLayer(TinyQwen3(), 0, rules, p.quant.true_sequential);
  if (plan.NumLinears() <= 0) {
    std::fprintf(stderr, "the rules left layer 0 with no linears\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = faq::fuzz::WriteFuzzInput("quantize-yaml", ".yaml", data, size);
  try {
    faq::QuantizeParams p;
    std::set<std::string> given;
    faq::cli::ApplyQuantizeYaml(path, p, given);
    CheckAsTheCommandDoes(p, given);
  } catch (const faq::Error&) {
    // A malformed config or an option that does not apply is reported, by design.
  }
  return 0;
}
