# generate_bench: engine generation tokens/s with the reference's sampling (vs bench/generate_hf.py).
if(TARGET dep_generate)
  add_executable(generate_bench generate_bench.cpp)
  target_link_libraries(generate_bench PRIVATE dep_generate dep_warnings)
  target_precompile_headers(generate_bench REUSE_FROM dep_torch_pch)
endif()
