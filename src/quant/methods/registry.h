// Factories and option declarations of the registered methods (one method file each).
#pragma once

#include <memory>
#include <span>

#include "faq/quant/method.h"

namespace faq {

std::unique_ptr<QuantSolver> MakeRtnSolver(const MethodOptions& options);
std::unique_ptr<QuantSolver> MakeGptqSolver(const MethodOptions& options);
std::unique_ptr<QuantSolver> MakeGptaqSolver(const MethodOptions& options);
std::unique_ptr<QuantSolver> MakeSpqrSolver(const MethodOptions& options);

std::unique_ptr<QuantTransform> MakeAwqTransform(const MethodOptions& options);
std::unique_ptr<QuantSolver> MakeAwqSolver(const MethodOptions& options);

std::span<const OptionSpec> GptqOptionSpecs();
std::span<const OptionSpec> AwqOptionSpecs();
std::span<const OptionSpec> GptaqOptionSpecs();
std::span<const OptionSpec> SpqrOptionSpecs();

}  // namespace faq
