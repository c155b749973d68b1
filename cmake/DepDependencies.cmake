# Finds every third-party package dep builds against.
# LibTorch (>= 2.1) comes from PyPI's torch wheel in DEP_PYTHON's environment, as GPU users run it.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(spdlog REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)

if(NOT DEP_PYTHON)
  if(DEFINED ENV{DEP_VENV})
    set(DEP_PYTHON "$ENV{DEP_VENV}/bin/python3")
  else()
    set(DEP_PYTHON "${CMAKE_CURRENT_SOURCE_DIR}/.venv/bin/python3")
  endif()
endif()
set(DEP_PYTHON "${DEP_PYTHON}" CACHE FILEPATH "Python whose torch wheel provides LibTorch")
execute_process(
  COMMAND "${DEP_PYTHON}" -c "import torch;print(torch.utils.cmake_prefix_path)"
  OUTPUT_VARIABLE DEP_TORCH_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _dep_torch_rc ERROR_QUIET)
if(NOT _dep_torch_rc EQUAL 0)
  message(FATAL_ERROR "'${DEP_PYTHON}' cannot import torch. Run scripts/setup.sh "
                      "or pass -DDEP_PYTHON=/path/to/python (whose torch wheel provides LibTorch).")
endif()
list(PREPEND CMAKE_PREFIX_PATH "${DEP_TORCH_PREFIX}")
# The wheel's libtorch_cuda.so has no RUNPATH (Python preloads its CUDA libraries from the
# nvidia-* wheels). Point the linker and the binaries at those libraries, ahead of any older
# system copies (e.g. an NCCL under /usr/local/cuda).
get_filename_component(_dep_site "${DEP_TORCH_PREFIX}/../../.." ABSOLUTE)
file(GLOB _dep_cuda_lib_dirs LIST_DIRECTORIES true "${_dep_site}/nvidia/*/lib")
set(DEP_TORCH_RUNTIME_DIRS "${_dep_site}/torch/lib" ${_dep_cuda_lib_dirs})
# TorchConfig's find_library calls search system paths before its PATHS hint, so with Debian's
# libtorch-dev also installed they would pick /usr/lib's libtorch.so/libc10.so. Search the wheel first.
list(PREPEND CMAKE_LIBRARY_PATH "${_dep_site}/torch/lib")
# DT_RPATH (not RUNPATH) so the paths also serve libtorch_cuda.so's own dependencies.
add_link_options("LINKER:--disable-new-dtags")
foreach(dir ${DEP_TORCH_RUNTIME_DIRS})
  add_link_options("LINKER:-rpath-link,${dir}" "LINKER:-rpath,${dir}")
endforeach()

# The wheel's TorchConfig wants the CUDA toolkit; point it at nvcc when it is not on PATH.
if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
find_package(Torch REQUIRED)
message(STATUS "dep: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
if(Torch_VERSION VERSION_LESS 2.1)
  message(FATAL_ERROR "dep needs LibTorch >= 2.1, found ${Torch_VERSION} in ${Torch_DIR}")
endif()
# Mixing the wheel's libraries with another LibTorch's crashes at start-up; refuse to build so.
  foreach(lib ${TORCH_LIBRARIES})
    if(lib MATCHES "/lib(torch|torch_cpu|torch_cuda|c10|c10_cuda)\\.so" AND NOT lib MATCHES "^${_dep_site}/torch/lib/")
      message(FATAL_ERROR "LibTorch resolved ${lib}, which is not the wheel's. Delete CMakeCache.txt "
                          "in the build directory (stale cache from before another LibTorch was installed?).")
    endif()
  endforeach()

# dep's own at::parallel_for kernels (src/decoder/kernels) are compiled with OpenMP, else the
# pragma inside at::parallel_for is ignored and they run on one thread. They must use the OpenMP
# runtime libtorch_cpu.so loads (the wheel bundles its libgomp.so.1): two runtimes would keep two
# thread pools spinning against each other. The binaries' RPATH puts the wheel's copy first.
find_package(OpenMP COMPONENTS CXX)
set(DEP_OPENMP_RUNTIME "")
if(OpenMP_CXX_FOUND)
  find_library(DEP_TORCH_OPENMP_RUNTIME NAMES libgomp.so.1 libiomp5.so libomp.so PATHS "${_dep_site}/torch/lib"
               NO_DEFAULT_PATH)
  if(DEP_TORCH_OPENMP_RUNTIME)
    set(DEP_OPENMP_RUNTIME "${DEP_TORCH_OPENMP_RUNTIME}")
  else()
    set(DEP_OPENMP_RUNTIME ${OpenMP_CXX_LIBRARIES})
  endif()
  message(STATUS "dep: OpenMP kernels (${OpenMP_CXX_FLAGS}) linked to ${DEP_OPENMP_RUNTIME}")
else()
  message(WARNING "dep: no OpenMP compiler support; dep's own kernels will run on one thread")
endif()

if(DEP_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()
