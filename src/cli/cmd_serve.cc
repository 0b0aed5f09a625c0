// faq serve: the model behind an OpenAI-compatible HTTP API until SIGINT/SIGTERM.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/device_flags.h"
#include "faq/serve/openai_server.h"
#include "faq/util/error.h"

namespace faq::cli {
namespace {

struct ServeParams {
  ServeOptions options;
  std::string model;
  bool json = false;
};

int RunServe(ServeParams p) {
  p.options.model_dir = p.model;
  // Block the stop signals before any thread starts (the model's thread pool, the server's
  // workers) so that all of them inherit the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  OpenAiServer server(p.options);
  const int port = server.Start();
  if (p.options.host != "127.0.0.1" && p.options.host != "localhost" && p.options.host != "::1") {
    spdlog::warn("listening on {}: the API has no authentication", p.options.host);
  }
  // The line scripts wait for: where the server is, once it accepts connections.
  PrintJsonResult({{"host", p.options.host},
                   {"port", port},
                   {"model", server.ModelName()},
                   {"base_url", server.BaseUrl()}});
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("signal {}: stopping", signal_number);
  server.Stop();
  const ServeStats stats = server.Stats();
  // `requests` counts the answered ones only; the line counts every request, failed included.
  spdlog::info("served {} requests ({} failed), {} prompt and {} completion tokens",
               stats.requests + stats.failed_requests, stats.failed_requests, stats.prompt_tokens,
               stats.completion_tokens);
  if (p.json) {
    PrintJsonResult({{"requests", stats.requests},
                     {"failed_requests", stats.failed_requests},
                     {"prompt_tokens", stats.prompt_tokens},
                     {"completion_tokens", stats.completion_tokens}});
  }
  return kExitOk;
}

}  // namespace

void RegisterServe(CLI::App& app, CommandBody& run) {
  auto p = std::make_shared<ServeParams>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve a model over the OpenAI HTTP API: /v1/chat/completions (chat template, n, temperature,\n"
      "top_p, top_k, seed, max_tokens, stop, chat_template_kwargs; reasoning split into\n"
      "reasoning_content as vLLM's qwen3 parser), /v1/completions (echo, logprobs: what\n"
      "lm-evaluation-harness's local-completions model scores), /v1/models and /health.\n"
      "Once listening it prints one JSON line {host, port, model, base_url}; SIGINT/SIGTERM stop it.\n"
      "Example:\n"
      "  faq serve --model path/to/Qwen3-0.6B --port 0 --max-batch 8");
  cmd->add_option("--model", p->model, "Hugging Face model directory with its tokenizer files")->required();
  cmd->add_option("--host", p->options.host, "Address to listen on (loopback by default; no authentication)")
      ->capture_default_str();
  cmd->add_option("--port", p->options.port, "TCP port; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--served-model-name", p->options.served_model_name,
                  "The model id clients send (default: the model directory's name)");
  cmd->add_option("--max-batch", p->options.max_batch, "Sequences decoded together (a request with n choices is n)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", p->options.max_body_bytes, "Larger request bodies are answered 413")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  AddDeviceFlags(cmd, p->options.device, p->options.dtype, "fp32");
  cmd->add_flag("--json", p->json, "On exit, print a JSON summary (requests, tokens) as the last stdout line");
  cmd->callback([p, &run] { run = [p] { return RunServe(*p); }; });
}

}  // namespace faq::cli
