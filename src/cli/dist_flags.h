// --backend and --dist-timeout for the commands that run data-parallel under torchrun
// (faq quantize, faq eval ppl), and joining the process group they describe.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "faq/dist/communicator.h"
#include "faq/model/device.h"

namespace faq::cli {

struct DistParams {
  std::string backend;       // empty: by --device
  int64_t timeout_s = 600;   // --dist-timeout
  CLI::Option* backend_option = nullptr;
  CLI::Option* timeout_option = nullptr;
};

void AddDistFlags(CLI::App* cmd, DistParams& params);

// The process group torchrun's variables describe, or a world of one without them.
// Throws faq::UsageError when --backend or --dist-timeout is given outside torchrun.
dist::Communicator JoinProcessGroup(const DistParams& params, bool cuda);

// --device for this rank: under torchrun, "cuda" and "auto" mean cuda:LOCAL_RANK (one GPU
// per rank); an explicit cuda:N is kept.
c10::Device ResolveRankDevice(const std::string& spec);

}  // namespace faq::cli
