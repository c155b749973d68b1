# dep-train: DEP adapter training (library dep_train in src/train).
if(TARGET dep_train)
  dep_add_app(dep-train dep_train.cpp dep_train)
endif()
