// The OpenAI client's own overhead: requests/s and client CPU per request against a trivial
// loopback server that returns a canned chat completion. The server runs in a forked child
// so that this process's CPU time is the client's alone.
//   client_bench [requests=20000] [concurrency=64]
#include <httplib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>

#include "faq/client/chat_client.h"
#include "faq/client/worker_pool.h"

namespace {

const char* kCanned =
    R"({"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"The answer is 4.","reasoning_content":"2 + 2 = 4."},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":20,"completion_tokens":12,"total_tokens":32}})";

// Runs the server in a child; returns its port through a pipe.
int StartServer(pid_t* child) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  *child = ::fork();
  if (*child == 0) {
    ::close(fds[0]);
    httplib::Server server;
    server.new_task_queue = [] { return new httplib::ThreadPool(80); };
    server.set_keep_alive_max_count(1 << 30);
    server.set_tcp_nodelay(true);  // as API servers do: no Nagle delay on small responses
    server.Post("/v1/chat/completions",
                [](const httplib::Request&, httplib::Response& res) { res.set_content(kCanned, "application/json"); });
    int port = server.bind_to_any_port("127.0.0.1");
    if (::write(fds[1], &port, sizeof port) != sizeof port) std::_Exit(1);
    ::close(fds[1]);
    server.listen_after_bind();
    std::_Exit(0);
  }
  ::close(fds[1]);
  int port = -1;
  if (::read(fds[0], &port, sizeof port) != sizeof port) port = -1;
  ::close(fds[0]);
  return port;
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  size_t requests = argc > 1 ? std::stoul(argv[1]) : 20000;
  int concurrency = argc > 2 ? std::stoi(argv[2]) : 64;
  pid_t child = 0;
  int port = StartServer(&child);
  if (port <= 0) {
    std::fprintf(stderr, "client_bench: cannot start the loopback server\n");
    return 1;
  }
  faq::ChatClientOptions options;
  options.endpoints = {"http://127.0.0.1:" + std::to_string(port) + "/v1"};
  options.timeout_seconds = 30;
  options.retry.base_seconds = 0.01;
  faq::ChatClient client(options);
  const nlohmann::json request = {{"model", "m"},
                                  {"messages", {{{"role", "user"}, {"content", "What is 2 + 2?"}}}},
                                  {"max_tokens", 64}};
  // Warm-up: open the connections.
  faq::RunConcurrently(concurrency, static_cast<size_t>(concurrency) * 2, [&](size_t) { client.Complete(request); });

  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  faq::RunConcurrently(concurrency, requests, [&](size_t) { client.Complete(request); });
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;

  ::kill(child, SIGTERM);
  ::waitpid(child, nullptr, 0);
  std::printf("client_bench: %zu requests at concurrency %d against a canned loopback server\n", requests, concurrency);
  std::printf("  wall           %.3f s\n", wall);
  std::printf("  requests/s     %.0f\n", requests / wall);
  std::printf("  client CPU     %.3f s (%.1f us per request, user+sys, all client threads)\n", cpu, cpu / requests * 1e6);
  return 0;
}
