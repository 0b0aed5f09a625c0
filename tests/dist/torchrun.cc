// TorchrunPath / FreePort / RunFaqWithTorchrun / WithRankEnv.
#include "torchrun.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

namespace faq::testing {

std::string TorchrunPath() {
  const std::string python = PythonPath();
  if (python.empty()) return {};
  const std::filesystem::path torchrun = std::filesystem::path(python).parent_path() / "torchrun";
  return std::filesystem::exists(torchrun) ? torchrun.string() : std::string();
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw Error("could not bind a loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

CommandResult RunFaqWithTorchrun(int nproc, const std::vector<std::string>& faq_args) {
  std::vector<std::string> argv = {TorchrunPath(), "--no-python", "--nproc-per-node", std::to_string(nproc),
                                   "--master-port", std::to_string(FreePort()), FaqBinary()};
  argv.insert(argv.end(), faq_args.begin(), faq_args.end());
  return Run(argv);
}

std::vector<std::string> WithRankEnv(int rank, int world, int port, const std::vector<std::string>& argv) {
  std::vector<std::string> full = {"/usr/bin/env",
                                   "RANK=" + std::to_string(rank),
                                   "LOCAL_RANK=" + std::to_string(rank),
                                   "WORLD_SIZE=" + std::to_string(world),
                                   "MASTER_ADDR=127.0.0.1",
                                   "MASTER_PORT=" + std::to_string(port)};
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

}  // namespace faq::testing
