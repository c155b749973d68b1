# DEP sample construction at full DPL size on synthetic data (figures in docs/PERFORMANCE.md).
if(TARGET dep_data)
  add_executable(data_bench ${CMAKE_CURRENT_LIST_DIR}/data_bench.cpp)
  target_link_libraries(data_bench PRIVATE dep_warnings dep_data)
  target_compile_definitions(data_bench PRIVATE DEP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
