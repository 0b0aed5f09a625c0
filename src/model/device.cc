// ResolveDevice / ResolveComputeType: through LibTorch's CUDA hooks, which answer on any
// LibTorch build (a CPU-only one reports no devices).
#include "faq/model/device.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "faq/util/error.h"

namespace faq {
namespace {

int64_t VisibleGpus() {
  if (!at::globalContext().hasCUDA()) return 0;
  return at::detail::getCUDAHooks().deviceCount();
}

// The "flags" line of /proc/cpuinfo (empty elsewhere).
const std::set<std::string>& CpuFlags() {
  static const std::set<std::string> flags = [] {
    std::set<std::string> out;
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream words(line.substr(line.find(':') + 1));
      for (std::string w; words >> w;) out.insert(w);
      break;
    }
    return out;
  }();
  return flags;
}

std::string WhyNoGpu() {
  if (!at::globalContext().hasCUDA()) return "this LibTorch has no CUDA support or no CUDA driver was found";
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  return visible != nullptr ? fmt::format("CUDA_VISIBLE_DEVICES='{}'", visible) : "no GPU is visible";
}

std::string CheckDevice(const OptionValue& v) {
  const auto& s = std::get<std::string>(v);
  if (s == "cpu" || s == "cuda" || s == "auto") return "";
  if (s.rfind("cuda:", 0) == 0 && s.size() > 5 && s.find_first_not_of("0123456789", 5) == std::string::npos) return "";
  return "cpu, cuda, cuda:N or auto";
}

std::string CheckDtype(const OptionValue& v) {
  const auto& s = std::get<std::string>(v);
  return s == "auto" || s == "fp32" || s == "bf16" || s == "fp16" ? "" : "auto, fp32, bf16 or fp16";
}

}  // namespace

OptionSpec DeviceOptionSpec() {
  return {"device", OptionType::kString, std::string("cpu"),
          "cpu | cuda | cuda:N | auto (the first GPU when one is present, else the CPU)", &CheckDevice};
}

OptionSpec DtypeOptionSpec(const char* default_dtype) {
  return {"dtype", OptionType::kString, std::string(default_dtype),
          "Forward passes in auto (the checkpoint's dtype) | fp32 | bf16 | fp16", &CheckDtype};
}

c10::Device ResolveDevice(const std::string& spec) {
  const int64_t gpus = VisibleGpus();
  if (spec == "cpu") return c10::Device(c10::kCPU);
  if (spec == "auto") return gpus > 0 ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  int64_t index = -1;
  if (spec == "cuda") {
    index = 0;
  } else if (spec.rfind("cuda:", 0) == 0 && spec.size() > 5 &&
             spec.find_first_not_of("0123456789", 5) == std::string::npos) {
    index = std::stoll(spec.substr(5));
  } else {
    throw UsageError(fmt::format("--device: expected cpu, cuda, cuda:N or auto, got '{}'", spec));
  }
  if (gpus == 0) throw UsageError(fmt::format("--device {}: no CUDA device is available ({})", spec, WhyNoGpu()));
  if (index >= gpus) {
    throw UsageError(fmt::format("--device {}: this process sees {} CUDA device(s) (cuda:0 to cuda:{})", spec, gpus,
                                 gpus - 1));
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

c10::ScalarType ResolveComputeType(const std::string& spec, const ModelConfig& config) {
  if (spec == "fp32") return c10::kFloat;
  if (spec == "bf16") return c10::kBFloat16;
  if (spec == "fp16") return c10::kHalf;
  if (spec != "auto") throw UsageError(fmt::format("--dtype: expected auto, fp32, bf16 or fp16, got '{}'", spec));
  if (config.torch_dtype == "bfloat16") return c10::kBFloat16;
  if (config.torch_dtype == "float16") return c10::kHalf;
  return c10::kFloat;
}


bool CpuComputesNatively(c10::ScalarType type) {
  const auto& flags = CpuFlags();
  if (type == c10::kBFloat16) return flags.count("avx512_bf16") > 0 || flags.count("amx_bf16") > 0;
  if (type == c10::kHalf) return flags.count("avx512_fp16") > 0 || flags.count("amx_fp16") > 0;
  return true;
}

std::string DtypeName(c10::ScalarType type) {
  if (type == c10::kFloat) return "fp32";
  if (type == c10::kBFloat16) return "bf16";
  if (type == c10::kHalf) return "fp16";
  return c10::toString(type);
}

c10::ScalarType ResolveComputeType(const std::string& spec, const ModelConfig& config, c10::Device device) {
  const c10::ScalarType type = ResolveComputeType(spec, config);
  if (spec != "auto" || !device.is_cpu() || CpuComputesNatively(type)) return type;
  spdlog::info("--dtype auto: computing in fp32, not the checkpoint's {}: this CPU has no native {} matrix "
               "instructions (--dtype {} forces it)", DtypeName(type), DtypeName(type), DtypeName(type));
  return c10::kFloat;
}

}  // namespace faq
