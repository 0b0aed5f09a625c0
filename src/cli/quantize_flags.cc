// QuantizeFlags: CLI11 options generated from the table.
#include "cli/quantize_flags.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace faq::cli {

namespace {

std::string HelpOf(const QuantizeOption& o) {
  std::string help(o.spec.help);
  if (!o.methods.empty()) help += fmt::format(" [{}]", fmt::join(o.methods, ", "));
  return help;
}

}  // namespace

QuantizeFlags::QuantizeFlags(CLI::App* cmd) {
  for (const auto& option : QuantizeOptions()) {
    auto slot = std::make_unique<Slot>();
    slot->option = &option;
    const OptionSpec& spec = option.spec;
    const std::string name = "--" + std::string(spec.flag);
    if (spec.type == OptionType::kBool) {
      slot->flag = true;
      const std::string negation = NegationOf(spec);
      slot->cli = cmd->add_flag(name + ",!--" + negation, slot->on, HelpOf(option) + " (--" + negation + " turns it off)");
    } else {
      slot->cli = cmd->add_option(name, slot->text, HelpOf(option))
                      ->type_name(std::string(TypeHint(spec.type)))
                      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // scripts append overrides
    }
    const std::string shown = FormatOptionValue(spec.default_value);
    if (!shown.empty()) slot->cli->default_str(shown);
    slots_.push_back(std::move(slot));
  }
}

void QuantizeFlags::Apply(QuantizeParams& p, std::set<std::string>& given) const {
  for (const auto& slot : slots_) {
    if (slot->cli->count() == 0) continue;
    const OptionSpec& spec = slot->option->spec;
    const std::string text = slot->flag ? (slot->on ? "true" : "false") : slot->text;
    SetOption(p, *slot->option, ParseOptionText(spec, text, "--" + std::string(spec.flag)));
    given.insert(YamlKey(spec.flag));
  }
}

}  // namespace faq::cli
