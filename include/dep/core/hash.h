// Stable hashes: FNV-1a 64 for content identity (data fingerprints, embedding-store shards,
// checkpoint and settings hashes, per-sample retrieval seeds) and SplitMix64 to mix a base seed
// with a hash. Both are defined bit-for-bit, so seeds and hashes are the same on every platform and
// build (std::hash is not) and stay valid in files written by earlier runs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace dep {

class Fnv1a {
 public:
  static constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;

  Fnv1a() = default;
  // A keyed variant: the offset basis XOR `seed` (seed 0 is plain FNV-1a).
  explicit Fnv1a(uint64_t seed) : state_(kOffsetBasis ^ seed) {}
  // Starts from an arbitrary state: hashes that files already hold were made with FNV's offset
  // basis a digit short (kShortOffsetBasis); they keep their values.
  static Fnv1a from_state(uint64_t state) {
    Fnv1a h;
    h.state_ = state;
    return h;
  }
  static constexpr uint64_t kShortOffsetBasis = 1469598103934665603ULL;

  void add_bytes(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      state_ ^= p[i];
      state_ *= 0x100000001b3ULL;
    }
  }
  // The bytes of `text` alone (no length prefix).
  void add_raw(std::string_view text) { add_bytes(text.data(), text.size()); }
  // Length-prefixed, so ("ab","c") and ("a","bc") differ.
  void add(std::string_view text) {
    add_value(static_cast<int64_t>(text.size()));
    add_raw(text);
  }
  // 8 bytes, little-endian.
  void add_value(int64_t v) {
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(static_cast<uint64_t>(v) >> (8 * i));
    add_bytes(bytes, 8);
  }
  uint64_t value() const { return state_; }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(state_));
    return buf;
  }

 private:
  uint64_t state_ = kOffsetBasis;
};

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace dep
