// Launching faq data-parallel in tests: the venv's torchrun (the launcher users run), a
// free loopback port, and ranks started by hand with torchrun's variables.
#pragma once

#include <string>
#include <vector>

#include "support/test_env.h"

namespace faq::testing {

// <venv>/bin/torchrun beside FAQ_PYTHON; empty when there is none.
std::string TorchrunPath();

// A TCP port on 127.0.0.1 nobody listens on right now.
int FreePort();

// `torchrun --no-python --nproc-per-node N --master-port P build/faq <args>`.
CommandResult RunFaqWithTorchrun(int nproc, const std::vector<std::string>& faq_args);

// The environment torchrun gives rank `rank` of `world` (MASTER_ADDR 127.0.0.1), as
// `env NAME=VALUE ...` in front of argv.
std::vector<std::string> WithRankEnv(int rank, int world, int port, const std::vector<std::string>& argv);

}  // namespace faq::testing
