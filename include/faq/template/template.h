// A Jinja2 template engine for chat templates: the subset of Jinja2 (3.1) that Hugging Face
// chat templates use, configured as transformers configures it (trim_blocks, lstrip_blocks,
// loopcontrols, immutable sandbox, tojson/raise_exception/strftime_now).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace faq {

struct TemplateLimits {
  size_t max_output_bytes = size_t{256} << 20;  // output and any single string
  int max_call_depth = 100;                      // nested macro calls
  uint64_t max_steps = 200'000'000;              // evaluated nodes (stops runaway loops)
};

class Template {
 public:
  // Parses once; throws faq::Error "<name>:<line>:<col>: ..." on syntax errors.
  explicit Template(std::string source, std::string name = "template");
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Renders with `variables` (a JSON object) as the template's context, plus the globals
  // range, namespace, dict, raise_exception and strftime_now. Throws faq::Error with the
  // template location on runtime errors (raise_exception's message included).
  std::string Render(const nlohmann::ordered_json& variables, const TemplateLimits& limits = {}) const;

  const std::string& name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faq
