// BPE merge loop (rank order, leftmost first), merge table and word cache.
#include "bpe_model.h"

#include <algorithm>
#include <climits>
#include <functional>

namespace dep::bpe {

void MergeTable::reserve(size_t count) {
  size_t capacity = 16;
  while (capacity < count * 2) capacity <<= 1;
  if (capacity <= slots_.size()) return;
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  count_ = 0;
  for (const Slot& s : old) {
    if (s.key != kEmpty) insert(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFFu),
                                s.merge.rank, s.merge.id);
  }
}

void MergeTable::grow() { reserve(slots_.size()); }

void MergeTable::insert(int32_t left, int32_t right, int32_t rank, int32_t merged) {
  if ((count_ + 1) * 2 > slots_.size()) grow();
  const uint64_t key = pack(left, right);
  for (uint64_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.key == key) {
      s.merge = {rank, merged};
      return;
    }
    if (s.key == kEmpty) {
      s.key = key;
      s.merge = {rank, merged};
      ++count_;
      return;
    }
  }
}

namespace {

constexpr int32_t kNoMerge = INT32_MAX;

// Short words: keep the symbols in an array and scan for the best pair (few hash lookups).
void merge_short(const MergeTable& merges, std::vector<int32_t>& s, MergeScratch& scratch) {
  size_t n = s.size();
  auto& pair = scratch.pair;
  pair.resize(n);
  auto lookup = [&](size_t j) {
    const MergeTable::Merge* m = merges.find(s[j], s[j + 1]);
    pair[j] = m ? *m : MergeTable::Merge{kNoMerge, -1};
  };
  for (size_t j = 0; j + 1 < n; ++j) lookup(j);
  while (n > 1) {
    size_t best = 0;
    for (size_t j = 1; j + 1 < n; ++j) {
      if (pair[j].rank < pair[best].rank) best = j;
    }
    if (pair[best].rank == kNoMerge) break;
    s[best] = pair[best].id;
    s.erase(s.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    pair.erase(pair.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    --n;
    if (best + 1 < n) lookup(best);
    if (best > 0) lookup(best - 1);
  }
  s.resize(n);
}

// Long words: linked symbols and a min-heap of (rank, position) with lazy invalidation.
void merge_long(const MergeTable& merges, std::vector<int32_t>& s, MergeScratch& scratch) {
  const int32_t n = static_cast<int32_t>(s.size());
  auto& prev = scratch.prev;
  auto& next = scratch.next;
  auto& alive = scratch.alive;
  auto& heap = scratch.heap;
  prev.resize(static_cast<size_t>(n));
  next.resize(static_cast<size_t>(n));
  alive.assign(static_cast<size_t>(n), 1);
  heap.clear();
  // std heap is a max-heap: order so the lowest (rank, pos) is on top.
  auto later = [](const MergeScratch::Entry& a, const MergeScratch::Entry& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  for (int32_t i = 0; i < n; ++i) {
    prev[static_cast<size_t>(i)] = i - 1;
    next[static_cast<size_t>(i)] = i + 1 < n ? i + 1 : -1;
    if (i + 1 < n) {
      if (const auto* m = merges.find(s[static_cast<size_t>(i)], s[static_cast<size_t>(i) + 1])) {
        heap.push_back({m->rank, i, m->id});
      }
    }
  }
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const MergeScratch::Entry top = heap.back();
    heap.pop_back();
    const auto pos = static_cast<size_t>(top.pos);
    if (!alive[pos] || next[pos] < 0) continue;
    const auto right = static_cast<size_t>(next[pos]);
    const auto* current = merges.find(s[pos], s[right]);
    if (current == nullptr || current->id != top.id) continue;  // stale entry
    s[pos] = top.id;
    alive[right] = 0;
    next[pos] = next[right];
    if (next[pos] >= 0) prev[static_cast<size_t>(next[pos])] = top.pos;
    if (prev[pos] >= 0) {
      const auto left = static_cast<size_t>(prev[pos]);
      if (const auto* m = merges.find(s[left], s[pos])) {
        heap.push_back({m->rank, prev[pos], m->id});
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
    if (next[pos] >= 0) {
      if (const auto* m = merges.find(s[pos], s[static_cast<size_t>(next[pos])])) {
        heap.push_back({m->rank, top.pos, m->id});
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
  }
  size_t out = 0;
  for (int32_t i = 0; i >= 0; i = next[static_cast<size_t>(i)]) s[out++] = s[static_cast<size_t>(i)];
  s.resize(out);
}

}  // namespace

void merge_word(const MergeTable& merges, std::vector<int32_t>& symbols, MergeScratch& scratch) {
  if (symbols.size() < 2) return;
  if (symbols.size() <= 48) {
    merge_short(merges, symbols, scratch);
  } else {
    merge_long(merges, symbols, scratch);
  }
}

WordCache::WordCache(size_t max_entries) : max_entries_(max_entries) {
  size_t capacity = 16;
  while (capacity < max_entries * 2) capacity <<= 1;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
}

uint64_t WordCache::hash(std::string_view key) {
  const uint64_t h = std::hash<std::string_view>{}(key);
  return h == 0 ? 1 : h;
}

void WordCache::insert(std::string_view key, const int32_t* ids, size_t count) {
  if (key.size() > kMaxKeyBytes) return;
  if (count_ >= max_entries_) {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    keys_.clear();
    ids_.clear();
    count_ = 0;
  }
  const uint64_t h = hash(key);
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.hash == h && s.key_len == key.size() && std::string_view(keys_.data() + s.key_off, s.key_len) == key) return;
    if (s.hash == 0) {
      s.hash = h;
      s.key_off = static_cast<uint32_t>(keys_.size());
      s.key_len = static_cast<uint32_t>(key.size());
      s.ids_off = static_cast<uint32_t>(ids_.size());
      s.ids_len = static_cast<uint32_t>(count);
      keys_.append(key);
      ids_.insert(ids_.end(), ids, ids + count);
      ++count_;
      return;
    }
  }
}

}  // namespace dep::bpe
