# dep-data: DEP splits and prompts from DPL JSONL; synthetic DPL-schema data.
if(TARGET dep_data)
  # dep_embed: prompt.variant=dpl reads the review embedding store for DPL's k-means.
  dep_add_app(dep-data dep_data.cpp dep_data dep_embed)
endif()
