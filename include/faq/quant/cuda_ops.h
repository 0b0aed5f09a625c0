// The CUDA kernels (kernels/) behind ATen tensors: used when the tensors live on a GPU.
// Each throws faq::Error when faq was built without its kernels (FAQ_CUDA=off or no nvcc).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace faq {

// Whether this build compiled the CUDA kernels.
bool CudaKernelsBuilt();

// Free memory on CUDA device `device` as the CUDA runtime reports it (cudaMemGetInfo).
uint64_t DeviceFreeBytes(at::Device device);

// h ← keep·h + scale·xᵀx; h [K, K] and x [M, K] fp32 on the same CUDA device.
void HessianUpdateCuda(at::Tensor& h, const at::Tensor& x, double keep, double scale);

// GPTQ qweight [K·bits/32, N] from codes [N, K] (int32, CUDA); bits 2, 4 or 8.
at::Tensor PackGptqQweightCuda(const at::Tensor& codes, int bits);

}  // namespace faq
