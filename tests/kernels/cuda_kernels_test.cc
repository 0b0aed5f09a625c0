// faq's CUDA kernels against their CPU twins. Each test skips itself when no GPU is
// present (the build still compiles and links the kernels).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/cuda/CUDAFunctions.h>
#include <gtest/gtest.h>

#include "faq/model/random_model.h"
#include "faq/quant/cuda_ops.h"
#include "faq/quant/gptq_solver.h"
#include "faq/quant/hessian.h"
#include "faq/quant/model_quantizer.h"
#include "support/test_env.h"

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
      // The whole solve stays on the device: every result tensor lives there.
      for (const at::Tensor* t : {&q.qweight, &q.scales, &q.zeros, &q.g_idx}) EXPECT_TRUE(t->is_cuda());
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

TEST(CudaKernels, GptaqSolveStaysOnTheDeviceAndMatchesTheCpu) {
  if (!HaveGpu()) GTEST_SKIP() << "no CUDA device";
  at::Generator gen = at::detail::createCPUGenerator(4);
  at::Tensor w = at::randn({64, 128}, gen) / 12;
  at::Tensor x = at::randn({400, 128}, gen);
  at::Tensor x_fp = x + 0.05 * at::randn({400, 128}, gen);
  HessianAccumulator cpu(128, true), gpu(128, true);
  cpu.Add(x, x_fp);
  gpu.Add(x.cuda(), x_fp.cuda());
  ASSERT_TRUE(gpu.DXXT().is_cuda());
  for (bool exact : {false, true}) {
    GptqOptions o;
    o.scheme = {4, 32, true, false, false};
    o.gptaq_exact = exact;
    SolveReport r1, r2;
    at::Tensor on_cpu = GptqSolve(w, cpu.H(), cpu.DXXT(), o, &r1).Dequantize();
    QuantizedLinear q = GptqSolve(w.cuda(), gpu.H(), gpu.DXXT(), o, &r2);
    EXPECT_TRUE(q.qweight.is_cuda());
    EXPECT_LT((q.Dequantize().cpu() - on_cpu).abs().gt(1e-4).to(at::kDouble).mean().item<double>(), 0.01) << exact;
  }
}

// The whole layer loop on the GPU: calibration activations, statistics, solves and replay on
// the device give the CPU's codes (up to the order of floating-point sums).
TEST(CudaKernels, QuantizeModelOnTheGpuMatchesTheCpu) {
  if (!HaveGpu()) GTEST_SKIP() << "no CUDA device";
  testing::TempDir dir;
  WriteRandomModel(dir / "m", TinyModelConfig("qwen3"), {.seed = 5});
  std::vector<std::vector<int32_t>> docs(1);
  for (int i = 0; i < 2000; ++i) docs[0].push_back((i * 37 + 3) % 250);
  const CalibrationSet calib = BuildCalibrationSet(docs, CalibrationMode::kConcat, 16, 96);
  for (const std::string method : {"gptq", "gptaq"}) {
    ModelQuantizerOptions o;
    o.method = method;
    o.scheme.group_size = 32;
    o.show_progress = false;
    CausalLM cpu_model(dir / "m");
    CausalLM::Options on_gpu;
    on_gpu.device = at::Device(at::kCUDA, 0);
    CausalLM gpu_model(dir / "m", on_gpu);
    const ModelQuantizerResult cpu = QuantizeModel(cpu_model, calib, o);
    const ModelQuantizerResult gpu = QuantizeModel(gpu_model, calib, o);
    ASSERT_EQ(cpu.linears.size(), gpu.linears.size());
    int64_t same = 0, total = 0;
    for (const auto& [name, q] : gpu.linears) {
      EXPECT_FALSE(q.qweight.is_cuda()) << name << ": results come back to the host for export";
      same += q.qweight.eq(cpu.linears.at(name).qweight).sum().item<int64_t>();
      total += q.qweight.numel();
    }
    EXPECT_GE(static_cast<double>(same) / static_cast<double>(total), 0.99) << method;
  }
}

}  // namespace
}  // namespace faq
