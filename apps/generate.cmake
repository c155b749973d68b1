# dep-generate: personalized reviews for a DEP split (resumable, shardable) and the shard merge.
if(TARGET dep_generate)
  dep_add_app(dep-generate dep_generate.cpp dep_generate)
endif()
