#include "faq/template/template.h"

#include "template/interpreter.h"
#include "template/lexer.h"
#include "template/parser.h"

namespace faq {

struct Template::Impl {
  std::string source;
  tmpl::SourceMap map;
  std::vector<tmpl::NodePtr> body;

  Impl(std::string src, std::string name) : source(std::move(src)), map(std::move(name), source) {}
};

Template::Template(std::string source, std::string name) {
  std::string normalized = tmpl::NormalizeSource(source);
  impl_ = std::make_unique<Impl>(std::move(normalized), std::move(name));
  tmpl::Parser parser(tmpl::Tokenize(impl_->source, impl_->map), impl_->map);
  impl_->body = parser.ParseTemplate();
}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

const std::string& Template::name() const { return impl_->map.name(); }

std::string Template::Render(const nlohmann::ordered_json& variables, const TemplateLimits& limits) const {
  if (!variables.is_object() && !variables.is_null()) throw Error(name() + ": template variables must be a JSON object");
  auto globals = std::make_shared<tmpl::Scope>();
  tmpl::AddGlobals(*globals);
  auto context = std::make_shared<tmpl::Scope>(globals);
  if (variables.is_object()) {
    for (const auto& [k, v] : variables.items()) context->Set(k, tmpl::Value::FromJson(v));
  }
  tmpl::RenderLimits l;
  l.max_output_bytes = limits.max_output_bytes;
  l.max_call_depth = limits.max_call_depth;
  l.max_steps = limits.max_steps;
  tmpl::Interpreter interpreter(impl_->map, l);
  return interpreter.Render(impl_->body, context);
}

}  // namespace faq
