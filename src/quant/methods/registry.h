// Factories of the registered methods (one per method file).
#pragma once

#include <memory>

#include "faq/quant/method.h"

namespace faq {

std::unique_ptr<QuantMethod> MakeRtnMethod(const MethodOptions& options);
std::unique_ptr<QuantMethod> MakeGptqMethod(const MethodOptions& options);
std::unique_ptr<QuantMethod> MakeGptaqMethod(const MethodOptions& options);

}  // namespace faq
