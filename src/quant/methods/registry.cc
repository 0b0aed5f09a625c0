// The method table: name, description, factory. A new method is one file plus one row.
#include "registry.h"

#include "faq/util/error.h"

namespace faq {
namespace {

struct MethodRow {
  const char* name;
  const char* description;
  std::unique_ptr<QuantMethod> (*make)(const MethodOptions&);
};

constexpr MethodRow kMethods[] = {
    {"rtn", "round to nearest, no calibration (data-free baseline)", &MakeRtnMethod},
    {"gptq", "GPTQ: inverse-Hessian error compensation (Frantar et al. 2022)", &MakeGptqMethod},
    {"gptaq", "GPTAQ: GPTQ plus asymmetric calibration toward the full-precision output (Li et al. 2025)",
     &MakeGptaqMethod},
};

}  // namespace

std::unique_ptr<QuantMethod> MakeQuantMethod(std::string_view name, const MethodOptions& options) {
  std::string known;
  for (const auto& row : kMethods) {
    if (name == row.name) return row.make(options);
    known += (known.empty() ? "" : ", ") + std::string(row.name);
  }
  throw UsageError(fmt::format("unknown quantization method '{}' (expected one of {})", name, known));
}

std::vector<std::pair<std::string, std::string>> ListQuantMethods() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : kMethods) out.emplace_back(row.name, row.description);
  return out;
}

}  // namespace faq
