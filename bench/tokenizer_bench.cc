// Encoding throughput of the Qwen3 tokenizer on wikitext-2 (test split), in MB/s.
// usage: tokenizer_bench [TOKENIZER_DIR] [TEXT_FILE] [REPEATS]
// Prints figures only; not a test.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "faq/tokenizer/tokenizer.h"

#ifndef FAQ_SHARED_DIR
#define FAQ_SHARED_DIR "../shared"
#endif

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : FAQ_SHARED_DIR "/tokenizers/qwen3";
  std::string file = argc > 2 ? argv[2] : FAQ_SHARED_DIR "/data/wikitext2/wiki.test.raw";
  int repeats = argc > 3 ? std::stoi(argv[3]) : 3;
  using Clock = std::chrono::steady_clock;

  auto t0 = Clock::now();
  auto tok = faq::Tokenizer::Load(dir);
  double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "cannot open {}\n", file);
    return 1;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<std::string> lines;
  std::istringstream line_stream(text);
  for (std::string line; std::getline(line_stream, line);) lines.push_back(line + "\n");
  const double mb = static_cast<double>(text.size()) / 1e6;
  fmt::print("tokenizer {} loaded in {:.2f} s; text {} ({:.2f} MB, {} lines)\n", dir, load_s, file, mb, lines.size());

  // The first pass fills the word cache; later ones show the steady state.
  for (int r = 0; r < repeats; ++r) {
    auto start = Clock::now();
    size_t tokens = tok->Encode(text).size();
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    fmt::print("whole file, pass {}: {} tokens, {:.3f} s, {:.2f} MB/s\n", r + 1, tokens, s, mb / s);
  }
  auto start = Clock::now();
  size_t tokens = 0;
  for (const auto& line : lines) tokens += tok->Encode(line).size();
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print("line by line: {} tokens, {:.3f} s, {:.2f} MB/s\n", tokens, s, mb / s);
  std::vector<int32_t> ids = tok->Encode(text);
  start = Clock::now();
  std::string back = tok->Decode(ids);
  s = std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print("decode: {:.3f} s, {:.2f} MB/s, round trip {}\n", s, mb / s, back == text ? "exact" : "DIFFERS");
  return 0;
}
