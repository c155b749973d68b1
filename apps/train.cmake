# dep-train: DEP adapter training (library dep_train in src/train); METEOR validation generates with
# the engine (dep_generate) and scores with dep_metrics.
if(TARGET dep_train)
  dep_add_app(dep-train dep_train.cpp dep_train dep_generate dep_metrics)
endif()
