// quant_bench: figures for the PTQ engine's CPU kernels, measured in one run so the ratios
// compare like with like.
//  - Hessian accumulation GFLOP/s beside a plain GEMM of the same shape;
//  - GPTQ solve seconds for 4096×4096 and 11008×4096 linears, beside a straightforward
//    per-column implementation of the reference algorithm (ATen ops per column);
//  - end-to-end GPTQ quantization of the trained test model (../shared/models/llama2xs-hf,
//    128 windows of 256 tokens): seconds and peak RSS (measured first, before the large
//    solves raise the process peak).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include <sys/resource.h>

#include <filesystem>

#include "faq/eval/token_source.h"
#include "faq/model/causal_lm.h"
#include "faq/quant/gptq_solver.h"
#include "faq/quant/model_quantizer.h"
#include "faq/quant/hessian.h"
#include "faq/quant/quant_grid.h"

namespace {

double Seconds(const std::function<void()>& f, int repeats) {
  f();  // warm-up
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
}

// The reference algorithm written plainly: per column, ATen ops on [N] vectors and a
// rank-1 update of the rest of the block (IST-DASLab fasterquant, group 128, no act-order).
at::Tensor NaiveGptq(at::Tensor w, at::Tensor h, int64_t gs) {
  const int64_t k = w.size(1);
  h = h + at::eye(k) * (0.01 * h.diagonal().mean().item<double>());
  at::Tensor u = at::linalg_cholesky(at::cholesky_inverse(at::linalg_cholesky(h)), true);
  at::Tensor q = at::zeros_like(w);
  faq::GroupGrid grid;
  for (int64_t i1 = 0; i1 < k; i1 += 128) {
    const int64_t i2 = std::min<int64_t>(i1 + 128, k);
    at::Tensor w1 = w.narrow(1, i1, i2 - i1).clone();
    at::Tensor e1 = at::zeros_like(w1);
    for (int64_t i = 0; i < i2 - i1; ++i) {
      if ((i1 + i) % gs == 0) grid = faq::FitGroupGrid(w.narrow(1, i1 + i, gs), 4, true);
      at::Tensor col = w1.select(1, i);
      at::Tensor codes = faq::QuantizeToCodes(col.unsqueeze(1), grid, 4).squeeze(1);
      at::Tensor deq = grid.scale * (codes - grid.zero);
      q.select(1, i1 + i).copy_(deq);
      at::Tensor e = (col - deq) / u[i1 + i][i1 + i];
      w1.narrow(1, i, i2 - i1 - i).sub_(e.unsqueeze(1).mm(u[i1 + i].narrow(0, i1 + i, i2 - i1 - i).unsqueeze(0)));
      e1.select(1, i).copy_(e);
    }
    if (i2 < k) w.narrow(1, i2, k - i2).sub_(e1.mm(u.narrow(0, i1, i2 - i1).narrow(1, i2, k - i2)));
  }
  return q;
}

}  // namespace

void EndToEnd() {
  const std::filesystem::path shared = FAQ_SHARED_DIR;
  if (!std::filesystem::exists(shared / "models/llama2xs-hf")) {
    std::printf("end-to-end: skipped (%s/models not found)\n", FAQ_SHARED_DIR);
    return;
  }
  auto start = std::chrono::steady_clock::now();
  faq::CausalLM model(shared / "models/llama2xs-hf", {.resident = false});
  auto docs = faq::LoadTokenDocuments(shared / "models/llama2xs_calib.jsonl", {});
  auto calib = faq::BuildCalibrationSet(docs, faq::CalibrationMode::kConcat, 128, 256);
  faq::ModelQuantizerOptions o;
  o.scheme.group_size = 32;
  o.show_progress = false;
  auto r = faq::QuantizeModel(model, calib, o);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("end-to-end gptq 4-bit g32 on llama2xs (%zu linears, %ld calibration windows of 256): %.2f s, "
              "peak RSS %.0f MiB\n",
              r.linears.size(), calib.Samples(), seconds, usage.ru_maxrss / 1024.0);
}

int main() {
  std::printf("threads: %d\n", at::get_num_threads());
  EndToEnd();
  // Hessian accumulation: 4096 columns, batches of 2048 tokens.
  const int64_t k = 4096, tokens = 2048;
  at::Tensor x = at::randn({tokens, k});
  at::Tensor y = at::randn({k, k});
  const double flops = 2.0 * tokens * k * k;
  double gemm = Seconds([&] { (void)at::mm(x.t(), x); }, 3);
  faq::HessianAccumulator acc(k);
  double hess = Seconds([&] { acc.Add(x); }, 3);
  std::printf("hessian accumulation %ldx%ld += X^T X (X %ldx%ld): %.1f GFLOP/s; plain GEMM same shape: %.1f GFLOP/s; "
              "ratio %.2f\n",
              k, k, tokens, k, flops / hess / 1e9, flops / gemm / 1e9, gemm / hess);
  // GPTQ solve.
  for (int64_t n : {int64_t{4096}, int64_t{11008}}) {
    at::Tensor w = at::randn({n, k}) / 64.0;
    at::Tensor xs = at::randn({1024, k});
    at::Tensor h = xs.t().mm(xs) * (2.0 / 1024);
    faq::GptqOptions o;
    o.scheme = {4, 128, true, false, false};
    o.compute_loss = false;  // the reference loop reports no loss either
    faq::SolveReport report;
    double fused = Seconds([&] { (void)faq::GptqSolve(w, h, {}, o, &report); }, 1);
    double naive = Seconds([&] { (void)NaiveGptq(w.clone(), h, 128); }, 1);
    std::printf("gptq solve %ldx%ld (4-bit, group 128): %.2f s; per-column reference implementation: %.2f s; "
                "speed-up %.2fx\n",
                n, k, fused, naive, naive / fused);
  }
  return 0;
}
