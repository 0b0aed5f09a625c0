// The OpenAI-client options that faq regenerate and faq judge share.
#pragma once

#include <CLI/CLI.hpp>

namespace faq::cli {

// `Options` is RegenerateOptions or JudgeOptions: both carry the client's retry settings.
template <typename Options>
void AddClientOptions(CLI::App* cmd, Options& o) {
  cmd->add_option("--timeout", o.timeout_s, "Seconds per attempt")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--retries", o.retries, "Retries of a failed request (429, 5xx, timeouts, resets, bad bodies)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--backoff", o.backoff_base_s,
                  "First retry waits up to this many seconds; doubling, full jitter, at least Retry-After")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--api-key-env", o.api_key_env, "Environment variable holding the API key (Authorization: Bearer)");
}

}  // namespace faq::cli
