# The extension module ismc._ismc (src/python/module.cpp, nanobind) and the pure-Python
# package python/ismc/. In a build tree both land in ${CMAKE_BINARY_DIR}/python/ismc/, so
# `PYTHONPATH=build/python` imports the package without installing it; under
# scikit-build-core (`pip install .`) the extension is installed into the wheel's ismc/.
find_package(Python 3.11 REQUIRED COMPONENTS Interpreter Development.Module)
if(NOT nanobind_DIR)
  execute_process(COMMAND "${Python_EXECUTABLE}" -m nanobind --cmake_dir
                  OUTPUT_VARIABLE nanobind_cmake_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE nanobind_found)
  if(NOT nanobind_found EQUAL 0)
    message(FATAL_ERROR "ISMC_BUILD_PYTHON: nanobind is not installed for ${Python_EXECUTABLE}; "
                        "install it with: ${Python_EXECUTABLE} -m pip install -r python/requirements.txt")
  endif()
  set(nanobind_DIR "${nanobind_cmake_dir}" CACHE PATH "nanobind's CMake directory")
endif()
find_package(nanobind CONFIG REQUIRED)

nanobind_add_module(ismc_python NB_STATIC src/python/module.cpp)
set_target_properties(ismc_python PROPERTIES OUTPUT_NAME _ismc
                      LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/python/ismc")
target_link_libraries(ismc_python PRIVATE ismc_cli)

# The package's Python files beside the extension, copied whenever one changes.
file(GLOB ismc_python_files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/python/ismc/*.py"
     "${PROJECT_SOURCE_DIR}/python/ismc/py.typed")
set(ismc_python_copies "")
foreach(source ${ismc_python_files})
  get_filename_component(name "${source}" NAME)
  set(copy "${CMAKE_BINARY_DIR}/python/ismc/${name}")
  add_custom_command(OUTPUT "${copy}" COMMAND ${CMAKE_COMMAND} -E copy_if_different
                     "${source}" "${copy}" DEPENDS "${source}" VERBATIM)
  list(APPEND ismc_python_copies "${copy}")
endforeach()
add_custom_target(ismc_python_files ALL DEPENDS ${ismc_python_copies})
add_dependencies(ismc_python ismc_python_files)

# Type stubs of the extension (nanobind.stubgen), beside it; imported as the top-level
# module _ismc so that stubgen needs none of the package's Python dependencies.
nanobind_add_stub(ismc_python_stub MODULE _ismc
                  OUTPUT "${CMAKE_BINARY_DIR}/python/ismc/_ismc.pyi"
                  PYTHON_PATH "${CMAKE_BINARY_DIR}/python/ismc" DEPENDS ismc_python)

if(SKBUILD)
  install(TARGETS ismc_python LIBRARY DESTINATION ismc COMPONENT python)
  install(FILES "${CMAKE_BINARY_DIR}/python/ismc/_ismc.pyi" DESTINATION ismc COMPONENT python)
endif()

# The package's tests (pytest, tests/python/) against this build: the `ismc` program and the
# package in ${CMAKE_BINARY_DIR}/python.
if(ISMC_BUILD_TESTS)
  add_test(NAME python_tests
           COMMAND "${Python_EXECUTABLE}" -m pytest -q -p no:cacheprovider
                   "${PROJECT_SOURCE_DIR}/tests/python")
  set_tests_properties(python_tests PROPERTIES LABELS python TIMEOUT 600
    ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;ISMC_EXE=$<TARGET_FILE:ismc_exe>;ISMC_SOURCE_DIR=${PROJECT_SOURCE_DIR};MPLBACKEND=Agg")
endif()
