# Helpers shared by every component's CMakeLists.txt.

# Warnings for vmuc's own code (never for generated protobuf code).
function(vmuc_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast -Wimplicit-fallthrough)
  if(VMUC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# vmuc_add_library(NAME SOURCES ... DEPS ...): the library vmuc::NAME with an explicit
# source list; include paths are rooted at the repository top ("common/clock.h").
function(vmuc_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(vmuc_${name} STATIC ${ARG_SOURCES})
  add_library(vmuc::${name} ALIAS vmuc_${name})
  target_include_directories(vmuc_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(vmuc_${name} PUBLIC ${ARG_DEPS})
  vmuc_warnings(vmuc_${name})
endfunction()

# vmuc_add_executable(NAME SOURCES ... DEPS ... [HELPER]): a thin main beside its
# component. A HELPER is started by the supervisor, not by users: it installs into
# VMUC_HELPER_DIR (libexec/vmuc) instead of bin (FHS 4.7).
function(vmuc_add_executable name)
  cmake_parse_arguments(ARG "HELPER" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  vmuc_warnings(${name})
  if(ARG_HELPER)
    install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/vmuc)
  else()
    install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endfunction()

# vmuc_add_test(NAME SOURCES ... DEPS ... [LABELS ...] [TIMEOUT s]): one GoogleTest
# binary registered with CTest, its cases discovered one by one.
function(vmuc_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  vmuc_warnings(${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

# vmuc_add_bench(NAME SOURCES ... DEPS ...): a Google Benchmark binary under bench/.
function(vmuc_add_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  vmuc_warnings(${name})
endfunction()
