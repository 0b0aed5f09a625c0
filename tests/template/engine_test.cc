// Engine behaviour the live comparison cannot pin down: error locations, limits, the
// apply_chat_template preprocessing, Python value printing.
#include <gtest/gtest.h>

#include "faq/template/chat_template.h"
#include "faq/template/template.h"
#include "faq/util/error.h"

namespace faq {
namespace {

std::string Render(const std::string& src, nlohmann::ordered_json vars = nlohmann::ordered_json::object(),
                   TemplateLimits limits = {}) {
  return Template(src, "t").Render(vars, limits);
}

// The message of the faq::Error thrown by parsing (and rendering) `src`.
std::string ErrorOf(const std::string& src, nlohmann::ordered_json vars = nlohmann::ordered_json::object(),
                    TemplateLimits limits = {}) {
  try {
    Render(src, vars, limits);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(TemplateSyntaxError, ReportsLineAndColumn) {
  EXPECT_EQ(ErrorOf("hello\n  {{ 1 + }}").substr(0, 7), "t:2:10:");
  EXPECT_EQ(ErrorOf("{% if x %}\nno end").substr(0, 6), "t:2:7:");
  EXPECT_EQ(ErrorOf("a\nb\n{% frobnicate %}").substr(0, 6), "t:3:4:");
  EXPECT_NE(ErrorOf("a\nb\n{% frobnicate %}").find("unknown tag 'frobnicate'"), std::string::npos);
  EXPECT_EQ(ErrorOf("{{ x | nosuchfilter }}").substr(0, 6), "t:1:8:");
  EXPECT_NE(ErrorOf("{{ x | nosuchfilter }}").find("No filter named 'nosuchfilter'"), std::string::npos);
  EXPECT_EQ(ErrorOf("{{ x is nosuchtest }}").substr(0, 6), "t:1:9:");
  EXPECT_EQ(ErrorOf("{{ 'unterminated }}").substr(0, 6), "t:1:4:");
  EXPECT_EQ(ErrorOf("x\n{# open comment").substr(0, 6), "t:2:3:");
  EXPECT_EQ(ErrorOf("{% for x in y %}{% endif %}").substr(0, 7), "t:1:20:");
  EXPECT_EQ(ErrorOf("{{ (1 }}").substr(0, 6), "t:1:7:");
  EXPECT_EQ(ErrorOf("{{ 1 ) }}").substr(0, 6), "t:1:6:");
  EXPECT_EQ(ErrorOf("{% break %}").substr(0, 6), "t:1:4:");
  EXPECT_EQ(ErrorOf("é{{ @ }}").substr(0, 6), "t:1:5:");  // columns count characters
  EXPECT_EQ(ErrorOf("{% macro m(a=1, b) %}{% endmacro %}").substr(0, 7), "t:1:17:");
}

TEST(TemplateRuntimeError, ReportsLocationAndMessage) {
  EXPECT_EQ(ErrorOf("line1\n{{ raise_exception('custom failure') }}"), "t:2:4: custom failure");
  EXPECT_EQ(ErrorOf("{{ x.y }}"), "t:1:5: 'x' is undefined");
  EXPECT_EQ(ErrorOf("\n\n  {{ 1 + 'a' }}").substr(0, 6), "t:3:8:");
  EXPECT_NE(ErrorOf("{{ 1 // 0 }}").find("division or modulo by zero"), std::string::npos);
  EXPECT_NE(ErrorOf("{{ [].append(1) }}").find("unsafe"), std::string::npos);
  EXPECT_NE(ErrorOf("{% set x = 1 %}{% set x.y = 2 %}").find("non-namespace"), std::string::npos);
  EXPECT_NE(ErrorOf("{{ namespace(_private=1) }}").find("underscore"), std::string::npos);
  EXPECT_NE(ErrorOf("{{ 9223372036854775807 + 1 }}").find("overflow"), std::string::npos);
}

TEST(TemplateLimits, RunawayTemplatesFailCleanly) {
  TemplateLimits small;
  small.max_output_bytes = 1000;
  EXPECT_NE(ErrorOf("{% for i in range(100) %}{{ 'x' * 50 }}{% endfor %}", {}, small).find("size limit"), std::string::npos);
  EXPECT_NE(ErrorOf("{{ 'x' * 100000 }}", {}, small).find("size limit"), std::string::npos);
  EXPECT_NE(ErrorOf("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").find("nested deeper"), std::string::npos);
  TemplateLimits few;
  few.max_steps = 10000;
  EXPECT_NE(ErrorOf("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", {}, few).find("step limit"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{{ range(1000000) | length }}").find("Range too big"), std::string::npos);
  EXPECT_NE(ErrorOf("{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}").find("nesting too deep"), std::string::npos);
}

TEST(TemplateValues, PrintLikePython) {
  EXPECT_EQ(Render("{{ [1, 'a', none, true, 1.5, {'k': (2,)}] }}"), "[1, 'a', None, True, 1.5, {'k': (2,)}]");
  EXPECT_EQ(Render("{{ 1e16 }} {{ 1e15 }} {{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 10 / 4 }}"),
            "1e+16 1000000000000000.0 1e-05 0.30000000000000004 2.5");
  EXPECT_EQ(Render("{{ [\"it's\", 'a\"b', 'x\\ny', '\\x01é\\u200b'] }}"), "[\"it's\", 'a\"b', 'x\\ny', '\\x01é\\u200b']");
  EXPECT_EQ(Render("{{ v }}", {{"v", {{"b", 1}, {"a", nullptr}}}}), "{'b': 1, 'a': None}");
  EXPECT_EQ(Render("{{ v | tojson }}", {{"v", {{"b", "北京\n"}, {"a", 2.0}}}}), "{\"b\": \"北京\\n\", \"a\": 2.0}");
}

TEST(TemplateWhitespace, TrimAndLstripBlocks) {
  EXPECT_EQ(Render("a\n  {% if true %}\n  b\n  {% endif %}\n  c\n"), "a\n  b\n  c");
  EXPECT_EQ(Render("x {%- if true -%} y {%- endif -%} z"), "xyz");
  EXPECT_EQ(Render("  {%+ if true %}k{% endif %}"), "  k");
  EXPECT_EQ(Render("{% if true +%}\nn{% endif %}"), "\nn");
  EXPECT_EQ(Render("a\r\nb\rc\n\n"), "a\nb\nc\n");
}

TEST(ChatTemplatePreprocessing, MatchesApplyChatTemplate) {
  ChatTemplateInputs in;
  in.messages = nlohmann::ordered_json::parse(
      R"([{"role": "assistant", "content": null, "reasoning": "r"}, {"role": "user", "content": "q"}])");
  in.eos_token = "</s>";
  in.extra["flag"] = 3;
  nlohmann::ordered_json vars = ChatTemplateVariables(in);
  // None-valued keys are dropped; reasoning is aliased to `thinking` (first) and `reasoning_content` (last).
  EXPECT_EQ(vars["messages"][0].dump(), R"({"thinking":"r","role":"assistant","reasoning":"r","reasoning_content":"r"})");
  EXPECT_EQ(vars["eos_token"], "</s>");
  EXPECT_FALSE(vars.contains("bos_token"));
  EXPECT_TRUE(vars["tools"].is_null());
  ChatTemplate t("{{ messages[0].content is defined }} {{ bos_token is defined }} {{ eos_token }} {{ flag }} {{ tools }}");
  EXPECT_EQ(t.Render(in), "False False </s> 3 None");
}

}  // namespace
}  // namespace faq
