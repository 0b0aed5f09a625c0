// tools/real_model.sh itself: nothing to do for a complete directory (no network), and a clear
// error, with nothing left behind, when the package index cannot be reached.
#include <gtest/gtest.h>

#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

std::string Script() { return (testing::SourceDir() / "tools/real_model.sh").string(); }

TEST(RealModelScript, ACompleteDirectoryIsLeftAsItIs) {
  testing::TempDir cache;
  const auto dir = cache / "smollm2-135m-instruct";
  std::filesystem::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                        "chat_template.jinja"}) {
    WriteFileAtomic(dir / f, "x");
  }
  // An index that refuses connections: the script must not need it.
  auto r = testing::Run({"/usr/bin/env", "FAQ_CACHE=" + cache.path().string(), "PIP_INDEX_URL=http://127.0.0.1:9/simple",
                         "bash", Script()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("already there"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFile(dir / "config.json"), "x");
}

TEST(RealModelScript, AnUnreachableIndexFailsSayingSo) {
  testing::TempDir cache;
  auto r = testing::Run({"/usr/bin/env", "FAQ_CACHE=" + cache.path().string(), "PIP_INDEX_URL=http://127.0.0.1:9/simple",
                         "PIP_NO_CACHE_DIR=1", "PIP_FIND_LINKS=", "bash", Script()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the package index is unreachable"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(cache.path())) << "a partial download or directory was left behind";
}

}  // namespace
}  // namespace faq
