# Fails when a registered test has no label (`ctest -L <area>` would never run it): lists the
# tests that no label matches. Run by ctest as suite.EveryTestHasALabel.
#   cmake -DCTEST=<ctest> -DBUILD_DIR=<build> -P every_test_labelled.cmake
execute_process(COMMAND "${CTEST}" -N -LE "." WORKING_DIRECTORY "${BUILD_DIR}" OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ctest -N failed (${rc}):\n${listing}")
endif()
string(REGEX MATCH "Total Tests: ([0-9]+)" total "${listing}")
if(NOT CMAKE_MATCH_1 STREQUAL "0")
  message(FATAL_ERROR "tests without a label (add them with faq_test in tests/<area>/):\n${listing}")
endif()
