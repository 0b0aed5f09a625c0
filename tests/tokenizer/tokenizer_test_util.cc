#include "tokenizer_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>

#include "faq/io/jsonl.h"
#include "support/test_env.h"

namespace faq::testing {

const Tokenizer& SharedTokenizer(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[name];
  if (!slot) slot = Tokenizer::Load(SharedDir() / "tokenizers" / name);
  return *slot;
}

std::vector<nlohmann::json> ReadJsonlFile(const std::filesystem::path& path) {
  std::vector<nlohmann::json> out;
  JsonlReader reader(path);
  while (auto record = reader.Next()) out.push_back(std::move(record->value));
  return out;
}

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

namespace {

template <typename T>
std::vector<T> Sample(std::vector<T> items, size_t n, std::mt19937& rng) {
  std::shuffle(items.begin(), items.end(), rng);
  if (items.size() > n) items.resize(n);
  return items;
}

std::string RandomText(std::mt19937& rng) {
  static const std::vector<std::string> alphabet = {
      "a", "b", "Z", "e", "\xC3\xA9", "e\xCC\x81", " ", " ", "  ", "\t", "\n", "\r\n", "\r", "'", "'s", "'LL",
      "'\xC5\xBF", "0", "7", "42", "1234", "\xD9\xA3", ".", ",", "-", "!", "?", "$", "\\", "(", "}", "\xE4\xB8\xAD",
      "\xE6\x96\x87", "\xE3\x81\x82", "\xE3\x82\xAB", "\xF0\x9F\x98\x80", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
      "\xC2\xA0", "\xE3\x80\x80", "\xE1\xA0\x8E", "\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\x8B", "\xEF\xBB\xBF",
      "\x0B", "\x0C", "\x1C", "\xE2\x80\x83", "\xEF\xBC\x81", "\xE2\x85\xA0", "\xC2\xBD", "\xCE\xA3", "\xC4\xB0",
      "\xE2\x84\xAA", "\xEF\xAC\x81", "<|im_end|>", "<|im_start|>", "<|endoftext|>", "<think>", "<|",
      "\xEF\xBD\x9C", "\xE2\x96\x81", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
      "[MASK]", "[mask]", "the", "ing", "<s>", "</s>", "<0x41>", "##", "\xE0\xA4\x95\xE0\xA5\x8D",
      "\xD8\xB9\xD8\xB1", "\xF0\x90\x8D\x88"};
  std::uniform_int_distribution<size_t> len(0, 40), pick(0, alphabet.size() - 1);
  std::string s;
  for (size_t i = len(rng); i > 0; --i) s += alphabet[pick(rng)];
  return s;
}

}  // namespace

std::vector<std::string> SampleTexts(size_t per_source, size_t synthetic) {
  std::mt19937 rng(20240611);
  std::vector<std::string> texts;
  const auto data = SharedDir() / "data";
  {
    std::ifstream in(data / "wikitext2" / "wiki.test.raw", std::ios::binary);
    EXPECT_TRUE(in) << "missing wikitext2";
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line + "\n");
    for (auto& l : Sample(lines, per_source, rng)) texts.push_back(l);
    // Long texts: runs of consecutive lines, blank lines and all.
    for (size_t start = 0; start + 60 < lines.size() && start < 60 * 5; start += 60) {
      std::string chunk;
      for (size_t k = start; k < start + 60; ++k) chunk += lines[k];
      texts.push_back(chunk);
    }
  }
  const char* files[] = {"c4/c4_validation_samples.jsonl", "lambada/lambada_test.jsonl", "gsm8k/test.jsonl",
                         "math500/test.jsonl", "aime24/test.jsonl"};
  for (const char* file : files) {
    size_t before = texts.size();
    for (const auto& record : Sample(ReadJsonlFile(data / file), per_source, rng)) {
      for (const auto& [key, value] : record.items()) {
        if (value.is_string()) texts.push_back(value.get<std::string>());
      }
    }
    EXPECT_GT(texts.size(), before) << file;
  }
  for (size_t i = 0; i < synthetic; ++i) texts.push_back(RandomText(rng));
  // Very long words: the merge loop must stay fast and exact on them.
  texts.push_back(std::string(5000, 'a'));
  std::string letters;
  std::uniform_int_distribution<int> letter(0, 25);
  for (int i = 0; i < 20000; ++i) letters += static_cast<char>('a' + letter(rng));
  texts.push_back(letters);
  return texts;
}

}  // namespace faq::testing
