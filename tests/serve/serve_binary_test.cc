// The real `faq serve` binary: the JSON line that says where it listens, requests, and a
// clean stop on SIGTERM with the --json summary as the last stdout line and the request count
// in the last log line.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "serve_fixture.h"
#include "support/test_env.h"

namespace faq::serve_test {
namespace {

using nlohmann::json;

TEST(ServeBinary, PrintsWhereItListensServesAndStopsOnSigterm) {
  int out[2], err[2];
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::pipe(err), 0);
  const std::string binary = testing::FaqBinary(), model = ModelDir().string();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
    ::execl(binary.c_str(), binary.c_str(), "serve", "--model", model.c_str(), "--port", "0", "--served-model-name",
            "family-elder", "--json", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  FILE* stdout_of_child = ::fdopen(out[0], "r");
  FILE* stderr_of_child = ::fdopen(err[0], "r");
  char line[4096];
  ASSERT_NE(std::fgets(line, sizeof line, stdout_of_child), nullptr) << "faq serve printed nothing";
  const json where = json::parse(line);
  const int port = where["port"];
  EXPECT_GT(port, 0);
  EXPECT_EQ(where["host"], "127.0.0.1");
  EXPECT_EQ(where["model"], "family-elder");
  EXPECT_EQ(where["base_url"], "http://127.0.0.1:" + std::to_string(port) + "/v1");

  EXPECT_EQ(Get(port, "/health").status, 200);
  auto chat = Post(port, "/v1/chat/completions",
                   {{"model", "family-elder"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"max_tokens", 3}});
  EXPECT_EQ(chat.status, 200) << chat.raw;
  EXPECT_EQ(chat.body["usage"]["completion_tokens"], 3);
  EXPECT_EQ(Post(port, "/v1/completions", {{"prompt", "x"}, {"model", "other"}}).status, 404);
  auto text = Post(port, "/v1/completions", {{"prompt", "x"}, {"max_tokens", 2}});
  EXPECT_EQ(text.status, 200) << text.raw;

  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::string rest;
  while (std::fgets(line, sizeof line, stdout_of_child) != nullptr) rest += line;
  std::fclose(stdout_of_child);
  std::string log;
  while (std::fgets(line, sizeof line, stderr_of_child) != nullptr) log += line;
  std::fclose(stderr_of_child);
  const json summary = json::parse(testing::LastLine(rest));
  EXPECT_EQ(summary["requests"], 2);
  EXPECT_EQ(summary["failed_requests"], 1);
  EXPECT_EQ(summary["completion_tokens"], 5);
  // Three requests reached the API (health checks are not counted): two answered, one refused.
  EXPECT_NE(testing::LastLine(log).find("served 3 requests (1 failed), "), std::string::npos) << log;
}

TEST(ServeBinary, MissingModelIsARuntimeErrorAndBadPortAUsageError) {
  testing::TempDir dir;
  auto r = testing::Run({testing::FaqBinary(), "serve", "--model", (dir / "missing").string(), "--port", "0"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  EXPECT_EQ(testing::Run({testing::FaqBinary(), "serve", "--model", "x", "--port", "70000"}).exit_code, 2);
}

}  // namespace
}  // namespace faq::serve_test
