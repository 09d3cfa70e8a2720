# One helper creates every test: ismc_add_test(NAME SOURCES ... [LABELS ...] [LIBS ...])
# builds a GoogleTest executable and registers it with CTest under its labels.
# GPU tests carry the label `gpu`; a CPU machine runs `ctest -LE gpu`.
find_package(GTest REQUIRED)
include(GoogleTest)

function(ismc_add_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;LABELS;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ismc::ismc GTest::gtest GTest::gtest_main ${arg_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  gtest_discover_tests(${name}
    PROPERTIES LABELS "${arg_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()
