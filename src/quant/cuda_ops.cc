// Host side of the CUDA kernels: ATen tensors in, raw device pointers and the current
// stream out. The GPTQ block loop's lazy updates go through cuBLAS (ATen addmm).
#include "faq/quant/cuda_ops.h"

#include <ATen/ATen.h>

#include <string_view>

#include "faq/util/error.h"
#include "gptq_block_loop.h"

#ifdef FAQ_WITH_CUDA
#include <c10/cuda/CUDAStream.h>

#include "faq_kernels.h"
#endif

namespace faq {

#ifdef FAQ_WITH_CUDA
namespace {
// A failed CUDA runtime call as a faq::Error naming what was being done.
void CheckCuda(cudaError_t status, std::string_view what) {
  if (status != cudaSuccess) Fail("CUDA error during {}: {}", what, cudaGetErrorString(status));
}
}  // namespace

void RunBlocksCuda(BlockLoop& b) {
  const int64_t k = b.wt.size(0), n = b.wt.size(1), gs = b.group_size;
  auto f32 = b.wt.options().dtype(at::kFloat);
  b.codes = at::empty({k, n}, f32);
  b.deq = at::empty({k, n}, f32);
  at::Tensor err = at::empty({b.block_size, n}, f32);
  const bool fixed = b.static_scale.defined();
  at::Tensor col_group;
  if (fixed) {
    b.static_scale = b.static_scale.to(b.wt.device()).contiguous();
    b.static_zero = b.static_zero.to(b.wt.device()).contiguous();
    col_group = b.col_group.to(b.wt.device()).contiguous();
  } else {
    b.out_scale = at::empty({k / gs, n}, f32);
    b.out_zero = at::empty({k / gs, n}, f32);
  }
  at::Tensor u = b.u.to(b.wt.device()).contiguous();
  at::Tensor p = b.p.defined() ? b.p.to(b.wt.device()).contiguous() : at::Tensor();
  b.u = u;
  b.p = p;
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream(b.wt.device().index()).stream();
  for (int64_t i1 = 0; i1 < k; i1 += b.block_size) {
    const int64_t i2 = std::min(i1 + b.block_size, k);
    at::Tensor stale = fixed ? at::Tensor() : b.wt.narrow(0, i1, i2 - i1).clone();
    kernels::GptqBlockArgs a{};
    a.wt = b.wt.data_ptr<float>();
    a.stale = fixed ? nullptr : stale.data_ptr<float>();
    a.u = u.data_ptr<float>();
    a.p = p.defined() ? p.data_ptr<float>() : nullptr;
    a.n = n;
    a.k = k;
    a.i1 = i1;
    a.count = i2 - i1;
    a.group_size = gs;
    a.bits = b.bits;
    a.sym = b.sym;
    a.static_scale = fixed ? b.static_scale.data_ptr<float>() : nullptr;
    a.static_zero = fixed ? b.static_zero.data_ptr<float>() : nullptr;
    a.col_group = fixed ? col_group.data_ptr<int64_t>() : nullptr;
    a.out_scale = fixed ? nullptr : b.out_scale.data_ptr<float>();
    a.out_zero = fixed ? nullptr : b.out_zero.data_ptr<float>();
    a.codes = b.codes.data_ptr<float>();
    a.deq = b.deq.data_ptr<float>();
    a.err = err.data_ptr<float>();
    kernels::GptqBlock(a, stream);
    CheckCuda(cudaGetLastError(), "the GPTQ block kernel launch");
    LazyUpdate(b, err, i1, i2);
  }
}
bool CudaKernelsBuilt() { return true; }


uint64_t DeviceFreeBytes(at::Device device) {
  int previous = 0;
  CheckCuda(cudaGetDevice(&previous), "cudaGetDevice");
  CheckCuda(cudaSetDevice(device.index() < 0 ? 0 : device.index()), "cudaSetDevice");
  size_t free_bytes = 0, total_bytes = 0;
  const cudaError_t status = cudaMemGetInfo(&free_bytes, &total_bytes);
  cudaSetDevice(previous);
  CheckCuda(status, "cudaMemGetInfo");
  return free_bytes;
}

void HessianUpdateCuda(at::Tensor& h, const at::Tensor& x_in, double keep, double scale) {
  FAQ_CHECK(h.is_cuda() && x_in.is_cuda() && h.scalar_type() == at::kFloat, "HessianUpdateCuda needs fp32 CUDA tensors");
  at::Tensor x = x_in.to(at::kFloat).contiguous();
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream(h.device().index()).stream();
  kernels::HessianUpdate(h.data_ptr<float>(), x.data_ptr<float>(), x.size(0), x.size(1), static_cast<float>(keep),
                         static_cast<float>(scale), stream);
  CheckCuda(cudaGetLastError(), "the Hessian update kernel launch");
}

at::Tensor PackGptqQweightCuda(const at::Tensor& codes_in, int bits) {
  if (bits != 2 && bits != 4 && bits != 8) Fail("the CUDA packing kernel handles 2, 4 and 8 bits, not {}", bits);
  at::Tensor codes = codes_in.to(at::kInt).contiguous();
  const int64_t n = codes.size(0), k = codes.size(1), pf = 32 / bits;
  if (k % pf != 0) Fail("input width {} is not a multiple of {} ({}-bit packing)", k, pf, bits);
  at::Tensor packed = at::empty({k / pf, n}, codes.options());
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream(codes.device().index()).stream();
  kernels::PackGptqQweight(codes.data_ptr<int32_t>(), packed.data_ptr<int32_t>(), n, k, bits, stream);
  CheckCuda(cudaGetLastError(), "the GPTQ packing kernel launch");
  return packed;
}
#else
namespace {
[[noreturn]] void NotBuilt() {
  Fail("tensors are on a CUDA device but faq was built without its CUDA kernels (configure with -DFAQ_CUDA=on)");
}
}  // namespace

bool CudaKernelsBuilt() { return false; }
void RunBlocksCuda(BlockLoop&) { NotBuilt(); }
uint64_t DeviceFreeBytes(at::Device) { NotBuilt(); }
void HessianUpdateCuda(at::Tensor&, const at::Tensor&, double, double) { NotBuilt(); }
at::Tensor PackGptqQweightCuda(const at::Tensor&, int) { NotBuilt(); }
#endif

}  // namespace faq
