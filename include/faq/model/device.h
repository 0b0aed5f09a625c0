// Where and in which dtype a model computes: `--device` and `--dtype` as every command that
// runs a forward pass takes them.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

#include "faq/model/model_config.h"
#include "faq/util/option_spec.h"

namespace faq {

// "cpu", "cuda" (= cuda:0), "cuda:N" or "auto" (the first GPU when one is visible, else the
// CPU). Throws faq::UsageError when a GPU is asked for and this process sees none (or not
// that many), or for any other text.
c10::Device ResolveDevice(const std::string& spec);

// "fp32", "bf16", "fp16" or "auto" (the checkpoint's declared torch_dtype; fp32 when it
// declares none or a non-float type). Throws faq::UsageError for any other text.
c10::ScalarType ResolveComputeType(const std::string& spec, const ModelConfig& config);

// The declarations of --device and --dtype (the dtype's default differs per command), shared
// by every command that takes them.
OptionSpec DeviceOptionSpec();
OptionSpec DtypeOptionSpec(const char* default_dtype);

}  // namespace faq
