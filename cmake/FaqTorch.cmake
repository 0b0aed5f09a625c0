# Finds LibTorch 2.x. A user's own LibTorch wins (-DTorch_DIR=... or CMAKE_PREFIX_PATH);
# otherwise the project venv's `torch` wheel is asked where its CMake files are.
if(NOT Torch_DIR)
  set(_faq_py "${FAQ_PYTHON}")
  if(NOT _faq_py AND EXISTS "${CMAKE_SOURCE_DIR}/.venv/bin/python")
    set(_faq_py "${CMAKE_SOURCE_DIR}/.venv/bin/python")
  endif()
  if(_faq_py)
    execute_process(
      COMMAND "${_faq_py}" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE _faq_torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _faq_rc ERROR_QUIET)
    if(_faq_rc EQUAL 0)
      list(APPEND CMAKE_PREFIX_PATH "${_faq_torch_prefix}")
    endif()
  endif()
endif()

# The PyPI wheel is a CUDA build: its CMake config wants the CUDA toolkit even though we
# execute on the CPU. Point it at the system toolkit when the user has not.
if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
  set(CUDAToolkit_ROOT /usr/local/cuda)
endif()
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0")  # no device to detect here; a GPU node may override
endif()

find_package(Torch REQUIRED)
if(Torch_VERSION AND Torch_VERSION VERSION_LESS 2.0)
  message(FATAL_ERROR "faq needs LibTorch 2.x, found ${Torch_VERSION}")
endif()
message(STATUS "LibTorch: ${TORCH_INSTALL_PREFIX} (${Torch_VERSION})")

# Targets that use LibTorch must share its ABI flags; everything links through this interface.
add_library(faq_torch_deps INTERFACE)
target_link_libraries(faq_torch_deps INTERFACE ${TORCH_LIBRARIES})
target_compile_options(faq_torch_deps INTERFACE ${TORCH_CXX_FLAGS})

# A PyPI wheel carries its CUDA libraries in site-packages/nvidia/*/lib and finds them at
# run time through its own RUNPATH. The linker must look there too, or it checks
# libtorch_cuda.so against older system copies (e.g. NCCL) and fails.
file(GLOB _faq_wheel_cuda_libs LIST_DIRECTORIES true "${TORCH_INSTALL_PREFIX}/../nvidia/*/lib")
foreach(_dir IN LISTS _faq_wheel_cuda_libs)
  target_link_options(faq_torch_deps INTERFACE "LINKER:-rpath-link,${_dir}")
endforeach()
