// faq's CUDA kernels against the library routines a user would otherwise get, in one run:
// the Hessian update against cuBLAS syrk (and ATen's GEMM), the GPTQ solve on the GPU
// against the CPU loop. Prints one JSON object; {"skipped": ...} without a GPU.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDAStream.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include <nlohmann/json.hpp>

#include "faq/quant/cuda_ops.h"
#include "faq/quant/gptq_solver.h"

namespace {

// Mean seconds per call on the GPU (CUDA events, after one warm-up call).
double GpuSeconds(const std::function<void()>& f, int reps) {
  f();
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  cudaEventRecord(start, c10::cuda::getCurrentCUDAStream().stream());
  for (int i = 0; i < reps; ++i) f();
  cudaEventRecord(stop, c10::cuda::getCurrentCUDAStream().stream());
  cudaEventSynchronize(stop);
  float ms = 0;
  cudaEventElapsedTime(&ms, start, stop);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms / 1e3 / reps;
}

double HostSeconds(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    std::fprintf(stderr, "cuBLAS error %d in %s\n", static_cast<int>(s), what);
    std::exit(1);
  }
}

nlohmann::json HessianVersusSyrk(int64_t k, int64_t tokens) {
  at::Tensor x = at::randn({tokens, k}, at::TensorOptions().device(at::kCUDA));
  at::Tensor h = at::zeros({k, k}, x.options());
  at::Tensor c = at::zeros({k, k}, x.options());
  cublasHandle_t handle;
  Check(cublasCreate(&handle), "cublasCreate");
  Check(cublasSetStream(handle, c10::cuda::getCurrentCUDAStream().stream()), "cublasSetStream");
  const float alpha = 1.0f, beta = 1.0f;
  // Row-major x [tokens, k] is column-major xᵀ [k, tokens]: C = xᵀ·x is syrk with no transpose.
  const double syrk = GpuSeconds(
      [&] {
        Check(cublasSsyrk(handle, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N, static_cast<int>(k), static_cast<int>(tokens),
                          &alpha, x.data_ptr<float>(), static_cast<int>(k), &beta, c.data_ptr<float>(),
                          static_cast<int>(k)),
              "cublasSsyrk");
      },
      5);
  const double gemm = GpuSeconds([&] { h.addmm_(x.t(), x, 1.0, 1.0); }, 5);
  const double faq = GpuSeconds([&] { faq::HessianUpdateCuda(h, x, 1.0, 1.0); }, 5);
  cublasDestroy(handle);
  const double flops = 2.0 * static_cast<double>(tokens) * static_cast<double>(k) * static_cast<double>(k);
  return {{"k", k},
          {"tokens", tokens},
          {"faq_kernel_tflops", flops / faq / 1e12},
          {"cublas_syrk_tflops_equivalent", flops / syrk / 1e12},
          {"aten_gemm_tflops", flops / gemm / 1e12},
          {"faq_seconds", faq},
          {"syrk_seconds", syrk},
          {"faq_over_syrk_time", faq / syrk}};
}

nlohmann::json SolveOnGpuVersusCpu(int64_t n, int64_t k) {
  at::Tensor w = at::randn({n, k}) / 64.0;
  at::Tensor xs = at::randn({1024, k});
  at::Tensor h = xs.t().mm(xs) * (2.0 / 1024);
  faq::GptqOptions o;
  o.scheme = {4, 128, true, false, false};
  o.compute_loss = false;
  faq::SolveReport report;
  const at::Tensor w_gpu = w.cuda(), h_gpu = h.cuda();
  (void)faq::GptqSolve(w_gpu, h_gpu, {}, o, &report);  // warm-up: cuSOLVER and cuBLAS handles
  const double gpu = HostSeconds([&] {
    (void)faq::GptqSolve(w_gpu, h_gpu, {}, o, &report);
    cudaDeviceSynchronize();
  });
  const double cpu = HostSeconds([&] { (void)faq::GptqSolve(w, h, {}, o, &report); });
  return {{"n", n}, {"k", k}, {"gpu_seconds", gpu}, {"cpu_seconds", cpu}, {"speedup", cpu / gpu},
          {"cpu_threads", at::get_num_threads()}};
}

}  // namespace

int main() {
  if (!at::globalContext().hasCUDA() || at::detail::getCUDAHooks().deviceCount() == 0) {
    std::printf("%s\n", nlohmann::json({{"skipped", "no CUDA device"}}).dump().c_str());
    return 0;
  }
  nlohmann::json out;
  out["device"] = "cuda:0";
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  out["gpu"] = prop.name;
  out["hessian"] = {HessianVersusSyrk(4096, 2048), HessianVersusSyrk(11008, 2048)};
  out["gptq_solve"] = {SolveOnGpuVersusCpu(4096, 4096), SolveOnGpuVersusCpu(11008, 4096)};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
