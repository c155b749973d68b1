# encoder_bench: XLM-R (bge-m3) embedding throughput against HF transformers (scripts/bench_encoder.sh).
if(TARGET dep_embed)
  add_executable(encoder_bench encoder_bench.cpp)
  target_link_libraries(encoder_bench PRIVATE dep_embed dep_warnings)
  target_precompile_headers(encoder_bench REUSE_FROM dep_torch_pch)
endif()
