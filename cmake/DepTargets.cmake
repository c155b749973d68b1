# Helpers that declare dep's libraries, torch-using targets and Catch2 test binaries.

# Sources of a library are the .cpp files of one folder under src/.
function(dep_add_library name folder)
  file(GLOB _srcs CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/src/${folder}/*.cpp")
  add_library(${name} STATIC ${_srcs})
  target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}/include")
  target_link_libraries(${name} PRIVATE dep_warnings)
endfunction()

# Torch-heavy targets share one precompiled header (one TU with <torch/torch.h> costs ~15 s
# here, ~7 s with the PCH).
function(dep_use_torch target)
  target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES})
  if(TARGET dep_torch_pch)
    target_precompile_headers(${target} REUSE_FROM dep_torch_pch)
  endif()
endfunction()

# One Catch2 binary per library (folder under tests/); ctest sees every test case.
function(dep_add_test_binary name folder)
  file(GLOB _srcs CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/${folder}/*.cpp")
  add_executable(${name} ${_srcs} "${PROJECT_SOURCE_DIR}/tests/test_main.cpp")
  target_link_libraries(${name} PRIVATE Catch2::Catch2 dep_warnings ${ARGN})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/tests/support")
  target_compile_definitions(${name} PRIVATE
    DEP_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    DEP_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/../shared/fixtures"
    DEP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  catch_discover_tests(${name} WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                       PROPERTIES ENVIRONMENT "DEP_BIN_DIR=${PROJECT_BINARY_DIR}/bin")
endfunction()
