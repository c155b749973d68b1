// A fuzz input read as a whole safetensors file, the way SafetensorsFile::open reads the mapped
// file; shared by the targets whose input is such a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dep/core/safetensors.h"
#include "dep/core/safetensors_parse.h"

namespace dep::fuzz {

struct SafetensorsInput {
  std::vector<uint8_t> file;  // a copy of exactly the input's bytes: reads past the end hit ASan's redzone
  std::map<std::string, std::string> metadata;
  std::vector<TensorInfo> tensors;
  uint64_t data_start = 0;  // where the data buffer begins in `file`
};

// Parses and validates the input (dep::Error on bad input), as a file named `name`.
inline SafetensorsInput parse_safetensors_input(const std::string& name, const uint8_t* data, size_t size) {
  SafetensorsInput in;
  in.file.assign(data, data + size);
  in.data_start = parse_safetensors_buffer(name, in.file.data(), in.file.size(), in.metadata, in.tensors);
  return in;
}

}  // namespace dep::fuzz
