// Each kind of corrupt checkpoint gives exit code 1 and a message naming the file and,
// where there is one, the tensor.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faq/model/random_model.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq {
namespace {

struct Checkpoint {
  std::string header;  // JSON text
  std::string data;    // the data section
};

Checkpoint Split(const std::string& file) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(file[static_cast<size_t>(i)]);
  return {file.substr(8, n), file.substr(8 + n)};
}

std::string Join(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>(header.size() >> (8 * i));
  return out + header + data;
}

class CorruptModel : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteRandomModel(dir_ / "m", TinyModelConfig("llama"), {.seed = 1});
    WriteFileAtomic(dir_ / "d.jsonl", "{\"input_ids\": [1,2,3,4,5,6,7,8,9,10]}\n");
    original_ = ReadFile(weights());
  }
  std::filesystem::path weights() const { return dir_ / "m" / "model.safetensors"; }
  // Runs eval on the model and expects exit 1 with every needle in stderr.
  void ExpectFailure(std::initializer_list<std::string> needles) {
    auto r = testing::Run({testing::FaqBinary(), "eval", "ppl", "--model", (dir_ / "m").string(), "--data",
                           (dir_ / "d.jsonl").string(), "--seqlen", "4"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find(weights().string()), std::string::npos) << r.err;
    for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "'" << n << "' not in: " << r.err;
  }
  nlohmann::ordered_json Header() const { return nlohmann::ordered_json::parse(Split(original_).header); }
  void Rewrite(const nlohmann::ordered_json& header) {
    WriteFileAtomic(weights(), Join(header.dump(), Split(original_).data));
  }
  testing::TempDir dir_;
  std::string original_;
};

TEST_F(CorruptModel, Truncated) {
  WriteFileAtomic(weights(), original_.substr(0, original_.size() - 1000));
  ExpectFailure({"beyond the data section", "truncated"});
}

TEST_F(CorruptModel, BadHeader) {
  std::string broken = original_;
  broken[8] = '[';
  broken[20] = '}';
  WriteFileAtomic(weights(), broken);
  ExpectFailure({"invalid JSON"});
}

TEST_F(CorruptModel, HeaderLengthLies) {
  std::string broken = original_;
  broken[5] = 0x7f;
  WriteFileAtomic(weights(), broken);
  ExpectFailure({"header length"});
}

TEST_F(CorruptModel, OverlappingOffsets) {
  auto h = Header();
  auto& w = h["model.layers.1.mlp.up_proj.weight"]["data_offsets"];
  w[0] = w[0].get<uint64_t>() - 16;
  w[1] = w[1].get<uint64_t>() - 16;
  Rewrite(h);
  ExpectFailure({"model.layers.1.mlp.up_proj.weight", "overlap"});
}

TEST_F(CorruptModel, WrongDtypeSize) {
  auto h = Header();
  h["model.layers.0.self_attn.k_proj.weight"]["dtype"] = "BF16";
  Rewrite(h);
  ExpectFailure({"model.layers.0.self_attn.k_proj.weight", "BF16", "bytes"});
}

TEST_F(CorruptModel, MissingTensor) {
  auto h = Header();
  h.erase("model.layers.1.self_attn.o_proj.weight");
  Rewrite(h);
  auto r = testing::Run({testing::FaqBinary(), "eval", "ppl", "--model", (dir_ / "m").string(), "--data",
                         (dir_ / "d.jsonl").string(), "--seqlen", "4"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("model.layers.1.self_attn.o_proj.weight' not found"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace faq
