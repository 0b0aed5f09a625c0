// faq's AWQ scale search against an independent implementation of the published search over
// transformers (tests/reference/awq_reference.py), on the trained llama2xs: the same scales.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "faq/eval/token_source.h"
#include "faq/format/tensor_io.h"
#include "faq/quant/model_quantizer.h"
#include "support/test_env.h"

namespace faq {
namespace {

TEST(LiveAwq, LayerZeroScalesMatchAnIndependentSearch) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set";
  const auto shared = testing::SharedDir();
  const auto model_dir = shared / "models/llama2xs-hf";
  const auto calib_file = shared / "models/llama2xs_calib.jsonl";
  const CalibrationSet calib =
      BuildCalibrationSet(LoadTokenDocuments(calib_file, {}), CalibrationMode::kConcat, 16, 256);
  ModelQuantizerOptions o;
  o.method = "awq";
  o.scheme = {4, 32, false, false, false};
  o.method_options.Set("awq_clip", false);
  o.method_options.Set("awq_tokens", int64_t{1} << 30);  // every calibration token, as the reference
  o.show_progress = false;
  CausalLM model(model_dir);
  const ModelQuantizerResult r = QuantizeModel(model, calib, o);

  auto ref = testing::Run({python, (testing::SourceDir() / "tests/reference/awq_reference.py").string(), "--model",
                           model_dir.string(), "--calib", calib_file.string(), "--nsamples", "16", "--seqlen", "256",
                           "--bits", "4", "--group-size", "32"});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  SafetensorsReader source(model_dir);
  std::istringstream lines(ref.out);
  std::string line;
  int groups = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    const std::string norm = "model.layers.0." + j["norm"].get<std::string>() + ".weight";
    SCOPED_TRACE(norm);
    ASSERT_EQ(r.replaced.count(norm), 1u);
    // The norm holds weight / s: faq's scales are the ratio.
    const at::Tensor s = LoadTensor(source, norm, at::kFloat) / r.replaced.at(norm);
    // Which of the reference's candidates faq chose, and that it is the reference's optimum
    // (or ties with it to 0.1%: the two compute the same losses in another float order).
    int chosen = -1;
    double closest = 1e9;
    const auto& scales = j["scales"];
    for (size_t i = 0; i < scales.size(); ++i) {
      const at::Tensor candidate = at::tensor(scales[i].get<std::vector<double>>(), at::kFloat);
      const double diff = ((candidate - s).abs() / candidate).max().item<double>();
      if (diff < closest) {
        closest = diff;
        chosen = static_cast<int>(i);
      }
    }
    EXPECT_LT(closest, 1e-4) << "faq's scales are not one of the reference's candidates";
    const auto losses = j["losses"].get<std::vector<double>>();
    const int best = j["best"];
    EXPECT_LE(losses[static_cast<size_t>(chosen)], losses[static_cast<size_t>(best)] * 1.001)
        << "faq chose alpha " << chosen << "/20, the reference " << best << "/20";
    std::printf("%s: faq alpha %d/20, reference %d/20\n", norm.c_str(), chosen, best);
    ++groups;
  }
  EXPECT_EQ(groups, 2);
}

}  // namespace
}  // namespace faq
