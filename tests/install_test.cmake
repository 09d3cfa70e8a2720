# Installs the built project into a scratch prefix, then configures, builds and runs
# examples/custom_test as a separate project that finds ismc with find_package(ismc).
# Run by CTest: cmake -DBINARY_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -P this
foreach(var BINARY_DIR SOURCE_DIR WORK_DIR GENERATOR)
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
foreach(path include/ismc/rates.hpp bin/ismc lib/cmake/ismc/ismcConfig.cmake)
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
