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

// One long option of a stage's command as the faq binary's parser declares it: what a
// section key may name and how a boolean reaches the command.
struct CommandOption {
  std::string flag;         // "max-tokens", without "--"
  bool takes_value = true;  // false: a switch, given true or false
  std::string negation;     // a switch's declared "off" flag ("no-x"), or ""
};

// The command a config section configures, as the faq binary declares it.
struct StageCommand {
  std::string name;                     // "faq eval ppl", for messages
  std::vector<CommandOption> options;
  std::vector<std::string> set_by_pipeline;  // flags the steps give it themselves (filled at load)
};

// By section name: "regenerate", "judge", "assemble", "eval" (faq eval ppl) and
// "servers" (faq serve).
using StageCommands = std::map<std::string, StageCommand>;

struct ServerSpec {
  std::string name;          // referenced as `endpoint: serve:<name>`; also the served model name
  std::string model;         // model directory
  nlohmann::json options;    // other `faq serve` options (max_batch...)
};

struct QuantizeRun {
  std::string name;          // e.g. gptq-w4
  nlohmann::json options;    // `faq quantize` options, over the section's common `options`
  std::vector<std::string> flags;  // the same as checked `faq quantize` arguments
  // Per calibration set: `flags` with that set's own options over the run's (a text file's
  // `calib_mode: concat`, say).
  std::map<std::string, std::vector<std::string>> flags_by_calibration;
  int nproc = 1;             // `nproc: N`: run data-parallel under torchrun with N processes
};

// A calibration set given as a file (`{name: wikitext2, file: wiki.txt, options: {...}}` in
// quantize.calibrations) rather than built by the pipeline (`base`, `faq`).
struct CalibrationFile {
  std::string file;
  nlohmann::json options = nlohmann::json::object();  // `faq quantize` options for runs on this set
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
  // quantize: `calibrations` (base, faq, and sets given as files), `options`, `runs`.
  std::vector<std::string> calibrations{"base", "faq"};
  std::map<std::string, CalibrationFile> calibration_files;  // by name, the sets given as files
  std::vector<QuantizeRun> quantize_runs;
  // eval: named held-out sets and `faq eval ppl` options.
  std::map<std::string, std::string> eval_data;
  nlohmann::json eval_options = nlohmann::json::object();
  int eval_nproc = 1;             // eval's `nproc: N` (torchrun)
  StageCommands commands;         // what the sections were checked against
};

// Reads the YAML, applies `overrides` ("regenerate.n=5", "judge.no_judge=true": a dotted
// path into the document and a YAML scalar) and validates. Errors name the file and key.
// Each quantize run's options are checked against `quantize_options` (faq quantize's
// option table), every other section against `commands`: a bad key or value is an error
// now, not when the step runs.
PipelineConfig LoadPipelineConfig(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                                  std::span<const OptionSpec> quantize_options, const StageCommands& commands);

// Command-line flags from a stage section, by the command's declared options: a switch's
// true → `--key`, false → its declared negation, else `--key=false` (so a `false` is
// never lost); null → nothing; lists → comma-joined values; anything else → `--key value`.
// An Error naming `where`.key: a key that is not an option of the command, or one the
// pipeline gives the command itself (`--out`...); a `true` or `false` for an option that
// takes a value, or another value for a switch.
std::vector<std::string> OptionsToFlags(const nlohmann::json& options, const StageCommand& command,
                                        const std::string& where);

}  // namespace faq
