// safetensors reader (mmap + validation) and writer; the rules follow docs/reference-behaviour.md §D.3.
#include "dep/core/safetensors.h"
#include "dep/core/safetensors_parse.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/json.h"

namespace dep {
namespace {

constexpr uint64_t kMaxHeaderSize = 100'000'000;

struct DtypeEntry {
  Dtype dtype;
  const char* name;
  int bits;
};

constexpr DtypeEntry kDtypes[] = {
    {Dtype::kBool, "BOOL", 8},          {Dtype::kU8, "U8", 8},
    {Dtype::kI8, "I8", 8},              {Dtype::kI16, "I16", 16},
    {Dtype::kU16, "U16", 16},           {Dtype::kF16, "F16", 16},
    {Dtype::kBF16, "BF16", 16},         {Dtype::kI32, "I32", 32},
    {Dtype::kU32, "U32", 32},           {Dtype::kF32, "F32", 32},
    {Dtype::kF64, "F64", 64},           {Dtype::kI64, "I64", 64},
    {Dtype::kU64, "U64", 64},           {Dtype::kC64, "C64", 64},
    {Dtype::kF8_E5M2, "F8_E5M2", 8},    {Dtype::kF8_E4M3, "F8_E4M3", 8},
    {Dtype::kF8_E8M0, "F8_E8M0", 8},    {Dtype::kF8_E4M3FNUZ, "F8_E4M3FNUZ", 8},
    {Dtype::kF8_E5M2FNUZ, "F8_E5M2FNUZ", 8}, {Dtype::kF4, "F4", 4},
    {Dtype::kF6_E2M3, "F6_E2M3", 6},    {Dtype::kF6_E3M2, "F6_E3M2", 6},
};

const DtypeEntry& entry_of(Dtype dtype) {
  for (const auto& e : kDtypes) {
    if (e.dtype == dtype) return e;
  }
  fail_internal("safetensors", "unknown dtype enum");
}

bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) {
  if (a != 0 && b > UINT64_MAX / a) return false;
  out = a * b;
  return true;
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

TensorInfo parse_tensor_entry(const std::string& where, const std::string& name,
                              const nlohmann::json& entry) {
  if (!entry.is_object()) fail(where, "tensor '" + name + "': entry is not an object");
  for (const auto& item : entry.items()) {
    if (item.key() != "dtype" && item.key() != "shape" && item.key() != "data_offsets") {
      fail(where, "tensor '" + name + "': unknown field '" + item.key() + "'");
    }
  }
  TensorInfo info;
  info.name = name;
  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string()) {
    fail(where, "tensor '" + name + "': missing or non-string dtype");
  }
  auto parsed = parse_dtype(dtype->get<std::string>());
  if (!parsed) fail(where, "tensor '" + name + "': unknown dtype '" + dtype->get<std::string>() + "'");
  info.dtype = *parsed;
  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array()) {
    fail(where, "tensor '" + name + "': missing or non-array shape");
  }
  for (const auto& d : *shape) {
    if (!d.is_number_unsigned()) fail(where, "tensor '" + name + "': shape must hold non-negative integers");
    info.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }
  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    fail(where, "tensor '" + name + "': data_offsets must be [begin, end]");
  }
  info.begin = (*offsets)[0].get<uint64_t>();
  info.end = (*offsets)[1].get<uint64_t>();
  return info;
}

}  // namespace

int dtype_bits(Dtype dtype) { return entry_of(dtype).bits; }
const char* dtype_name(Dtype dtype) { return entry_of(dtype).name; }

std::optional<Dtype> parse_dtype(const std::string& name) {
  for (const auto& e : kDtypes) {
    if (name == e.name) return e.dtype;
  }
  return std::nullopt;
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

void parse_safetensors_header(const std::string& path, const std::string& header_json,
                              uint64_t file_size, std::map<std::string, std::string>& metadata,
                              std::vector<TensorInfo>& tensors) {
  // The safetensors format requires the header to start with '{' (its library refuses a UTF-8 BOM
  // or leading spaces, which a lenient JSON parser would skip).
  if (header_json.empty() || header_json[0] != '{') {
    fail(path, "header does not start with '{' (safetensors headers are a JSON object with no BOM or "
               "leading whitespace)");
  }
  nlohmann::json header;
  try {
    header = parse_json(header_json, "");
  } catch (const Error& e) {
    fail(path, "header is not valid JSON: " + e.message());
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");
  metadata.clear();
  tensors.clear();
  for (const auto& item : header.items()) {
    if (item.key() == "__metadata__") {
      if (!item.value().is_object()) fail(path, "__metadata__ is not an object");
      for (const auto& m : item.value().items()) {
        if (!m.value().is_string()) fail(path, "__metadata__['" + m.key() + "'] is not a string");
        metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    tensors.push_back(parse_tensor_entry(path, item.key(), item.value()));
  }
  std::sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected_begin = 0;
  for (const auto& t : tensors) {
    if (t.end < t.begin) fail(path, "tensor '" + t.name + "': data_offsets end < begin");
    if (t.begin != expected_begin) {
      fail(path, "tensor '" + t.name + "': data_offsets begin at " + std::to_string(t.begin) +
                     " but the previous tensor ends at " + std::to_string(expected_begin) +
                     (t.begin < expected_begin ? " (overlap)" : " (gap)"));
    }
    uint64_t numel = 1;
    for (int64_t d : t.shape) {
      if (!checked_mul(numel, static_cast<uint64_t>(d), numel)) {
        fail(path, "tensor '" + t.name + "': shape " + shape_string(t.shape) + " overflows");
      }
    }
    uint64_t bits = 0;
    if (!checked_mul(numel, static_cast<uint64_t>(dtype_bits(t.dtype)), bits) || bits % 8 != 0) {
      fail(path, "tensor '" + t.name + "': shape " + shape_string(t.shape) + " of " +
                     dtype_name(t.dtype) + " is not a whole number of bytes");
    }
    if (t.end - t.begin != bits / 8) {
      fail(path, "tensor '" + t.name + "': shape " + shape_string(t.shape) + " of " +
                     dtype_name(t.dtype) + " needs " + std::to_string(bits / 8) +
                     " bytes but data_offsets span " + std::to_string(t.end - t.begin));
    }
    expected_begin = t.end;
  }
  uint64_t header_end = 8 + header_json.size();
  if (header_end + expected_begin != file_size) {
    fail(path, "data buffer is " + std::to_string(file_size - header_end) +
                   " bytes but the tensors need " + std::to_string(expected_begin) +
                   (file_size - header_end < expected_begin ? " (file truncated?)" : " (trailing bytes)"));
  }
}

uint64_t parse_safetensors_buffer(const std::string& path, const uint8_t* bytes, uint64_t size,
                                  std::map<std::string, std::string>& metadata, std::vector<TensorInfo>& tensors) {
  if (size < 8) fail(path, "file is " + std::to_string(size) + " bytes, too small for a safetensors header");
  const uint64_t header_size = read_u64_le(bytes);
  if (header_size > kMaxHeaderSize) {
    fail(path, "header length " + std::to_string(header_size) + " exceeds the 100 MB limit");
  }
  if (header_size > size - 8) {
    fail(path, "header length " + std::to_string(header_size) + " runs past the end of the " +
                   std::to_string(size) + "-byte file");
  }
  const std::string header(reinterpret_cast<const char*>(bytes + 8), header_size);
  parse_safetensors_header(path, header, size, metadata, tensors);
  return 8 + header_size;
}

std::map<std::string, std::vector<std::string>> parse_safetensors_index(const std::string& index_path,
                                                                        const std::string& text) {
  const nlohmann::json index = parse_json(text, index_path);
  if (!index.is_object()) fail(index_path, "expected a JSON object");
  auto map = index.find("weight_map");
  if (map == index.end() || !map->is_object()) fail(index_path, "missing 'weight_map' object");
  std::map<std::string, std::vector<std::string>> shards;
  for (const auto& item : map->items()) {
    if (!item.value().is_string()) fail(index_path, "weight_map['" + text_excerpt(item.key()) + "'] is not a string");
    const auto& shard = item.value().get_ref<const std::string&>();
    // A shard elsewhere ("../x", "/etc/x") would read a file outside the model directory.
    if (shard.empty() || shard == "." || shard == ".." || shard.find('/') != std::string::npos ||
        shard.find('\0') != std::string::npos) {
      // json_excerpt quotes and escapes it: a NUL or newline in the name stays visible in the message.
      fail(index_path, "weight_map['" + text_excerpt(item.key()) + "']: shard " + json_excerpt(item.value()) +
                           " is not a file name in the model directory");
    }
    shards[shard].push_back(item.key());
  }
  return shards;
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail(path, std::string("cannot stat: ") + std::strerror(errno));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  if (size < 8) {
    ::close(fd);
    fail(path, "file is " + std::to_string(size) + " bytes, too small for a safetensors header");
  }
  // MAP_PRIVATE + PROT_WRITE: a stray in-place write copies the page instead of crashing or
  // touching the file.
  void* map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) fail(path, std::string("mmap failed: ") + std::strerror(errno));
  file->mapping_ = map;
  file->mapping_size_ = size;
  file->data_ = static_cast<const uint8_t*>(map) +
                parse_safetensors_buffer(path, static_cast<const uint8_t*>(map), size, file->metadata_, file->tensors_);
  for (size_t i = 0; i < file->tensors_.size(); ++i) file->index_[file->tensors_[i].name] = i;
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_) ::munmap(mapping_, mapping_size_);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& SafetensorsFile::at(const std::string& name) const {
  const TensorInfo* info = find(name);
  if (!info) fail(path_, "tensor '" + name + "' not found");
  return *info;
}

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& path) {
  namespace fs = std::filesystem;
  SafetensorsCheckpoint ckpt;
  auto add_file = [&ckpt](const std::string& file_path) {
    auto file = SafetensorsFile::open(file_path);
    for (const auto& t : file->tensors()) {
      if (ckpt.entries_.count(t.name)) {
        fail(file_path, "tensor '" + t.name + "' also appears in " +
                            ckpt.entries_.at(t.name).file->path());
      }
      ckpt.entries_[t.name] = Entry{file, &t};
    }
    ckpt.files_.push_back(std::move(file));
  };
  if (fs::is_regular_file(path)) {
    add_file(path);
    ckpt.description_ = path;
    return ckpt;
  }
  if (!fs::is_directory(path)) fail(path, "no such model directory or safetensors file");
  const std::string index_path = (fs::path(path) / "model.safetensors.index.json").string();
  const std::string single_path = (fs::path(path) / "model.safetensors").string();
  if (fs::exists(index_path)) {
    const auto shards = parse_safetensors_index(index_path, read_file(index_path));
    for (const auto& [shard, names] : shards) {
      const std::string shard_path = (fs::path(path) / shard).string();
      if (!fs::exists(shard_path)) {
        fail(index_path, "shard '" + shard + "' (holding '" + names.front() + "') is missing");
      }
      add_file(shard_path);
      for (const auto& name : names) {
        auto it = ckpt.entries_.find(name);
        if (it == ckpt.entries_.end() || it->second.file->path() != shard_path) {
          fail(index_path, "weight_map says '" + name + "' is in " + shard + " but it is not there");
        }
      }
    }
    ckpt.description_ = index_path;
  } else if (fs::exists(single_path)) {
    add_file(single_path);
    ckpt.description_ = single_path;
  } else {
    fail(path, "no model.safetensors or model.safetensors.index.json");
  }
  return ckpt;
}

std::optional<SafetensorsCheckpoint::Entry> SafetensorsCheckpoint::find(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

SafetensorsCheckpoint::Entry SafetensorsCheckpoint::at(const std::string& name) const {
  auto entry = find(name);
  if (!entry) fail(description_, "tensor '" + name + "' not found");
  return *entry;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

void write_safetensors(const std::string& path, const std::vector<TensorBytes>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorBytes*> order;
  for (const auto& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const TensorBytes* a, const TensorBytes* b) {
    int ab = dtype_bits(a->dtype), bb = dtype_bits(b->dtype);
    return ab != bb ? ab > bb : a->name < b->name;
  });
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorBytes* t : order) {
    if (header.contains(t->name)) fail(path, "duplicate tensor name '" + t->name + "'");
    TensorInfo check{t->name, t->dtype, t->shape, 0, t->nbytes};
    uint64_t bits = static_cast<uint64_t>(check.numel()) * dtype_bits(t->dtype);
    if (bits % 8 != 0 || bits / 8 != t->nbytes) {
      fail(path, "tensor '" + t->name + "': " + std::to_string(t->nbytes) + " bytes do not match shape " +
                     shape_string(t->shape) + " of " + dtype_name(t->dtype));
    }
    header[t->name] = {{"dtype", dtype_name(t->dtype)},
                       {"shape", t->shape},
                       {"data_offsets", {offset, offset + t->nbytes}}};
    offset += t->nbytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>((json.size() >> (8 * i)) & 0xff);
  AtomicFileWriter writer(path);
  writer.write(length, 8);
  writer.write(json);
  for (const TensorBytes* t : order) writer.write(t->data, t->nbytes);
  writer.commit();
}

}  // namespace dep
