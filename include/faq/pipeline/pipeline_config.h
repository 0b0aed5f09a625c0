// The YAML of `faq pipeline`: which models, seeds and servers, and each stage's options.
// A stage section's keys are that subcommand's long options (`max_tokens` or `max-tokens`
// → `--max-tokens`), so every option of `faq regenerate`, `faq judge`, `faq assemble`,
// `faq quantize` and `faq eval ppl` is available without the pipeline knowing it.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "faq/util/option_spec.h"

namespace faq {

// The stages, in order; --from/--until take these names.
const std::vector<std::string>& PipelineStages();

struct ServerSpec {
  std::string name;          // referenced as `endpoint: serve:<name>`; also the served model name
  std::string model;         // model directory
  nlohmann::json options;    // other `faq serve` options (max_batch...)
};

struct QuantizeRun {
  std::string name;          // e.g. gptq-w4
  nlohmann::json options;    // `faq quantize` options, over the section's common `options`
  std::vector<std::string> flags;  // the same as checked `faq quantize` arguments
};

struct PipelineConfig {
  std::filesystem::path file;     // where it was read from (for messages)
  std::string run_dir;
  std::string target;             // the model to quantize (its tokenizer renders the FAQ set)
  std::string seeds;              // JSONL: id, query and optionally answer (the raw-seed baseline)
  std::vector<ServerSpec> servers;
  nlohmann::json regenerate = nlohmann::json::object();
  nlohmann::json judge = nlohmann::json::object();
  nlohmann::json assemble = nlohmann::json::object();
  // quantize: `calibrations` (subset of base, faq), `options`, `runs`.
  std::vector<std::string> calibrations{"base", "faq"};
  std::vector<QuantizeRun> quantize_runs;
  // eval: named held-out sets and `faq eval ppl` options.
  std::map<std::string, std::string> eval_data;
  nlohmann::json eval_options = nlohmann::json::object();
};

// Reads the YAML, applies `overrides` ("regenerate.n=5", "judge.no_judge=true": a dotted
// path into the document and a YAML scalar) and validates. Errors name the file and key.
// Each quantize run's options are checked against `quantize_options` (faq quantize's
// option table): an unknown key or a bad value is an error now, not when the step runs,
// and a `false` becomes the option's negating flag.
PipelineConfig LoadPipelineConfig(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                                  std::span<const OptionSpec> quantize_options);

// Command-line flags from a stage section: true → `--key`, false/null → nothing,
// lists → comma-joined values, anything else → `--key value`.
std::vector<std::string> OptionsToFlags(const nlohmann::json& options);

}  // namespace faq
