// faq stats's command line: every bad --set, --layers or --group-size is refused at parse
// time (exit 2, naming the option, the set and the file) before any model work.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

struct StatsCli : ::testing::Test {
  std::string model = (testing::SharedDir() / "models/llama2xs-hf").string();
  std::string calib = (testing::SharedDir() / "models/llama2xs_calib.jsonl").string();
  testing::TempDir dir;

  testing::CommandResult Stats(std::vector<std::string> extra) {
    std::vector<std::string> argv = {testing::FaqBinary(), "stats", "--model", model, "--out", (dir / "out").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::Run(argv);
  }
};

TEST_F(StatsCli, RefusesASetWithoutName) {
  auto r = Stats({"--set", calib});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("expected NAME=FILE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(calib), std::string::npos) << "names what was given: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out")) << "nothing is written before the options are checked";
}

TEST_F(StatsCli, RefusesAMissingFileNamingSetAndFile) {
  auto r = Stats({"--set", "a=" + calib, "--set", "seeds=/no/such/seeds.jsonl"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--set seeds"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/no/such/seeds.jsonl"), std::string::npos) << r.err;
}

TEST_F(StatsCli, RefusesDuplicateNames) {
  auto r = Stats({"--set", "a=" + calib, "--set", "a=" + calib});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("the name 'a' is given twice"), std::string::npos) << r.err;
}

TEST_F(StatsCli, RefusesNamesThatAreNotPlain) {
  auto r = Stats({"--set", "my set=" + calib});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("NAME before '='"), std::string::npos) << r.err;
  r = Stats({"--set", "a="});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no FILE after '='"), std::string::npos) << r.err;
}

TEST_F(StatsCli, RefusesLayersTheModelDoesNotHave) {
  auto r = Stats({"--set", "a=" + calib, "--layers", "1,5"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--layers 5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("5 layers (0..4)"), std::string::npos) << r.err;
}

TEST_F(StatsCli, RefusesAGroupSizeOfZeroAndUnknownBits) {
  auto r = Stats({"--set", "a=" + calib, "--group-size", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--group-size 0"), std::string::npos) << r.err;
  r = Stats({"--set", "a=" + calib, "--bits", "5"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(StatsCli, ABadTokenFileIsARuntimeErrorNamingTheFile) {
  const auto bad = dir / "bad.jsonl";
  {
    std::ofstream(bad) << "{\"input_ids\": [1, 2, 3]}\n{\"nothing\": 1}\n";
  }
  auto r = Stats({"--set", "a=" + calib, "--set", "b=" + bad.string(), "--nsamples", "2", "--seqlen", "32"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(bad.string()), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "stats.json"));
}

// The brief's option list has --threads: faq's global option is taken after `stats` as well.
TEST_F(StatsCli, TakesTheGlobalThreadsOptionAfterTheCommand) {
  auto r = Stats({"--set", "a=" + calib, "--nsamples", "2", "--seqlen", "32", "--layers", "0", "--threads", "1",
                  "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("(1 threads)"), std::string::npos) << r.err;
  r = Stats({"--set", "a=" + calib, "--no-such-option"});
  EXPECT_EQ(r.exit_code, 2) << "an unknown option is still refused: " << r.err;
}

// llama2xs's inputs are 64 and 192 wide: the default group of 128 divides neither. The run
// used to stop at layer 0 ("group size 128 does not divide the input width 64"); each input
// now uses the largest divisor of its width below 128, and says so.
TEST_F(StatsCli, AGroupSizeThatDoesNotDivideAWidthFallsBackToADivisor) {
  auto r = Stats({"--set", "a=" + calib, "--nsamples", "2", "--seqlen", "64", "--layers", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stats = nlohmann::json::parse(ReadFile(dir / "out" / "stats.json"));
  EXPECT_EQ(stats["options"]["group_size"], 128);
  for (const auto& input : stats["layers"][0]["inputs"]) {
    EXPECT_EQ(input["group_size"], input["channels"] == 64 ? 64 : 96) << input["group"];
    EXPECT_TRUE(input["proxy_loss"].begin().value()["gptq"][0][0].is_number()) << input["group"];
  }
}

}  // namespace
}  // namespace faq
