// ReadLaunchEnv: torchrun's variables are read together; a partial or malformed set is an
// error naming the variable, none at all is a single process.
#include <gtest/gtest.h>

#include <cstdlib>

#include "faq/dist/launch_env.h"
#include "support/test_env.h"

namespace faq::dist {
namespace {

class LaunchEnvTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT",
                             "TORCHELASTIC_USE_AGENT_STORE"}) {
      ::unsetenv(name);
    }
  }
  static void SetAll(const char* rank, const char* world) {
    ::setenv("RANK", rank, 1);
    ::setenv("WORLD_SIZE", world, 1);
    ::setenv("LOCAL_RANK", rank, 1);
    ::setenv("MASTER_ADDR", "127.0.0.1", 1);
    ::setenv("MASTER_PORT", "29511", 1);
  }
};

TEST_F(LaunchEnvTest, NoVariablesIsASingleProcess) { EXPECT_FALSE(ReadLaunchEnv().has_value()); }

TEST_F(LaunchEnvTest, ReadsTorchrunsVariables) {
  SetAll("2", "3");
  ::setenv("TORCHELASTIC_USE_AGENT_STORE", "True", 1);
  const auto env = ReadLaunchEnv();
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->rank, 2);
  EXPECT_EQ(env->world_size, 3);
  EXPECT_EQ(env->local_rank, 2);
  EXPECT_EQ(env->master_addr, "127.0.0.1");
  EXPECT_EQ(env->master_port, 29511);
  EXPECT_TRUE(env->agent_hosts_store);
}

TEST_F(LaunchEnvTest, PartialOrMalformedSetsNameTheVariable) {
  ::setenv("RANK", "0", 1);
  EXPECT_NE(testing::ErrorOf([] { ReadLaunchEnv(); }).find("WORLD_SIZE is not set"), std::string::npos);
  SetAll("3", "3");
  EXPECT_NE(testing::ErrorOf([] { ReadLaunchEnv(); }).find("RANK='3': expected an integer in [0, 2]"),
            std::string::npos);
  SetAll("0", "two");
  EXPECT_NE(testing::ErrorOf([] { ReadLaunchEnv(); }).find("WORLD_SIZE='two'"), std::string::npos);
}

}  // namespace
}  // namespace faq::dist
