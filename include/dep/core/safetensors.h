// The safetensors format (docs/reference-behaviour.md §D): a memory-mapped, fully validated reader, sharded
// checkpoints through model.safetensors.index.json, and an atomic writer. Torch-free; see
// safetensors_torch.h for tensors.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dep {

enum class Dtype {
  kBool, kU8, kI8, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64, kC64,
  kF8_E5M2, kF8_E4M3, kF8_E8M0, kF8_E4M3FNUZ, kF8_E5M2FNUZ, kF4, kF6_E2M3, kF6_E3M2,
};

int dtype_bits(Dtype dtype);
const char* dtype_name(Dtype dtype);
std::optional<Dtype> parse_dtype(const std::string& name);

struct TensorInfo {
  std::string name;
  Dtype dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets relative to the data buffer
  uint64_t end = 0;

  int64_t numel() const;
  uint64_t nbytes() const { return end - begin; }
};

std::string shape_string(const std::vector<int64_t>& shape);

// One .safetensors file, memory-mapped and validated like the reference library
// (header ≤ 100 MB, JSON object, known dtypes, shape × itemsize = byte span, offsets
// contiguous from 0 to the end of the file, metadata strings only).
class SafetensorsFile {
 public:
  static std::shared_ptr<SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Sorted by data offset.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(const std::string& name) const;
  // Like find, but a missing tensor is a dep::Error naming the file and the tensor.
  const TensorInfo& at(const std::string& name) const;
  const uint8_t* data(const TensorInfo& info) const { return data_ + info.begin; }

 private:
  SafetensorsFile() = default;
  std::string path_;
  std::map<std::string, std::string> metadata_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  const uint8_t* data_ = nullptr;
};

// Parses and validates a header; exposed for tests and tools. `file_size` is the whole file.
void parse_safetensors_header(const std::string& path, const std::string& header_json,
                              uint64_t file_size, std::map<std::string, std::string>& metadata,
                              std::vector<TensorInfo>& tensors);

// The weights of a model directory: model.safetensors, or the shards named by
// model.safetensors.index.json. Also accepts a path to a single .safetensors file.
class SafetensorsCheckpoint {
 public:
  static SafetensorsCheckpoint open(const std::string& path);

  struct Entry {
    std::shared_ptr<SafetensorsFile> file;
    const TensorInfo* info;
  };
  std::optional<Entry> find(const std::string& name) const;
  Entry at(const std::string& name) const;
  std::vector<std::string> names() const;
  const std::vector<std::shared_ptr<SafetensorsFile>>& files() const { return files_; }
  const std::string& description() const { return description_; }

 private:
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, Entry> entries_;
  std::string description_;
};

// A tensor to write: raw little-endian row-major bytes.
struct TensorBytes {
  std::string name;
  Dtype dtype;
  std::vector<int64_t> shape;
  const void* data;
  uint64_t nbytes;
};

// Writes atomically (temp file, fsync, rename). Tensors are laid out by descending dtype
// alignment, then name, as the reference writer does; the header is space-padded to 8 bytes.
void write_safetensors(const std::string& path, const std::vector<TensorBytes>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace dep
