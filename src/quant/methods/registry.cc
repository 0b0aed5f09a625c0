// The method table: name, description, its parts and the options it reads. A new method
// is one file plus one row here.
#include "registry.h"

#include <fmt/format.h>

#include "faq/util/error.h"

namespace faq {
namespace {

const MethodRow kMethods[] = {
    {"rtn", "round to nearest, no calibration (data-free baseline)", nullptr, &MakeRtnSolver, {}},
    {"gptq", "GPTQ: inverse-Hessian error compensation (Frantar et al. 2022)", nullptr, &MakeGptqSolver,
     GptqOptionSpecs()},
    {"gptaq", "GPTAQ: GPTQ plus asymmetric calibration toward the full-precision output (Li et al. 2025)",
     nullptr, &MakeGptaqSolver, GptaqOptionSpecs()},
    {"awq", "AWQ: activation-aware scales folded into the preceding norm/linear, clip search, zero-point RTN "
            "(Lin et al. 2024); awq+gptq solves the scaled weights with GPTQ",
     &MakeAwqTransform, &MakeAwqSolver, AwqOptionSpecs()},
    {"spqr", "SpQR: GPTQ with small groups, 3-bit bilevel stats and full-precision outliers (Dettmers et al. 2023); "
             "--format spqr",
     nullptr, &MakeSpqrSolver, SpqrOptionSpecs()},
};

const MethodRow& Row(std::string_view name) {
  std::string known;
  for (const auto& row : kMethods) {
    if (name == row.name) return row;
    known += (known.empty() ? "" : ", ") + std::string(row.name);
  }
  throw UsageError(fmt::format("unknown quantization method '{}' (expected one of {}, or transform+solver)", name,
                               known));
}

// The (transform row, solver row) of a spec; the transform row may be null.
std::pair<const MethodRow*, const MethodRow*> Resolve(std::string_view spec) {
  const size_t plus = spec.find('+');
  if (plus == std::string_view::npos) {
    const MethodRow& row = Row(spec);
    if (row.make_solver == nullptr) {
      throw UsageError(fmt::format("method '{}' is a transform only; pair it with a solver, e.g. '{}+gptq'", spec, spec));
    }
    return {row.make_transform != nullptr ? &row : nullptr, &row};
  }
  const MethodRow& transform = Row(spec.substr(0, plus));
  const MethodRow& solver = Row(spec.substr(plus + 1));
  if (transform.make_transform == nullptr) {
    throw UsageError(fmt::format("method '{}': '{}' has no transform to run before a solver", spec, transform.name));
  }
  if (solver.make_solver == nullptr) {
    throw UsageError(fmt::format("method '{}': '{}' has no solver", spec, solver.name));
  }
  return {&transform, &solver};
}

}  // namespace

std::span<const MethodRow> MethodTable() { return kMethods; }

void CheckMethodSpec(std::string_view spec) { Resolve(spec); }

QuantMethod MakeQuantMethod(std::string_view spec, const MethodOptions& options) {
  auto [transform, solver] = Resolve(spec);
  QuantMethod m;
  m.name = std::string(spec);
  if (transform != nullptr) m.transform = transform->make_transform(options);
  m.solver = solver->make_solver(options);
  return m;
}

MethodPolicy QuantMethod::Policy() const {
  MethodPolicy p = solver->Policy();
  if (transform) {
    p.needs_calibration = true;  // a transform searches on activations
    p.asymmetric_by_default = p.asymmetric_by_default || transform->AsymmetricByDefault();
  }
  return p;
}

std::vector<std::string> QuantMethod::Parts() const {
  std::vector<std::string> out;
  if (transform) out.emplace_back(transform->Name());
  if (out.empty() || solver->Name() != out.front()) out.emplace_back(solver->Name());
  return out;
}

std::vector<std::pair<std::string, std::string>> ListQuantMethods() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : kMethods) out.emplace_back(row.name, row.description);
  return out;
}

}  // namespace faq
