// The writers: atomic replacement, sharding, and agreement with the reference reader.
#include <gtest/gtest.h>

#include "faq/io/safetensors.h"
#include "faq/io/safetensors_writer.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

using testing::TempDir;

TEST(SafetensorsWriter, RejectsSizeMismatchAndDuplicates) {
  TempDir dir;
  std::vector<uint8_t> b(10);
  EXPECT_THROW(WriteSafetensors(dir / "x.safetensors", {{"w", DType::kF32, {3}, b}}), Error);
  std::vector<uint8_t> four(4);
  EXPECT_THROW(WriteSafetensors(dir / "x.safetensors", {{"w", DType::kF32, {1}, four}, {"w", DType::kF32, {1}, four}}),
               Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.safetensors"));
}

TEST(SafetensorsWriter, FailedWriteLeavesThePreviousFile) {
  TempDir dir;
  auto path = dir / "model.safetensors";
  std::vector<uint8_t> four(4, 7);
  WriteSafetensors(path, {{"w", DType::kF32, {1}, four}});
  auto before = ReadFile(path);
  std::vector<uint8_t> bad(3);
  EXPECT_THROW(WriteSafetensors(path, {{"w", DType::kF32, {1}, bad}}), Error);
  EXPECT_EQ(ReadFile(path), before);
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename(), "model.safetensors") << "left behind: " << e.path();
  }
}

TEST(SafetensorsWriter, UnfinishedShardedWriteLeavesNothing) {
  TempDir dir;
  std::vector<uint8_t> bytes(400);
  {
    ShardedSafetensorsWriter writer(dir.path(), 500);
    for (int i = 0; i < 3; ++i) writer.Add({"t" + std::to_string(i), DType::kU8, {400}, bytes});
  }  // destroyed without Finish (a crash or an exception mid-export)
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SafetensorsWriter, ReferenceImplementationReadsOurShards) {
  const std::string python = testing::PythonPath();
  ASSERT_FALSE(python.empty()) << "FAQ_PYTHON is not set: the setup installs the reference packages";
  TempDir dir;
  std::vector<float> v(100);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f;
  ShardedSafetensorsWriter writer(dir.path(), 500);
  for (int i = 0; i < 3; ++i) {
    writer.Add({"layer." + std::to_string(i), DType::kF32, {10, 10}, {reinterpret_cast<uint8_t*>(v.data()), 400}});
  }
  writer.Finish();
  std::string script =
      "import json,sys,os\n"
      "from safetensors.numpy import load_file\n"
      "d=sys.argv[1]; idx=json.load(open(os.path.join(d,'model.safetensors.index.json')))\n"
      "tot=0\n"
      "for name,f in sorted(idx['weight_map'].items()):\n"
      "  a=load_file(os.path.join(d,f))[name]; tot+=float(a.sum()); assert a.shape==(10,10)\n"
      "print(len(idx['weight_map']), tot)\n";
  auto r = testing::Run({python, "-c", script, dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::LastLine(r.out), "3 7425.0");  // 3 × Σ_{i<100} i/2
}

}  // namespace
}  // namespace faq
