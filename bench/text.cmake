# Tokenizer throughput (compared with Hugging Face tokenizers by scripts/bench_tokenizer.sh).
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/tokenizer_bench.cpp" AND TARGET dep_text)
  add_executable(tokenizer_bench tokenizer_bench.cpp)
  target_link_libraries(tokenizer_bench PRIVATE dep_warnings dep_text)
endif()
