# Compiler warnings shared by every dep target.
add_library(dep_warnings INTERFACE)
target_compile_options(dep_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter>)
