# System dependencies, all from Debian's packages (see tools/setup.sh).
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 2 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
# Debian's cpp-httplib is a compiled library: code that includes <httplib.h> must see the
# feature macros it was built with, which PkgConfig::HTTPLIB carries (HTTPLIB_CFLAGS_OTHER).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

# Warnings for faq's own targets.
function(faq_warnings target)
  # Designated initializers leave fields at their defaults on purpose.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
endfunction()

# LibTorch's include directory bundles its own (newer) fmt, and it is searched before
# /usr/include. spdlog from Debian is built against the system fmt, so faq's code must see
# that one: a -I shim (searched before any -isystem directory) points `<fmt/...>` there.
find_path(FAQ_SYSTEM_FMT_DIR fmt/format.h PATHS /usr/include /usr/local/include NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH)
if(NOT FAQ_SYSTEM_FMT_DIR)
  message(FATAL_ERROR "fmt headers not found (Debian package libfmt-dev)")
endif()
set(FAQ_FMT_SHIM "${CMAKE_BINARY_DIR}/include-shim")
file(MAKE_DIRECTORY "${FAQ_FMT_SHIM}")
file(CREATE_LINK "${FAQ_SYSTEM_FMT_DIR}/fmt" "${FAQ_FMT_SHIM}/fmt" SYMBOLIC)

find_package(yaml-cpp REQUIRED)
if(TARGET yaml-cpp::yaml-cpp)
  set(FAQ_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(FAQ_YAML_TARGET yaml-cpp)
endif()
