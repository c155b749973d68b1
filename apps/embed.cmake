# dep-embed: the review embedding store (bge-m3 / XLM-RoBERTa).
if(TARGET dep_embed)
  dep_add_app(dep-embed dep_embed.cpp dep_embed)
endif()
