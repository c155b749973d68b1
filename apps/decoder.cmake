# dep-model: decoder logits / greedy tokens for comparison with other implementations.
if(TARGET dep_decoder)
  dep_add_app(dep-model dep_model.cpp dep_decoder)
  target_precompile_headers(dep-model REUSE_FROM dep_torch_pch)
  target_link_libraries(dep-model PRIVATE dep_embed)  # `dep-model embed`: the XLM-R encoder
endif()
