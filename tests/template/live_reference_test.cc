// Live comparison against real Jinja2: tests/reference/jinja_render.py renders a few hundred
// random conversations with transformers' apply_chat_template (Qwen3, DeepSeek-V3 and the
// hand-written feature templates); faq must produce the same bytes, or raise where Jinja raised.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "faq/template/chat_template.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

TEST(ChatTemplateLive, MatchesJinja2) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set: the live Jinja2 comparison cannot run";
  testing::TempDir tmp;
  const auto ref = tmp / "ref.jsonl";
  const auto script = testing::SourceDir() / "tests" / "reference" / "jinja_render.py";
  auto run = testing::Run({python, script.string(), "--shared", testing::SharedDir().string(), "--out", ref.string(),
                           "--cases-per-template", "150"});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  std::ifstream in(ref);
  std::string line;
  int total = 0, matched = 0, errors = 0, reported = 0;
  std::map<std::string, std::pair<int, int>> per_template;
  while (std::getline(in, line)) {
    auto rec = nlohmann::ordered_json::parse(line);
    ++total;
    const std::string name = rec["name"].get<std::string>();
    ChatTemplateInputs inputs;
    const auto& j = rec["inputs"];
    inputs.messages = j["messages"];
    inputs.tools = j["tools"];
    inputs.add_generation_prompt = j["add_generation_prompt"].get<bool>();
    inputs.extra = j["extra"];
    for (const auto& [k, v] : rec["special_tokens"].items()) {
      if (k == "bos_token") inputs.bos_token = v.get<std::string>();
      else if (k == "eos_token") inputs.eos_token = v.get<std::string>();
      else if (k == "pad_token") inputs.pad_token = v.get<std::string>();
      else if (k == "unk_token") inputs.unk_token = v.get<std::string>();
      else inputs.extra[k] = v;
    }
    std::string got, error;
    bool ok = false;
    try {
      got = ChatTemplate(rec["template"].get<std::string>(), name).Render(inputs);
      ok = true;
    } catch (const Error& e) {
      error = e.what();
    }
    bool expect_error = rec.contains("error");
    bool same = expect_error ? !ok : (ok && got == rec["rendered"].get<std::string>());
    per_template[name].second++;
    if (same) {
      ++matched;
      per_template[name].first++;
      errors += expect_error;
    } else if (reported++ < 8) {
      std::string want = expect_error ? "" : rec["rendered"].get<std::string>();
      size_t diff = 0;
      while (diff < want.size() && diff < got.size() && want[diff] == got[diff]) ++diff;
      size_t from = diff > 80 ? diff - 80 : 0;
      ADD_FAILURE() << "case " << total << " (" << name << ") inputs: " << j.dump() << "\n"
                    << (expect_error ? "jinja raised: " + rec["error"].get<std::string>()
                                     : "jinja rendered (from byte " + std::to_string(from) + "): " +
                                           nlohmann::json(want.substr(from, 200)).dump())
                    << "\n"
                    << (ok ? "faq rendered (from byte " + std::to_string(from) + "): " +
                                 nlohmann::json(got.substr(std::min(from, got.size()), 200)).dump()
                           : "faq raised: " + error);
    }
  }
  for (const auto& [name, counts] : per_template) {
    std::printf("[live] %-22s %d/%d matched\n", name.c_str(), counts.first, counts.second);
  }
  std::printf("[live] total %d/%d matched (%d expected errors)\n", matched, total, errors);
  EXPECT_GE(total, 300);
  EXPECT_EQ(matched, total);
}

}  // namespace
}  // namespace faq
