// Everything `faq quantize` takes (QuantizeParams) and the one table that declares each
// option: the command line, `--config` YAML, `--help`, the pipeline's quantize sections and
// the exported quantization_config all read it. General options come first, then every
// registered method's own (declared in its method file, listed in its registry row).
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "faq/quant/model_quantizer.h"
#include "faq/util/option_spec.h"

namespace faq {

struct QuantizeParams {
  std::string model;
  std::string calib;
  std::string out;
  std::string format = "gptq";        // gptq | awq | spqr | fake
  std::string calib_mode = "concat";  // concat | per-record
  int64_t calib_skip = 0;             // concat: tokens skipped before the first window
  int64_t nsamples = 256;
  int64_t seqlen = 2048;
  int64_t max_memory_mb = 0;          // 0 = 90% of available memory
  std::string device = "cpu";         // cpu | cuda | cuda:N | auto
  std::string dtype = "auto";         // forward passes: auto (the checkpoint's) | fp32 | bf16 | fp16
  std::string activation_dtype = "compute";  // hidden states between layers: compute (as dtype) | fp32 | bf16 | fp16
  bool resume = true;                 // record finished layers in a work directory; continue from it
  std::string work_dir;               // empty: <out>.faq-work
  ModelQuantizerOptions quant;
};

struct QuantizeOption {
  OptionSpec spec;
  // The methods that read it (registered names); empty for a general option.
  std::vector<std::string> methods;
  void (*set)(QuantizeParams&, const OptionValue&) = nullptr;  // null: a method option
  OptionValue (*get)(const QuantizeParams&) = nullptr;
};

// Every option, general first, each flag once.
const std::vector<QuantizeOption>& QuantizeOptions();
// The declarations alone, in table order (for layers that only check and forward options,
// such as the pipeline).
std::vector<OptionSpec> QuantizeOptionSpecs();
// The option with this flag ("group-size") or YAML key ("group_size"); null if none.
const QuantizeOption* FindQuantizeOption(std::string_view flag_or_key);

void SetOption(QuantizeParams& p, const QuantizeOption& option, const OptionValue& value);
OptionValue GetOption(const QuantizeParams& p, const QuantizeOption& option);

// Checks the options a user gave (by YAML key) against the run's method: a method option
// that no part of `p.quant.method` reads is a usage error naming the methods that do.
void CheckOptionsApply(const QuantizeParams& p, const std::set<std::string>& given);

// The quantization_config extras of a run: the method and every option with a
// quant_config_key that the method reads (general ones always).
nlohmann::json QuantConfigExtras(const QuantizeParams& p);

// Checks a module rule's overrides with the same declarations as the flags (`where` names
// the rule in the message).
void CheckModuleRule(const ModuleRule& rule, std::string_view where);

}  // namespace faq
