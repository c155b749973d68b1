// What every fuzz target shares: the oracle (bad input must end as a dep::Error of kind bad input;
// any other exception, crash or sanitizer report is a bug), a scratch folder per process for the
// parsers that read files, and a structure-aware mutator for JSON text. Byte flips alone never
// reached the crashes of issue 20 (10^5 nesting levels, 1e400, duplicate keys), so the mutator
// splices exactly those shapes into the input.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

#include "dep/core/error.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace dep::fuzz {

// Runs `parse`; a dep::Error of kind bad input is the expected outcome of bad input. Anything
// else escaping (std::out_of_range, nlohmann's type_error, an internal dep::Error) would be exit
// code 1 in a tool: abort so libFuzzer records the input.
template <typename Fn>
void expect_bad_input_only(Fn&& parse) {
  try {
    parse();
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kBadInput) {
      std::fprintf(stderr, "fuzz: internal dep::Error on input: %s\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: exception escaped as an internal error: %s\n", e.what());
    std::abort();
  }
}

// A property the target checks on accepted input; a failure aborts with the message.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: property violated: %s\n", what);
    std::abort();
  }
}

// A folder unique to this process (parallel fuzz jobs must not share files), removed at exit.
inline const std::string& scratch_dir() {
  struct Folder {
    std::string path;
    Folder() {
      path = (std::filesystem::temp_directory_path() / ("dep-fuzz-" + std::to_string(::getpid()))).string();
      std::filesystem::create_directories(path);
    }
    ~Folder() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}

// Writes `bytes` to scratch_dir()/name and returns the path.
inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// ---- structure-aware JSON mutations ---------------------------------------------------------

// Positions where a JSON value may start: after ':', '[' or ','.
inline size_t value_position(const std::string& text, std::mt19937& rng) {
  for (int tries = 0; tries < 16 && !text.empty(); ++tries) {
    size_t pos = rng() % text.size();
    if (text[pos] == ':' || text[pos] == '[' || text[pos] == ',') return pos + 1;
  }
  return text.empty() ? 0 : rng() % (text.size() + 1);
}

inline std::string deep_nesting(std::mt19937& rng) {
  // Around the parser's limit (256) and far beyond it (the stack overflows of issue 20).
  static const size_t depths[] = {255, 256, 257, 300, 2000, 100000};
  const size_t depth = depths[rng() % (sizeof depths / sizeof depths[0])];
  std::string open, close;
  const bool objects = rng() % 2;
  for (size_t i = 0; i < depth; ++i) {
    open += objects ? "{\"a\":" : "[";
    close += objects ? "}" : "]";
  }
  return open + "1" + close;
}

inline std::string odd_number(std::mt19937& rng) {
  static const char* numbers[] = {
      "1e400", "-1e400", "1e-400", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
      "18446744073709551616", "1.2e22", "-0", "-0.0", "0.5", "1e308", "4294967296", "2147483648", "-1",
      "1000000000", "3.0", "1E2", "NaN", "Infinity", "0x10", "01", "1.", ".5", "+1"};
  if (rng() % 8 == 0) return std::string(5000, '9');  // a 5000-digit integer
  return numbers[rng() % (sizeof numbers / sizeof numbers[0])];
}

inline std::string odd_bytes(std::mt19937& rng) {
  static const char* bytes[] = {
      "\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "\\ud800", "\\udc00x", "\\u0000",
      "\xef\xbb\xbf", "\r\n", "\t", "\\", "\"", "<|im_start|>", "<|endoftext|>", "\xf0\x9f\x98\x80", "\xe2\x80\xa8"};
  return bytes[rng() % (sizeof bytes / sizeof bytes[0])];
}

// Copies the first `"key":value` pair found after `start` to just after its object's '{', so the
// key appears twice.
inline bool duplicate_key(std::string& text, std::mt19937& rng) {
  size_t brace = text.find('{', text.empty() ? 0 : rng() % text.size());
  if (brace == std::string::npos) brace = text.find('{');
  if (brace == std::string::npos) return false;
  const size_t key_start = text.find('"', brace);
  if (key_start == std::string::npos) return false;
  const size_t key_end = text.find('"', key_start + 1);
  const size_t colon = key_end == std::string::npos ? key_end : text.find(':', key_end);
  if (colon == std::string::npos) return false;
  text.insert(brace + 1, text.substr(key_start, colon - key_start) + ":0,");
  return true;
}

// Replaces a run of digits with an odd number.
inline bool replace_number(std::string& text, std::mt19937& rng) {
  if (text.empty()) return false;
  size_t pos = rng() % text.size();
  while (pos < text.size() && !(text[pos] >= '0' && text[pos] <= '9')) ++pos;
  if (pos == text.size()) return false;
  size_t end = pos;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.' || text[end] == 'e' ||
                               text[end] == 'E' || text[end] == '-' || text[end] == '+'))
    ++end;
  text.replace(pos, end - pos, odd_number(rng));
  return true;
}

// One structure-aware mutation of JSON text (or a byte-level one through libFuzzer).
inline std::string mutate_json(std::string text, size_t max_size, unsigned seed) {
  std::mt19937 rng(seed);
  switch (rng() % 9) {
    case 0:
      text.insert(value_position(text, rng), deep_nesting(rng));
      break;
    case 1:
      if (!replace_number(text, rng)) text.insert(value_position(text, rng), odd_number(rng));
      break;
    case 2:
      if (!duplicate_key(text, rng)) text = "{\"a\":1,\"a\":2}";
      break;
    case 3:
      text.insert(text.empty() ? 0 : rng() % (text.size() + 1), odd_bytes(rng));
      break;
    case 4:
      text.insert(0, "\xef\xbb\xbf");  // a UTF-8 BOM
      break;
    case 5: {  // a long string value
      std::string value = "\"" + std::string(1 + rng() % 70000, 'x') + "\"";
      text.insert(value_position(text, rng), value);
      break;
    }
    case 6:  // truncation: a torn write
      if (!text.empty()) text.resize(rng() % text.size());
      break;
    default: {  // libFuzzer's own byte mutations
      const size_t original = std::min(text.size(), max_size);
      text.resize(max_size);
      text.resize(LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(text.data()), original, max_size));
      break;
    }
  }
  return text;
}

// Copies `text` into libFuzzer's buffer (at most max_size bytes); returns the new size.
inline size_t emit(const std::string& text, uint8_t* data, size_t max_size) {
  const size_t n = std::min(text.size(), max_size);
  std::memcpy(data, text.data(), n);
  return n;
}

// A safetensors file: mutates its JSON header and, most of the time, rewrites the 8-byte length
// to match, so the mutations reach the header's validation rather than the length check.
inline std::string mutate_safetensors(const std::string& file, size_t max_size, unsigned seed) {
  std::mt19937 rng(seed);
  if (file.size() < 8 || rng() % 8 == 0) return mutate_json(file, max_size, seed);
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<uint8_t>(file[i]);
  if (length > file.size() - 8) length = file.size() - 8;
  std::string header = mutate_json(file.substr(8, length), max_size, seed + 1);
  std::string data = file.substr(8 + length);
  if (rng() % 4 == 0) data.resize(rng() % (data.size() + 9));  // a torn or grown data buffer
  uint64_t written = rng() % 16 == 0 ? rng() : header.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((written >> (8 * i)) & 0xff);
  return out + header + data;
}

}  // namespace dep::fuzz

// A target whose whole input is JSON text (or JSON lines) uses the JSON mutator.
#define DEP_FUZZ_JSON_MUTATOR                                                                             \
  extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned seed) { \
    return dep::fuzz::emit(                                                                               \
        dep::fuzz::mutate_json(std::string(reinterpret_cast<char*>(data), size), max_size, seed), data,   \
        max_size);                                                                                        \
  }

// A target whose input is a whole safetensors file uses the header-aware mutator.
#define DEP_FUZZ_SAFETENSORS_MUTATOR                                                                      \
  extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned seed) { \
    return dep::fuzz::emit(                                                                               \
        dep::fuzz::mutate_safetensors(std::string(reinterpret_cast<char*>(data), size), max_size, seed),  \
        data, max_size);                                                                                  \
  }
