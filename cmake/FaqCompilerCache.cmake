# Use ccache when it is installed: rebuilds of unchanged LibTorch-heavy units become cheap.
find_program(FAQ_CCACHE ccache)
if(FAQ_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${FAQ_CCACHE}")
  # The precompiled header changes its mtime on every configure; ccache must not care.
  set(ENV{CCACHE_SLOPPINESS} "pch_defines,time_macros,include_file_mtime,include_file_ctime")
endif()
