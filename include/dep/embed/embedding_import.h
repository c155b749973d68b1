// `dep-embed import`: an embedding store from vectors made elsewhere (sentence-transformers,
// another embedder), one JSON object per line: {"text": str, "embedding": [float, ...]} and an
// optional "key": str. The store is the one dep-embed would write (same format, deduplicated
// texts, atomic shards, index last), so training and generation read it unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dep/embed/embed_config.h"
#include "dep/embed/embedding_store.h"
#include "dep/embed/keyed_text.h"

namespace dep {

// The parsed lines: one vector per distinct text (a text repeated with the same vector is one
// entry; with another vector it is an error naming both lines), and the keys lines gave.
struct ImportedVectors {
  int64_t dim = 0;
  std::unordered_map<std::string, std::vector<float>> by_text;
  std::vector<KeyedText> keyed;  // lines with a "key", in file order
  int64_t lines = 0;
};

// Reads the JSONL; every error is one line naming path:line (bad JSON, missing or mistyped field,
// an embedding of another width than line 1's, a non-finite value, a repeated key).
ImportedVectors read_imported_vectors(const std::string& path);

// The texts dep-embed's input section names (keyed_text or dpl, plus PPlug's item texts with
// input.meta_paths), each under its key: what `dep-embed --config` embeds.
std::vector<KeyedText> embed_input_texts(const EmbedInputConfig& input);

// Writes the store at `output_dir`: keys = `items` (each text must be in the file, else an error
// naming the key) or, with `items` empty, the lines' own keys (then every line needs one).
StoreBuildReport import_embedding_store(const std::string& jsonl, const std::vector<KeyedText>& items,
                                        const StoreSettings& settings, int64_t shard_size,
                                        const std::string& output_dir);

}  // namespace dep
