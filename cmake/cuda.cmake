# CUDA for ismc: one architecture by default (90, Hopper) to keep the compile short;
# set CMAKE_CUDA_ARCHITECTURES (e.g. `native` on a laptop GPU) to override.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90)
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)

# Adds the CUDA kernels and their host glue to a target.
function(ismc_add_cuda_sources target)
  file(GLOB ismc_cuda_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/*.cu)
  target_sources(${target} PRIVATE ${ismc_cuda_sources})
  target_compile_definitions(${target} PUBLIC ISMC_HAVE_CUDA=1)
  # No FMA contraction, so that device arithmetic follows the host's expression order.
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:--fmad=false --expt-relaxed-constexpr>)
  target_link_libraries(${target} PRIVATE CUDA::cudart_static)
  set_target_properties(${target} PROPERTIES CUDA_SEPARABLE_COMPILATION OFF)
endfunction()
