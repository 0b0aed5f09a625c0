// Resumable faq quantize on the trained llama2xs: killed with SIGKILL at random layers three
// times in a row, then finished, it writes the same bytes as an uninterrupted run; changed
// inputs start over and say why; a work directory in use is refused.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <random>
#include <sstream>
#include <thread>

#include "faq/util/atomic_file.h"
#include "faq/util/subprocess.h"
#include "support/test_env.h"

namespace faq {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kLayers = 5;  // llama2xs

class QuantizeResume : public ::testing::Test {
 protected:
  // A fixed thread count: byte-identical sums need the same split of work.
  std::vector<std::string> Argv(const fs::path& out, std::vector<std::string> extra) const {
    const fs::path shared = testing::SharedDir() / "models";
    std::vector<std::string> argv = {testing::FaqBinary(), "--threads", "2", "quantize",
                                     "--model", (shared / "llama2xs-hf").string(), "--calib", calib_.string(),
                                     "--nsamples", "64", "--seqlen", "256", "--method", "gptaq", "--bits", bits_,
                                     "--group-size", "32", "--true-sequential", "--out", out.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // Layers the work directory counts as done (0 when it has no manifest yet).
  static int64_t LayersDone(const fs::path& work) {
    const fs::path manifest = work / "manifest.json";
    if (!fs::exists(manifest)) return 0;
    return nlohmann::json::parse(ReadFile(manifest)).at("layers_done").get<int64_t>();
  }

  // Starts a run and kills it with SIGKILL `delay` after its journal reaches `layers` done
  // layers; returns how many it had done when it died.
  int64_t RunAndKill(const fs::path& out, int64_t layers, std::chrono::milliseconds delay) {
    const fs::path work = out.string() + ".faq-work";
    ChildProcess child(Argv(out, {}));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (LayersDone(work) < layers) {
      if (std::chrono::steady_clock::now() > deadline) ADD_FAILURE() << "no progress to layer " << layers;
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(delay);
    ::kill(child.pid(), SIGKILL);
    child.Terminate();
    return LayersDone(work);
  }

  fs::path calib_ = testing::SharedDir() / "models" / "llama2xs_calib.jsonl";
  std::string bits_ = "3";
  testing::TempDir dir_;
};

// Every file of `a` equals `b`'s; quant_report.json up to its timings.
void ExpectSameCheckpoint(const fs::path& a, const fs::path& b) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(a)) names.push_back(e.path().filename().string());
  std::vector<std::string> other;
  for (const auto& e : fs::directory_iterator(b)) other.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::sort(other.begin(), other.end());
  ASSERT_EQ(names, other);
  for (const auto& name : names) {
    if (name != "quant_report.json") {
      EXPECT_TRUE(ReadFile(a / name) == ReadFile(b / name)) << name << " differs";
      continue;
    }
    auto ra = nlohmann::json::parse(ReadFile(a / name)), rb = nlohmann::json::parse(ReadFile(b / name));
    for (auto* r : {&ra, &rb}) {
      for (auto& row : *r) row.erase("seconds");
    }
    EXPECT_EQ(ra, rb);
  }
}

TEST_F(QuantizeResume, KilledThreeTimesThenFinishedWritesTheSameBytes) {
  const fs::path ref = dir_ / "ref", out = dir_ / "out";
  auto uninterrupted = testing::Run(Argv(ref, {"--no-resume"}));
  ASSERT_EQ(uninterrupted.exit_code, 0) << uninterrupted.err;
  EXPECT_FALSE(fs::exists(ref.string() + ".faq-work"));

  // Three kills at increasing random layers (and a random moment after the layer's record).
  std::mt19937 rng(std::random_device{}());
  std::vector<int64_t> targets = {1, 2, 3, 4};
  std::shuffle(targets.begin(), targets.end(), rng);
  targets.resize(3);
  std::sort(targets.begin(), targets.end());
  int64_t done = 0;
  for (int64_t target : targets) {
    const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 40)(rng));
    const int64_t reached = RunAndKill(out, target, delay);
    SCOPED_TRACE(::testing::Message() << "killed after layer " << target << " + " << delay.count() << " ms");
    EXPECT_GE(reached, target);
    EXPECT_GE(reached, done);  // a resumed run never loses recorded layers
    done = reached;
    ASSERT_FALSE(fs::exists(out / "config.json")) << "the run finished before it was killed";
  }
  auto finished = testing::Run(Argv(out, {}));
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  EXPECT_NE(finished.err.find("resuming from"), std::string::npos) << finished.err;
  EXPECT_FALSE(fs::exists(out.string() + ".faq-work")) << "the work directory outlived the checkpoint";
  ExpectSameCheckpoint(out, ref);
}

TEST_F(QuantizeResume, ChangedOptionOrCalibrationStartsOverAndSaysWhy) {
  const fs::path out = dir_ / "out";
  ASSERT_GE(RunAndKill(out, 2, std::chrono::milliseconds(0)), 2);
  bits_ = "4";
  auto other_bits = testing::Run(Argv(out, {}));
  ASSERT_EQ(other_bits.exit_code, 0) << other_bits.err;
  EXPECT_NE(other_bits.err.find("starting over"), std::string::npos) << other_bits.err;
  EXPECT_NE(other_bits.err.find("options.bits: 3 → 4"), std::string::npos) << other_bits.err;
  EXPECT_EQ(other_bits.err.find("resuming from"), std::string::npos) << other_bits.err;

  // The same options on a calibration file with other contents.
  bits_ = "3";
  fs::remove_all(out);
  ASSERT_GE(RunAndKill(out, 1, std::chrono::milliseconds(0)), 1);
  const std::string text = ReadFile(calib_);
  calib_ = dir_ / "calib-reversed.jsonl";
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.insert(lines.begin(), line);
  std::string reversed;
  for (const auto& line : lines) reversed += line + "\n";
  WriteFileAtomic(calib_, reversed);
  auto other_calib = testing::Run(Argv(out, {}));
  ASSERT_EQ(other_calib.exit_code, 0) << other_calib.err;
  EXPECT_NE(other_calib.err.find("calibration:"), std::string::npos) << other_calib.err;
  EXPECT_NE(other_calib.err.find("starting over"), std::string::npos) << other_calib.err;
}

TEST_F(QuantizeResume, WorkDirectoryInUseIsRefused) {
  const fs::path out = dir_ / "out", work = dir_ / "elsewhere";
  fs::create_directories(work);
  const int fd = ::open((work / "lock").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  auto busy = testing::Run(Argv(out, {"--work-dir", work.string()}));
  ::close(fd);
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(busy.err.find("is in use by another faq quantize"), std::string::npos) << busy.err;
  EXPECT_FALSE(fs::exists(out));

  auto usage = testing::Run(Argv(out, {"--no-resume", "--work-dir", work.string()}));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("--work-dir does not apply with --no-resume"), std::string::npos) << usage.err;
}

}  // namespace
}  // namespace faq
