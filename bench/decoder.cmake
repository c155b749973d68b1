# decoder_bench: Qwen2 prefill/decode tokens per second (scripts/bench_decoder.sh compares it with HF).
if(TARGET dep_decoder)
  add_executable(decoder_bench decoder_bench.cpp)
  target_link_libraries(decoder_bench PRIVATE dep_decoder dep_warnings)
  target_precompile_headers(decoder_bench REUSE_FROM dep_torch_pch)
endif()
