// The command-line and YAML faces of faq quantize's option table (faq/quant/quantize_options.h).
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "faq/quant/quantize_options.h"

namespace faq::cli {

// Adds one CLI11 option per table row to `cmd` (booleans as --flag / --negation) and
// returns a reader of what was given.
class QuantizeFlags {
 public:
  explicit QuantizeFlags(CLI::App* cmd);
  // Writes every given flag into `p` (parsed and checked as declared; UsageError naming the
  // flag) and adds its YAML key to `given`.
  void Apply(QuantizeParams& p, std::set<std::string>& given) const;

 private:
  struct Slot {
    const QuantizeOption* option;
    CLI::Option* cli;
    std::string text;
    bool flag = false;
    bool on = false;  // a boolean flag's value
  };
  std::vector<std::unique_ptr<Slot>> slots_;
};

// Reads a YAML config into `p`: a map of table keys ('-' or '_') plus `modules`, a list of
// {pattern, skip, bits, group_size, sym}. Unknown keys and bad values are faq::Errors
// naming the file and the key; given keys are added to `given`.
void ApplyQuantizeYaml(const std::filesystem::path& file, QuantizeParams& p, std::set<std::string>& given);

}  // namespace faq::cli
