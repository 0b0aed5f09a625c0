// faq quantize's option table: each option declared once, checked the same way from every
// source, method options refused where they do not apply, and the quantization_config extras.
#include <gtest/gtest.h>

#include <set>

#include "faq/quant/quantize_options.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

using testing::ErrorOf;

TEST(QuantizeOptions, EachFlagOnceWithItsDefaultInTheParams) {
  std::set<std::string> flags;
  const QuantizeParams defaults;
  for (const auto& o : QuantizeOptions()) {
    EXPECT_TRUE(flags.insert(std::string(o.spec.flag)).second) << o.spec.flag;
    EXPECT_FALSE(o.spec.help.empty()) << o.spec.flag;
    EXPECT_EQ(GetOption(defaults, o), o.spec.default_value) << "--" << o.spec.flag << ": the table and the params agree";
  }
  for (const char* flag : {"gptaq-exact", "max-memory-mb", "damp", "device", "dtype", "micro-batch"}) {
    EXPECT_NE(FindQuantizeOption(flag), nullptr) << flag;
    EXPECT_EQ(FindQuantizeOption(flag), FindQuantizeOption(YamlKey(flag))) << "YAML key of " << flag;
  }
}

TEST(QuantizeOptions, ValuesAreCheckedAsDeclared) {
  const auto& bits = FindQuantizeOption("bits")->spec;
  EXPECT_EQ(std::get<int64_t>(ParseOptionText(bits, "3", "--bits")), 3);
  EXPECT_EQ(ErrorOf([&] { ParseOptionText(bits, "9", "--bits"); }), "--bits: expected 2, 3, 4 or 8, got '9'");
  EXPECT_EQ(ErrorOf([&] { ParseOptionText(bits, "4x", "--bits"); }), "--bits: expected an integer, got '4x'");
  const auto& damp = FindQuantizeOption("damp")->spec;
  EXPECT_NE(ErrorOf([&] { ParseOptionText(damp, "0", "--damp"); }).find("(0, 1]"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { ParseOptionText(FindQuantizeOption("nsamples")->spec, "0", "--nsamples"); })
                .find("a positive integer"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { ParseOptionText(FindQuantizeOption("method")->spec, "gptq+rtn", "--method"); })
                .find("has no transform"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { ParseOptionText(FindQuantizeOption("device")->spec, "gpu0", "--device"); })
                .find("cpu, cuda, cuda:N or auto"),
            std::string::npos);
  EXPECT_EQ(std::get<double>(CheckOptionValue(damp, int64_t{1}, "damp")), 1.0) << "an integer is a number";
  EXPECT_THROW(CheckOptionValue(bits, std::string("4"), "bits"), UsageError);
}

TEST(QuantizeOptions, MethodOptionsApplyOnlyToTheirMethods) {
  QuantizeParams p;
  p.quant.method = "gptq";
  EXPECT_NO_THROW(CheckOptionsApply(p, {"damp", "bits", "device"}));
  const std::string msg = ErrorOf([&] { CheckOptionsApply(p, {"gptaq_alpha"}); });
  EXPECT_EQ(msg, "--gptaq-alpha does not apply to method 'gptq' (it is read by gptaq)");
  p.quant.method = "rtn";
  EXPECT_THROW(CheckOptionsApply(p, {"damp"}), UsageError);
  p.quant.method = "gptaq";
  EXPECT_NO_THROW(CheckOptionsApply(p, {"damp", "gptaq_exact"}));
}

TEST(QuantizeOptions, SettersReachTheRunAndTheExportedConfig) {
  QuantizeParams p;
  SetOption(p, *FindQuantizeOption("method"), std::string("gptaq"));
  SetOption(p, *FindQuantizeOption("gptaq-exact"), true);
  SetOption(p, *FindQuantizeOption("damp"), 0.05);
  SetOption(p, *FindQuantizeOption("group-size"), int64_t{-1});
  EXPECT_TRUE(p.quant.method_options.GetBool("gptaq_exact"));
  EXPECT_EQ(p.quant.scheme.group_size, -1);
  const nlohmann::json extras = QuantConfigExtras(p);
  EXPECT_EQ(extras["method"], "gptaq");
  EXPECT_EQ(extras["damp_percent"], 0.05);
  EXPECT_EQ(extras["gptaq_exact"], true);
  EXPECT_EQ(extras["true_sequential"], false);
  p.quant.method = "rtn";
  EXPECT_FALSE(QuantConfigExtras(p).contains("damp_percent")) << "rtn reads no damp";
}

TEST(QuantizeOptions, ModuleRulesUseTheSameChecks) {
  EXPECT_NE(ErrorOf([&] { CheckModuleRule({.pattern = "x", .bits = 9}, "modules[0]"); })
                .find("modules[0].bits: expected 2, 3, 4 or 8"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { CheckModuleRule({.pattern = "x", .group_size = 0}, "modules[1]"); })
                .find("modules[1].group_size"),
            std::string::npos);
  EXPECT_NO_THROW(CheckModuleRule({.pattern = "x", .bits = 8, .group_size = -1}, "modules[2]"));
}

}  // namespace
}  // namespace faq
