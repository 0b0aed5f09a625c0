// faq eval ppl: perplexity of a model on a token stream.
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/device_flags.h"
#include "cli/dist_flags.h"
#include "cli/model_codec.h"
#include "faq/eval/perplexity.h"
#include "faq/eval/token_source.h"
#include "faq/model/device.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct EvalPplParams {
  std::string model;
  std::string data;
  int64_t seqlen = 2048;
  int64_t max_windows = 0;
  int64_t activation_budget_mb = 4096;
  std::string device = "cpu";
  std::string dtype = "fp32";
  bool json = false;
  DistParams dist;
};

int RunEvalPpl(const EvalPplParams& p) {
  CausalLM::Options options;
  options.resident = false;  // one layer at a time: the model may be larger than RAM
  options.device = ResolveRankDevice(p.device);
  const dist::Communicator comm = JoinProcessGroup(p.dist, options.device.is_cuda());
  options.compute_type = ResolveComputeType(p.dtype, LoadModelConfig(p.model), options.device);
  CausalLM model(p.model, options);
  spdlog::info("model {}: {} ({} layers, hidden {}, vocab {}) on {} in {}, {} threads", p.model,
               ArchitectureName(model.config().arch), model.NumLayers(), model.config().hidden_size,
               model.config().vocab_size, model.device().str(), c10::toString(model.compute_type()),
               at::get_num_threads());
  std::vector<int32_t> stream = LoadTokenStream(p.data, ModelTextCodec(p.model));
  PerplexityOptions o;
  o.seqlen = p.seqlen;
  o.max_windows = p.max_windows;
  o.activation_budget_bytes = static_cast<uint64_t>(p.activation_budget_mb) << 20;
  o.show_progress = comm.is_root();
  spdlog::info("data {}: {} tokens, {} windows of {}", p.data, stream.size(),
               p.max_windows > 0 ? std::min<int64_t>(p.max_windows, static_cast<int64_t>(stream.size()) / p.seqlen)
                                 : static_cast<int64_t>(stream.size()) / p.seqlen,
               p.seqlen);
  PerplexityResult r = EvaluatePerplexity(model, stream, o, comm);
  if (!comm.is_root()) return kExitOk;  // rank 0 prints the result
  if (p.json) {
    PrintJsonResult({{"ppl", r.ppl}, {"nll", r.nll}, {"tokens", r.tokens}, {"windows", r.windows},
                     {"seconds", r.seconds}});
  } else {
    fmt::print("perplexity {:.4f} (nll {:.5f} over {} tokens in {} windows of {}, {:.1f} s)\n", r.ppl, r.nll,
               r.tokens, r.windows, p.seqlen, r.seconds);
  }
  return kExitOk;
}

}  // namespace

void RegisterEval(CLI::App& app, CommandBody& run) {
  CLI::App* eval = app.add_subcommand("eval", "Evaluate a model (perplexity)");
  eval->require_subcommand(1);
  auto p = std::make_shared<EvalPplParams>();
  CLI::App* ppl = eval->add_subcommand(
      "ppl",
      "Perplexity on a token stream, GPTQ protocol: concatenate, cut non-overlapping windows of --seqlen,\n"
      "drop the remainder, exp(mean next-token NLL). Example:\n"
      "  faq eval ppl --model models/tiny-qwen3-target --data ../shared/data/wikitext2/wiki.test.raw --json");
  ppl->add_option("--model", p->model, "Hugging Face model directory (config.json + safetensors)")->required();
  ppl->add_option("--data", p->data,
                  "JSONL with input_ids, text (joined with a blank line) or messages (rendered with the model's chat template) per record, or a raw .txt file")
      ->required()
      ->check(CLI::ExistingFile);
  ppl->add_option("--seqlen", p->seqlen, "Tokens per window")->capture_default_str()->check(CLI::Range(2, 1 << 20));
  ppl->add_option("--max-windows", p->max_windows, "Evaluate at most this many windows (0 = all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  ppl->add_option("--activation-budget-mb", p->activation_budget_mb,
                  "Hidden states kept at once; more windows take several passes over the layers")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  AddDeviceFlags(ppl, p->device, p->dtype, "fp32");
  AddDistFlags(ppl, p->dist);
  ppl->add_flag("--json", p->json, "Print {\"ppl\",\"nll\",\"tokens\",\"windows\",\"seconds\"} as the last line");
  ppl->callback([p, &run] { run = [p] { return RunEvalPpl(*p); }; });
}

}  // namespace faq::cli
