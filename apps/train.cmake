# dep-train: DEP adapter training (library dep_train in src/train); the METEOR selection
# (dep_validation) generates with the engine and scores with dep_metrics.
if(TARGET dep_train AND TARGET dep_validation)
  dep_add_app(dep-train dep_train.cpp dep_train dep_validation)
endif()
