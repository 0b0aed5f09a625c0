// The safetensors reader on valid files and on every kind of corruption.
#include <gtest/gtest.h>

#include <cstring>

#include "faq/io/safetensors.h"
#include "faq/io/safetensors_writer.h"
#include "faq/util/atomic_file.h"
#include "faq/util/error.h"
#include "support/test_env.h"

namespace faq {
namespace {

using testing::TempDir;

std::string Raw(const std::string& header, size_t data_bytes) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>(n >> (8 * i));
  return out + header + std::string(data_bytes, '\x01');
}

// Expects opening `bytes` as a file to throw faq::Error mentioning every `needle`.
void ExpectCorrupt(const std::string& bytes, std::initializer_list<std::string> needles) {
  TempDir dir;
  auto path = dir / "model.safetensors";
  WriteFileAtomic(path, bytes);
  try {
    SafetensorsFile file(path);
    FAIL() << "no error for corrupt file";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
  }
}

TEST(Safetensors, RoundTripsEveryDtype) {
  TempDir dir;
  std::vector<float> f = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  std::vector<uint16_t> h = {0x3c00, 0xc000};
  std::vector<int64_t> l = {1, -2, 3};
  std::vector<int8_t> c = {-1, 2, -3, 4};
  std::vector<TensorToWrite> ts = {
      {"a.f32", DType::kF32, {2, 3}, {reinterpret_cast<const uint8_t*>(f.data()), f.size() * 4}},
      {"b.bf16", DType::kBF16, {2}, {reinterpret_cast<const uint8_t*>(h.data()), h.size() * 2}},
      {"c.f16", DType::kF16, {1, 2}, {reinterpret_cast<const uint8_t*>(h.data()), h.size() * 2}},
      {"d.i64", DType::kI64, {3}, {reinterpret_cast<const uint8_t*>(l.data()), l.size() * 8}},
      {"e.i8", DType::kI8, {4}, {reinterpret_cast<const uint8_t*>(c.data()), c.size()}},
      {"f.u8", DType::kU8, {2, 2}, {reinterpret_cast<const uint8_t*>(c.data()), c.size()}},
      {"g.i32", DType::kI32, {1}, {reinterpret_cast<const uint8_t*>(f.data()), 4}},
      {"h.empty", DType::kF32, {0, 4}, {}},
  };
  WriteSafetensors(dir / "model.safetensors", ts, {{"format", "pt"}});
  SafetensorsFile file(dir / "model.safetensors");
  EXPECT_EQ(file.header().metadata.at("format"), "pt");
  EXPECT_EQ(file.header().DataOffset() % 8, 0u);
  ASSERT_EQ(file.header().tensors.size(), ts.size());
  for (const auto& t : ts) {
    const TensorEntry* e = file.header().Find(t.name);
    ASSERT_NE(e, nullptr) << t.name;
    EXPECT_EQ(e->dtype, t.dtype);
    EXPECT_EQ(e->shape, t.shape);
    auto bytes = file.Bytes(*e);
    ASSERT_EQ(bytes.size(), t.bytes.size());
    EXPECT_EQ(std::memcmp(bytes.data(), t.bytes.data(), bytes.size()), 0) << t.name;
  }
}

TEST(Safetensors, ReadsTheReferenceWritersFiles) {
  // Files written by HF safetensors (the goldens) parse and their sizes add up.
  SafetensorsFile file(testing::SharedDir() / "golden/hf/llama/model/model.safetensors");
  EXPECT_GT(file.header().tensors.size(), 10u);
  uint64_t total = 0;
  for (const auto& t : file.header().tensors) total += t.NumBytes();
  EXPECT_EQ(file.header().DataOffset() + total, std::filesystem::file_size(file.path()));
}

TEST(SafetensorsCorrupt, FileShorterThanLengthField) { ExpectCorrupt("abc", {"8-byte header length"}); }

TEST(SafetensorsCorrupt, HeaderLengthBeyondFile) {
  std::string ok = Raw(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8);
  ok[0] = static_cast<char>(0xff);  // claims a 255+ byte header
  ok[1] = static_cast<char>(0x10);
  ExpectCorrupt(ok, {"header length", "truncated"});
}

TEST(SafetensorsCorrupt, TruncatedData) {
  std::string ok = Raw(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 16);
  ExpectCorrupt(ok.substr(0, ok.size() - 5), {"'w'", "beyond the data section"});
}

TEST(SafetensorsCorrupt, HeaderNotJson) {
  ExpectCorrupt(Raw(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", 8), {"invalid JSON"});
}

TEST(SafetensorsCorrupt, HeaderNotObject) { ExpectCorrupt(Raw("[1,2,3]", 0), {"JSON object"}); }

TEST(SafetensorsCorrupt, OverlappingOffsets) {
  ExpectCorrupt(Raw(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                    12),
                {"'a'", "'b'", "overlap"});
}

TEST(SafetensorsCorrupt, DtypeSizeDisagreesWithOffsets) {
  ExpectCorrupt(Raw(R"({"w":{"dtype":"BF16","shape":[4],"data_offsets":[0,16]}})", 16),
                {"'w'", "needs 8 bytes", "span 16"});
}

TEST(SafetensorsCorrupt, UnknownDtype) {
  ExpectCorrupt(Raw(R"({"w":{"dtype":"Q4_K","shape":[4],"data_offsets":[0,16]}})", 16), {"'w'", "Q4_K"});
}

TEST(SafetensorsCorrupt, BackwardsOffsets) {
  ExpectCorrupt(Raw(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", 8), {"'w'", "backwards"});
}

TEST(SafetensorsCorrupt, NegativeShape) {
  ExpectCorrupt(Raw(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", 1), {"'w'", "shape"});
}

TEST(SafetensorsCorrupt, ShapeOverflow) {
  ExpectCorrupt(Raw(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})", 16),
                {"'w'", "overflows"});
}

TEST(SafetensorsCorrupt, MissingFields) {
  ExpectCorrupt(Raw(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4), {"'w'", "'dtype'"});
  ExpectCorrupt(Raw(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4), {"'w'", "'shape'"});
  ExpectCorrupt(Raw(R"({"w":{"dtype":"F32","shape":[1]}})", 4), {"'w'", "data_offsets"});
}

TEST(SafetensorsCorrupt, MetadataMustHoldStrings) {
  ExpectCorrupt(Raw(R"({"__metadata__":{"format":3}})", 0), {"__metadata__", "format"});
}

TEST(SafetensorsReader, FindsTensorsAcrossShardsAndReportsMissingOnes) {
  TempDir dir;
  std::vector<float> v(64, 1.0f);
  {
    ShardedSafetensorsWriter writer(dir.path(), /*max_shard_bytes=*/300);
    for (int i = 0; i < 5; ++i) {
      writer.Add({"t" + std::to_string(i), DType::kF32, {64},
                  {reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4}});
    }
    auto names = writer.Finish();
    EXPECT_EQ(names.size(), 5u);
    EXPECT_EQ(names[0], "model-00001-of-00005.safetensors");
  }
  SafetensorsReader reader(dir.path());
  EXPECT_EQ(reader.Names().size(), 5u);
  EXPECT_EQ(reader.Entry("t3").shape, std::vector<int64_t>{64});
  EXPECT_EQ(reader.FileOf("t3").path().filename(), "model-00004-of-00005.safetensors");
  try {
    reader.Entry("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'nope' not found"), std::string::npos) << e.what();
  }
}

TEST(SafetensorsReader, IndexNamingAMissingShardIsAnError) {
  TempDir dir;
  WriteFileAtomic(dir / "model.safetensors.index.json", R"({"weight_map": {"w": "model-00009.safetensors"}})");
  try {
    SafetensorsReader reader(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model-00009.safetensors"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faq
