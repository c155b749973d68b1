// Internal to dep_text: the BPE merge table, the merge loop over one pre-token, and the word cache.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dep::bpe {

// (left id, right id) → (rank, merged id), open addressing; ~151k entries for Qwen.
class MergeTable {
 public:
  struct Merge {
    int32_t rank;
    int32_t id;
  };
  void reserve(size_t count);
  // A later entry for the same pair replaces an earlier one (as a Rust HashMap collect does).
  void insert(int32_t left, int32_t right, int32_t rank, int32_t merged);
  const Merge* find(int32_t left, int32_t right) const {
    const uint64_t key = pack(left, right);
    for (uint64_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.merge;
      if (s.key == kEmpty) return nullptr;
    }
  }
  size_t size() const { return count_; }

 private:
  static constexpr uint64_t kEmpty = ~0ULL;
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge{0, 0};
  };
  static uint64_t pack(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
  }
  void grow();
  std::vector<Slot> slots_ = std::vector<Slot>(16);
  uint64_t mask_ = 15;
  size_t count_ = 0;
};

// Merges `symbols` in place: repeatedly the adjacent pair of lowest rank, leftmost first, until
// no pair has a merge (Hugging Face word.rs merge_all). `scratch` is reused between calls.
struct MergeScratch {
  std::vector<MergeTable::Merge> pair;
  std::vector<int32_t> prev, next;
  std::vector<uint8_t> alive;
  struct Entry {
    int32_t rank;
    int32_t pos;
    int32_t id;
  };
  std::vector<Entry> heap;
};
void merge_word(const MergeTable& merges, std::vector<int32_t>& symbols, MergeScratch& scratch);

// Pre-token bytes → ids, bounded; cleared when full (a review corpus reuses few distinct words).
class WordCache {
 public:
  explicit WordCache(size_t max_entries = 1 << 17);
  // Appends the cached ids of `key` to `out` and returns true, or returns false.
  template <class Out>
  bool find(std::string_view key, Out& out) const {
    const uint64_t h = hash(key);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return false;
      if (s.hash == h && s.key_len == key.size() && std::string_view(keys_.data() + s.key_off, s.key_len) == key) {
        const int32_t* ids = ids_.data() + s.ids_off;
        out.insert(out.end(), ids, ids + s.ids_len);
        return true;
      }
    }
  }
  void insert(std::string_view key, const int32_t* ids, size_t count);
  static constexpr size_t kMaxKeyBytes = 256;

 private:
  static uint64_t hash(std::string_view key);
  struct Slot {
    uint64_t hash = 0;  // 0 = empty
    uint32_t key_off = 0, key_len = 0, ids_off = 0, ids_len = 0;
  };
  std::vector<Slot> slots_;
  uint64_t mask_;
  size_t max_entries_;
  size_t count_ = 0;
  std::string keys_;
  std::vector<int32_t> ids_;
};

}  // namespace dep::bpe
