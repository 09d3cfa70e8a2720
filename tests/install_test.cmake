# Installs the built project into a scratch prefix, then configures, builds and runs
# examples/custom_test as a separate project that finds ismc with find_package(ismc), and
# examples/custom_device_model (a program with its own model over ismc::cli, built by
# ismc_add_model_executable: as C++ for the CPU when the installed ismc has no CUDA), whose
# plain and importance studies must match the model's exact rate within 4 SE
# (tests/support/check_rates_csv.py).
# Run by CTest: cmake -DBINARY_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=...
#               -DPYTHON=... -P this
foreach(var BINARY_DIR SOURCE_DIR WORK_DIR GENERATOR PYTHON)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_test: ${var} is not set")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "install_test: ${name} failed (${status})\n${out}\n${err}")
  endif()
  message(STATUS "install_test: ${name}: ok")
endfunction()

run_step("install" ${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${prefix}")
foreach(path include/ismc/rates.hpp bin/ismc lib/cmake/ismc/ismcConfig.cmake
             lib/cmake/ismc/ismcModel.cmake include/ismc/cli/main.hpp
             include/ismc/rates/registry.hpp include/ismc/kernels/family_kernels.cuh)
  if(NOT EXISTS "${prefix}/${path}")
    message(FATAL_ERROR "install_test: ${prefix}/${path} was not installed")
  endif()
endforeach()
run_step("configure consumer" ${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/custom_test"
         -B "${WORK_DIR}/consumer" -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}"
         -DCMAKE_BUILD_TYPE=Release)
run_step("build consumer" ${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run_step("run consumer" "${WORK_DIR}/consumer/custom_test")
run_step("installed ismc --version" "${prefix}/bin/ismc" --version)

# A program with its own model: configure and build against the package, then run its
# studies on the CPU backend and check them against the exact rate.
find_program(ccache_program ccache)
set(launcher)
if(ccache_program)
  set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${ccache_program}")
endif()
set(model_dir "${WORK_DIR}/custom_device_model")
run_step("configure model program" ${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/custom_device_model"
         -B "${model_dir}" -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}"
         -DCMAKE_BUILD_TYPE=Release ${launcher})
run_step("build model program" ${CMAKE_COMMAND} --build "${model_dir}")
foreach(study two_stage two_stage_importance)
  run_step("run ${study}" "${model_dir}/two_stage_ismc" rates
           "${SOURCE_DIR}/examples/custom_device_model/${study}.toml" --backend cpu --quiet
           --out "${WORK_DIR}/${study}.csv")
endforeach()
# Plain down to 1e-3 (the smallest rate 1.5e-3), importance down to 1e-6 (1.6e-6).
run_step("plain within 4 SE of the exact rate" "${PYTHON}"
         "${SOURCE_DIR}/tests/support/check_rates_csv.py" exact "${WORK_DIR}/two_stage.csv" 2e-3)
run_step("importance within 4 SE of the exact rate" "${PYTHON}"
         "${SOURCE_DIR}/tests/support/check_rates_csv.py" exact
         "${WORK_DIR}/two_stage_importance.csv" 2e-6)
