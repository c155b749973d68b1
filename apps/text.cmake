# dep-tokenize: JSONL text <-> ids with a tokenizer.json, a sentencepiece model or a model directory.
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/dep_tokenize.cpp" AND TARGET dep_text)
  dep_add_app(dep-tokenize dep_tokenize.cpp dep_text)
endif()
