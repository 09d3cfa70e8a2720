# ismc_add_model_executable(target source...): a program with models of its own (the family
# concept, ismc/rates/family.hpp; registered with ismc::register_model, ismc/rates/registry.hpp)
# over the `ismc` command line (ismc::cli). Its `.cu` sources compile with nvcc for the GPU
# when ISMC_MODEL_CUDA is on (the installed package turns it on when ismc was built with
# CUDA and a CUDA compiler is found), with the flags of the library's own kernels; otherwise
# the same files compile as C++ (`-x c++`) for the CPU alone, where
# ismc/kernels/family_kernels.cuh is empty and register_model registers the CPU form.
function(ismc_add_model_executable target)
  if(NOT ARGN)
    message(FATAL_ERROR "ismc_add_model_executable(${target}): expected at least one source file")
  endif()
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE ismc::cli)
  target_compile_features(${target} PRIVATE cxx_std_17)
  foreach(source IN LISTS ARGN)
    if(NOT source MATCHES "\\.cu$")
      continue()
    endif()
    if(ISMC_MODEL_CUDA)
      set_source_files_properties(${source} PROPERTIES LANGUAGE CUDA)
    else()
      set_source_files_properties(${source} PROPERTIES LANGUAGE CXX COMPILE_OPTIONS "-xc++")
    endif()
  endforeach()
  if(ISMC_MODEL_CUDA)
    # No FMA contraction, so that device arithmetic follows the host's expression order.
    target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:CUDA>:--fmad=false --expt-relaxed-constexpr>)
    set_target_properties(${target} PROPERTIES CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON)
    target_link_libraries(${target} PRIVATE CUDA::cudart_static)
  endif()
endfunction()
