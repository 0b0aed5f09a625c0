// A rank killed in the middle of a data-parallel faq quantize: the survivor exits non-zero
// within its --dist-timeout, naming the rank that did not answer, and leaves no checkpoint.
// The ranks are started by hand with torchrun's variables, since torchrun itself would stop
// the survivors the moment one rank dies.
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <thread>

#include "faq/util/atomic_file.h"
#include "faq/util/subprocess.h"
#include "support/test_env.h"
#include "torchrun.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> QuantizeArgv(const fs::path& out) {
  const fs::path models = testing::SharedDir() / "models";
  return {testing::FaqBinary(), "quantize", "--model", (models / "llama2xs-hf").string(), "--calib",
          (models / "llama2xs_calib.jsonl").string(), "--nsamples", "128", "--seqlen", "256", "--method", "gptaq",
          "--bits", "3", "--group-size", "32", "--true-sequential", "--out", out.string(), "--dist-timeout", "20"};
}

std::string Quoted(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) line += "'" + a + "' ";
  return line;
}

TEST(DistFailure, SurvivorNamesTheKilledRankAndWritesNoCheckpoint) {
  testing::TempDir tmp;
  const fs::path out = tmp / "out";
  const fs::path victim_log = tmp / "rank1.log";
  const int port = testing::FreePort();
  // Rank 0 runs to its end (bounded by `timeout`, so a hang fails the test instead of it).
  auto survivor = std::async(std::launch::async, [&] {
    std::vector<std::string> argv = {"/usr/bin/timeout", "180"};
    for (const auto& a : testing::WithRankEnv(0, 2, port, QuantizeArgv(out))) argv.push_back(a);
    return testing::Run(argv);
  });
  ChildProcess victim({"/bin/sh", "-c",
                       "exec " + Quoted(testing::WithRankEnv(1, 2, port, QuantizeArgv(out))) + " 2> '" +
                           victim_log.string() + "'"});
  // Killed once it has joined and started on the calibration data: mid-run for rank 0.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!(fs::exists(victim_log) && ReadFile(victim_log).find("calibration") != std::string::npos)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "rank 1 never started";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(victim.pid(), SIGKILL);
  victim.Terminate();

  const testing::CommandResult r = survivor.get();
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.exit_code, 124) << "rank 0 hung past its --dist-timeout: " << r.err;
  EXPECT_NE(r.err.find("rank 1 did not answer"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out / "model.safetensors")) << "a checkpoint was left behind";
  EXPECT_FALSE(fs::exists(out / "quant_report.json"));
}

}  // namespace
}  // namespace faq
