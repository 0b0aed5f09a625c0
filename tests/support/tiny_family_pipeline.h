// A small but complete `faq pipeline` run on the bundled tiny Qwen3 family: the pipeline's
// end-to-end tests and the report page tests drive the same config.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string>

#include "faq/io/json.h"
#include "faq/util/atomic_file.h"
#include "support/test_env.h"

namespace faq::testing {

// Writes `seeds` seed prompts (word problems, up to 6) to dir/seeds.jsonl and dir/pipeline.yaml:
// the elder served on loopback regenerates `n` candidates each, GPTQ w4 g32 on the target, and
// eval on the first `max_windows` WikiText-2 windows of 128. Returns the config's path.
inline std::filesystem::path WriteTinyFamilyPipeline(const std::filesystem::path& dir, int seeds, int n,
                                                     int max_windows) {
  static const char* queries[] = {
      "Tom has 12 apples. Tom gets 5 more and then gives 3 to Anna. How many apples does Tom have now?",
      "Each box holds 6 pencils. How many pencils are there in 4 boxes?",
      "Mia shares 24 cards equally among 3 friends. How many cards does each friend get?",
      "One pack of coins costs 3 dollars. Ben buys 4 packs and pays with 20 dollars. How much change does Ben get?",
      "Leo reads 5 pages every day for 3 days, then 2 more pages on the last evening. How many pages does Leo read in all?",
      "Emma buys 2 jars of shells with 7 in each jar, and finds 4 more shells. How many shells does Emma have?"};
  std::string lines;
  for (int i = 0; i < seeds && i < 6; ++i)
    lines += nlohmann::json{{"id", fmt::format("s{}", i)}, {"query", queries[i]}, {"answer", "The answer is 1."}}.dump() + "\n";
  WriteFileAtomic(dir / "seeds.jsonl", lines);
  const std::filesystem::path models = SourceDir() / "models";
  WriteFileAtomic(dir / "pipeline.yaml", fmt::format(R"(run_dir: {run}
target: {models}/tiny-qwen3-target
seeds: {seeds}
servers:
  elder: {{model: {models}/tiny-qwen3-elder, max_batch: 8}}
regenerate: {{endpoint: "serve:elder", n: {n}, max_tokens: 48, temperature: 0.6, seed: 3, concurrency: 8}}
judge: {{endpoint: "serve:elder", mode: score, concurrency: 8}}
assemble: {{max_tokens: 256}}
quantize:
  options: {{method: gptq, group_size: 32, calib_mode: per-record, nsamples: 16, seqlen: 256}}
  runs:
    - {{name: w4, bits: 4}}
eval:
  data: {{wiki: {wiki}}}
  seqlen: 128
  max_windows: {max_windows}
)", fmt::arg("run", (dir / "run").string()), fmt::arg("models", models.string()),
                                                    fmt::arg("seeds", (dir / "seeds.jsonl").string()), fmt::arg("n", n),
                                                    fmt::arg("max_windows", max_windows),
                                                    fmt::arg("wiki", (SharedDir() / "data/wikitext2/wiki.test.raw").string())));
  return dir / "pipeline.yaml";
}

}  // namespace faq::testing
