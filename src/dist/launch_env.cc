// ReadLaunchEnv: torchrun's variables, checked together.
#include "faq/dist/launch_env.h"

#include <array>
#include <charconv>
#include <cstdlib>
#include <string_view>

#include "faq/util/error.h"

namespace faq::dist {
namespace {

constexpr std::array<const char*, 5> kVariables = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"};

std::string Required(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    Fail("{} is not set, but other torchrun variables are ({}): set all of RANK, WORLD_SIZE, LOCAL_RANK, "
         "MASTER_ADDR and MASTER_PORT, or none for a single process",
         name, "launch with `torchrun --no-python ... faq ...`");
  }
  return value;
}

int64_t Integer(const char* name, int64_t min, int64_t max) {
  const std::string text = Required(name);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    Fail("{}='{}': expected an integer in [{}, {}]", name, text, min, max);
  }
  return value;
}

}  // namespace

std::optional<LaunchEnv> ReadLaunchEnv() {
  bool any = false;
  for (const char* name : kVariables) any = any || std::getenv(name) != nullptr;
  if (!any) return std::nullopt;
  LaunchEnv env;
  env.world_size = static_cast<int>(Integer("WORLD_SIZE", 1, 1 << 20));
  env.rank = static_cast<int>(Integer("RANK", 0, env.world_size - 1));
  env.local_rank = static_cast<int>(Integer("LOCAL_RANK", 0, env.world_size - 1));
  env.master_addr = Required("MASTER_ADDR");
  env.master_port = static_cast<uint16_t>(Integer("MASTER_PORT", 1, 65535));
  const char* agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  env.agent_hosts_store = agent != nullptr && std::string_view(agent) == "True";
  return env;
}

}  // namespace faq::dist
