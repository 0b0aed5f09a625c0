// The environment torchrun (or any c10d launcher) gives each process: which rank it is,
// how many there are, and where rank 0's store listens. Torch-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace faq::dist {

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;  // the rank on this node: picks cuda:LOCAL_RANK
  std::string master_addr;
  uint16_t master_port = 0;
  // torchrun's agent already hosts the store (TORCHELASTIC_USE_AGENT_STORE=True): every
  // rank connects as a client instead of rank 0 serving it.
  bool agent_hosts_store = false;
};

// Reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. nullopt when none of them
// is set (a plain run: a world of one). Throws faq::Error naming the variable when some are
// set but others are missing or malformed (e.g. RANK outside [0, WORLD_SIZE)).
std::optional<LaunchEnv> ReadLaunchEnv();

}  // namespace faq::dist
