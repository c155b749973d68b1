# train_bench: DEP training step tokens/s, frozen decoder fwd+bwd into the adapter
# (scripts/bench_train.sh compares it with Hugging Face transformers).
if(TARGET dep_train)
  add_executable(train_bench train_bench.cpp)
  target_link_libraries(train_bench PRIVATE dep_train dep_warnings)
  target_precompile_headers(train_bench REUSE_FROM dep_torch_pch)
endif()
