// faq's CUDA kernels against their CPU twins. Each test skips itself when no GPU is
// present (the build still compiles and links the kernels).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/cuda/CUDAFunctions.h>
#include <gtest/gtest.h>

#include "faq/quant/cuda_ops.h"
#include "faq/quant/gptq_solver.h"
#include "faq/quant/hessian.h"

namespace faq {
namespace {

bool HaveGpu() { return c10::cuda::device_count() > 0; }

TEST(CudaKernels, AreBuilt) { EXPECT_TRUE(CudaKernelsBuilt()); }

TEST(CudaKernels, HessianUpdateMatchesTheCpuAccumulator) {
  if (!HaveGpu()) GTEST_SKIP() << "no CUDA device";
  at::Generator gen = at::detail::createCPUGenerator(1);
  at::Tensor x = at::randn({300, 96}, gen);
  HessianAccumulator cpu(96), gpu(96);
  for (int64_t t = 0; t < 300; t += 70) {
    cpu.Add(x.narrow(0, t, std::min<int64_t>(70, 300 - t)));
    gpu.Add(x.narrow(0, t, std::min<int64_t>(70, 300 - t)).cuda());
  }
  EXPECT_TRUE(gpu.H().is_cuda());
  EXPECT_LE((gpu.H().cpu() - cpu.H()).abs().max().item<double>(), 1e-3);
}

TEST(CudaKernels, GptqSolveMatchesTheCpuLoop) {
  if (!HaveGpu()) GTEST_SKIP() << "no CUDA device";
  at::Generator gen = at::detail::createCPUGenerator(2);
  at::Tensor w = at::randn({80, 256}, gen) / 16;
  at::Tensor x = at::randn({500, 256}, gen);
  at::Tensor h = x.t().mm(x) / 250;
  for (int64_t gs : {int64_t{32}, int64_t{128}, int64_t{-1}}) {
    for (bool act : {false, true}) {
      GptqOptions o;
      o.scheme = {4, gs, true, act, false};
      SolveReport r1, r2;
      at::Tensor cpu = GptqSolve(w, h, {}, o, &r1).Dequantize();
      QuantizedLinear q = GptqSolve(w.cuda(), h.cuda(), {}, o, &r2);
      at::Tensor gpu = q.Dequantize().cpu();
      EXPECT_LT((gpu - cpu).abs().gt(1e-4).to(at::kDouble).mean().item<double>(), 0.002) << gs << " " << act;
    }
  }
}

TEST(CudaKernels, PackingMatchesTheBitLayout) {
  if (!HaveGpu()) GTEST_SKIP() << "no CUDA device";
  for (int bits : {2, 4, 8}) {
    at::Tensor codes = at::randint(0, 1 << bits, {48, 128}, at::kInt);
    at::Tensor packed = PackGptqQweightCuda(codes.cuda(), bits).cpu();
    const int pf = 32 / bits;
    ASSERT_EQ(packed.size(0), 128 / pf);
    for (int64_t r = 0; r < packed.size(0); r += 7) {
      for (int64_t c = 0; c < 48; c += 5) {
        uint32_t word = static_cast<uint32_t>(packed[r][c].item<int32_t>());
        for (int j = 0; j < pf; ++j) {
          EXPECT_EQ((word >> (bits * j)) & ((1u << bits) - 1u), static_cast<uint32_t>(codes[c][r * pf + j].item<int32_t>()));
        }
      }
    }
  }
}

}  // namespace
}  // namespace faq
