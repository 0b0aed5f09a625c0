// faq eval ppl data-parallel under torchrun (Gloo on loopback) on the trained llama2xs:
// 2 and 3 ranks give the single process's perplexity; only rank 0 prints.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "support/test_env.h"
#include "torchrun.h"

namespace faq {
namespace {

std::vector<std::string> EvalArgs() {
  const auto models = testing::SharedDir() / "models";
  return {"eval", "ppl", "--model", (models / "llama2xs-hf").string(), "--data",
          (models / "llama2xs_eval.jsonl").string(), "--seqlen", "128", "--json"};
}

int CountLines(const std::string& text) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.empty() ? 0 : 1;
  return n;
}

class DistEval : public ::testing::TestWithParam<int> {};

TEST_P(DistEval, RanksReproduceTheSingleProcessPerplexity) {
  if (testing::TorchrunPath().empty()) GTEST_SKIP() << "no torchrun beside FAQ_PYTHON (" << testing::PythonPath() << ")";
  std::vector<std::string> single_argv = {testing::FaqBinary()};
  for (const auto& a : EvalArgs()) single_argv.push_back(a);
  const testing::CommandResult single = testing::Run(single_argv);
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const testing::CommandResult ranks = testing::RunFaqWithTorchrun(GetParam(), EvalArgs());
  ASSERT_EQ(ranks.exit_code, 0) << ranks.err;

  EXPECT_EQ(CountLines(ranks.out), 1) << "only rank 0 prints: " << ranks.out;
  const auto one = nlohmann::json::parse(testing::LastLine(single.out));
  const auto many = nlohmann::json::parse(testing::LastLine(ranks.out));
  EXPECT_GT(one.at("windows").get<int64_t>(), GetParam());
  EXPECT_EQ(many.at("windows"), one.at("windows"));
  EXPECT_EQ(many.at("tokens"), one.at("tokens"));
  EXPECT_NEAR(many.at("ppl").get<double>(), one.at("ppl").get<double>(), 1e-6);
  EXPECT_NE(ranks.err.find("rank 1 of " + std::to_string(GetParam()) + " joined the gloo process group"),
            std::string::npos)
      << ranks.err;
}

INSTANTIATE_TEST_SUITE_P(Ranks, DistEval, ::testing::Values(2, 3));

TEST(DistFlags, BackendOutsideTorchrunIsAUsageError) {
  std::vector<std::string> argv = {testing::FaqBinary()};
  for (const auto& a : EvalArgs()) argv.push_back(a);
  argv.insert(argv.end(), {"--backend", "gloo"});
  const testing::CommandResult r = testing::Run(argv);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--backend applies only to a run launched by torchrun"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace faq
