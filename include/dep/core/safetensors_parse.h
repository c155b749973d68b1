// The safetensors validation on bytes already in memory, without opening files: a whole file's
// bytes and a sharded checkpoint's index text. SafetensorsFile::open and SafetensorsCheckpoint::open
// (safetensors.h) run it on what they read; the fuzz targets call it directly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dep/core/safetensors.h"

namespace dep {

// Parses and validates a whole file's bytes (the 8-byte header length, the header, the data
// buffer's extent); returns where the data buffer starts. SafetensorsFile::open uses it on the
// mapped file; exposed for tests and the fuzz targets.
uint64_t parse_safetensors_buffer(const std::string& path, const uint8_t* bytes, uint64_t size,
                                  std::map<std::string, std::string>& metadata, std::vector<TensorInfo>& tensors);

// A sharded checkpoint's model.safetensors.index.json text → shard file → the tensors it holds.
// Shard names must be plain file names in the index's directory (no '/', "..", NUL).
std::map<std::string, std::vector<std::string>> parse_safetensors_index(const std::string& index_path,
                                                                        const std::string& text);

}  // namespace dep
