# The CUDA kernels: built when nvcc is found (FAQ_CUDA=auto), required (on) or skipped (off).
# Match nvcc's major version to the LibTorch build (the pinned wheel is CUDA 13).
set(FAQ_WITH_CUDA OFF)
if(FAQ_FUZZ OR FAQ_CUDA STREQUAL "off")
  return()
endif()
if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  if(FAQ_CUDA STREQUAL "on")
    message(FATAL_ERROR "FAQ_CUDA=on but no CUDA compiler (nvcc) was found")
  endif()
  message(STATUS "CUDA kernels: off (no nvcc)")
  return()
endif()
# LibTorch's CMake config sets CMAKE_CUDA_ARCHITECTURES to OFF (it passes its own -gencode
# flags), so faq's kernels carry their own list on the target.
set(FAQ_CUDA_ARCHITECTURES "80;90" CACHE STRING "GPU architectures of faq's kernels (A100, H100 by default)")
enable_language(CUDA)
set(FAQ_WITH_CUDA ON)
message(STATUS "CUDA kernels: on (${CMAKE_CUDA_COMPILER_VERSION}, architectures ${FAQ_CUDA_ARCHITECTURES})")
