// `faq pipeline`: regenerate → judge → assemble → quantize → eval, each step run as the
// `faq` subcommand a user would type, its output kept in the run directory and skipped on
// a re-run when its command line and inputs are unchanged (run_manifest.h). Servers named
// in the config (`endpoint: serve:<name>`) are `faq serve` children started on free
// loopback ports when a step needs them.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "faq/pipeline/pipeline_config.h"
#include "faq/pipeline/results_table.h"

namespace faq {

struct PipelineOptions {
  std::string from;   // first stage to run ("" = regenerate)
  std::string until;  // last stage to run ("" = eval)
  std::string faq_binary;  // the executable for the stages (default: this one)
  // torchrun, for steps that declare `nproc` above 1; empty when none was found (such a
  // step is then refused before any step runs). `torchrun_searched` says where it was looked for.
  std::string torchrun;
  std::string torchrun_searched;
  // Plan only: which steps would run and which are kept, nothing started or written.
  bool dry_run = false;
};

// Runs the configured pipeline; returns the results (eval table and per-step summaries)
// also written to <run_dir>/results.json and results.md. A table cell whose step is not
// current (other options or inputs since it ran, as after --from/--until) reads "stale".
// With `dry_run`, returns {"run_dir", "plan": [{step, action: run|keep|skip, argv}]} instead.
nlohmann::json RunPipeline(const PipelineConfig& config, const PipelineOptions& options);

}  // namespace faq
