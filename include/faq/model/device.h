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
// The same, for a model that computes on `device`: "auto" keeps fp32 on a CPU without
// native matrix instructions for the checkpoint's 16-bit type (AVX512-BF16/AMX-BF16 for
// bf16, AVX512-FP16/AMX-FP16 for fp16), where LibTorch's 16-bit GEMM is many times slower
// than its fp32 one, and says so in the log. An explicit "bf16"/"fp16" is always obeyed.
c10::ScalarType ResolveComputeType(const std::string& spec, const ModelConfig& config, c10::Device device);
// Whether this CPU has native matrix instructions for `type` (true for fp32).
bool CpuComputesNatively(c10::ScalarType type);
// "fp32", "bf16", "fp16" (the --dtype spelling), or the type's own name for any other.
std::string DtypeName(c10::ScalarType type);

// The declarations of --device and --dtype (the dtype's default differs per command), shared
// by every command that takes them.
OptionSpec DeviceOptionSpec();
OptionSpec DtypeOptionSpec(const char* default_dtype);

}  // namespace faq
