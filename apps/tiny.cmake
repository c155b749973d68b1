# dep-make-tiny: the demo's tiny models (library dep_tiny in src/tiny), decoder pretraining and the
# held-out loss of the demo's methods.
if(TARGET dep_data AND TARGET dep_model AND TARGET dep_adapter AND TARGET dep_embed)
  dep_add_library(dep_tiny tiny)
  target_link_libraries(dep_tiny PUBLIC dep_data dep_model dep_text dep_adapter dep_embed)
  dep_use_torch(dep_tiny)
  dep_add_app(dep-make-tiny dep_make_tiny.cpp dep_tiny)
  target_precompile_headers(dep-make-tiny REUSE_FROM dep_torch_pch)
endif()
