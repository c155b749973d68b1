// DEP split construction (see splits.h).
#include "dep/data/splits.h"

#include <unordered_map>

#include "dep/core/error.h"

namespace dep {

DepSplit parse_split(const std::string& name) {
  if (name == "train") return DepSplit::kTrain;
  if (name == "val") return DepSplit::kVal;
  if (name == "test") return DepSplit::kTest;
  fail("--split", "'" + name + "' is not one of train, val, test");
}

TrainRows parse_train_rows(const std::string& name) {
  if (name == "latest") return TrainRows::kLatest;
  if (name == "all") return TrainRows::kAll;
  fail("train.rows", "expected latest or all, got '" + name + "'");
}

const char* split_name(DepSplit split) {
  switch (split) {
    case DepSplit::kTrain: return "train";
    case DepSplit::kVal: return "val";
    case DepSplit::kTest: return "test";
  }
  return "?";
}

namespace {

// Keeps rows[i] as the user's row when its profile is longer than the one kept so far.
class LongestProfileKeeper {
 public:
  explicit LongestProfileKeeper(std::string path) : path_(std::move(path)) {}
  void offer(UserRow&& row) {
    auto [it, inserted] = index_.emplace(row.user_id, rows_.size());
    if (inserted) {
      rows_.push_back(std::move(row));
      return;
    }
    UserRow& kept = rows_[it->second];
    if (kept.profile.size() == row.profile.size())
      fail(path_ + ":" + std::to_string(row.line),
           "user " + row.user_id + " has two train rows with profile length " + std::to_string(row.profile.size()) +
               " (the other on line " + std::to_string(kept.line) + "); the longest row is ambiguous");
    if (row.profile.size() > kept.profile.size()) kept = std::move(row);
  }
  std::vector<UserRow> take() { return std::move(rows_); }

 private:
  std::string path_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<UserRow> rows_;
};

using u128 = unsigned __int128;

// numpy's SeedSequence(seed).generate_state(words, uint64) for an integer seed (pool size 4).
std::vector<uint64_t> seed_sequence_state(uint64_t seed, size_t words) {
  constexpr uint32_t kInitA = 0x43b0d7e5, kMultA = 0x931e8875, kInitB = 0x8b51f9dd, kMultB = 0x58f38ded;
  constexpr uint32_t kMixL = 0xca01f9dd, kMixR = 0x4973f715;
  std::vector<uint32_t> entropy;  // the seed as little-endian 32-bit words
  for (uint64_t v = seed; v; v >>= 32) entropy.push_back(static_cast<uint32_t>(v));
  if (entropy.empty()) entropy.push_back(0);
  uint32_t hash_a = kInitA;
  auto hashmix = [&](uint32_t v) {
    v ^= hash_a;
    hash_a *= kMultA;
    v *= hash_a;
    return v ^ (v >> 16);
  };
  auto mix = [](uint32_t x, uint32_t y) {
    uint32_t r = kMixL * x - kMixR * y;
    return r ^ (r >> 16);
  };
  uint32_t pool[4];
  for (size_t i = 0; i < 4; ++i) pool[i] = hashmix(i < entropy.size() ? entropy[i] : 0);
  for (size_t src = 0; src < 4; ++src)
    for (size_t dst = 0; dst < 4; ++dst)
      if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
  for (size_t src = 4; src < entropy.size(); ++src)
    for (size_t dst = 0; dst < 4; ++dst) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  std::vector<uint64_t> out(words);
  uint32_t hash_b = kInitB;
  for (size_t i = 0; i < 2 * words; ++i) {
    uint32_t v = pool[i % 4] ^ hash_b;
    hash_b *= kMultB;
    v *= hash_b;
    v ^= v >> 16;
    out[i / 2] |= static_cast<uint64_t>(v) << (32 * (i % 2));
  }
  return out;
}

// numpy's PCG64 (XSL-RR 128/64) with its buffered 32-bit draws.
class NumpyPcg64 {
 public:
  explicit NumpyPcg64(uint64_t seed) {
    const auto s = seed_sequence_state(seed, 4);
    const u128 initstate = (static_cast<u128>(s[0]) << 64) | s[1];
    const u128 initseq = (static_cast<u128>(s[2]) << 64) | s[3];
    inc_ = (initseq << 1) | 1;
    step();
    state_ += initstate;
    step();
  }
  uint64_t next64() {
    step();
    const uint64_t x = static_cast<uint64_t>(state_ >> 64) ^ static_cast<uint64_t>(state_);
    const unsigned rot = static_cast<unsigned>(state_ >> 122);
    return (x >> rot) | (x << ((64 - rot) & 63));
  }
  uint32_t next32() {
    if (has_half_) {
      has_half_ = false;
      return half_;
    }
    const uint64_t v = next64();
    has_half_ = true;
    half_ = static_cast<uint32_t>(v >> 32);
    return static_cast<uint32_t>(v);
  }
  // numpy's random_interval: uniform in [0, max] by masked rejection.
  uint64_t interval(uint64_t max) {
    if (max == 0) return 0;
    uint64_t mask = max;
    for (int s = 1; s < 64; s <<= 1) mask |= mask >> s;
    uint64_t v;
    if (max <= 0xffffffffull) {
      do v = next32() & mask; while (v > max);
    } else {
      do v = next64() & mask; while (v > max);
    }
    return v;
  }

 private:
  void step() {
    static const u128 kMult = (static_cast<u128>(2549297995355413924ull) << 64) | 4865540595714422341ull;
    state_ = state_ * kMult + inc_;
  }
  u128 state_ = 0, inc_ = 0;
  bool has_half_ = false;
  uint32_t half_ = 0;
};

}  // namespace

std::vector<UserRow> longest_profile_rows(std::vector<UserRow> rows, const std::string& path) {
  LongestProfileKeeper keeper(path);
  for (auto& row : rows) keeper.offer(std::move(row));
  return keeper.take();
}

std::vector<UserRow> read_longest_profile_rows(const std::string& path, const ReadOptions& options,
                                               ReadReport* report) {
  LongestProfileKeeper keeper(path);
  for_each_user_row(path, options, report, [&](UserRow&& row) { keeper.offer(std::move(row)); });
  return keeper.take();
}

std::vector<size_t> seeded_permutation(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  NumpyPcg64 rng(seed);
  for (size_t i = n; i-- > 1;) std::swap(order[i], order[static_cast<size_t>(rng.interval(i))]);
  return order;
}

std::vector<SplitRow> shuffled_union(std::vector<SplitRow> rows, uint64_t seed) {
  const auto order = seeded_permutation(rows.size(), seed);
  std::vector<SplitRow> out;
  out.reserve(rows.size());
  for (size_t i : order) out.push_back(std::move(rows[i]));
  return out;
}

std::vector<SplitRow> sample_rows(std::vector<SplitRow> rows, uint64_t seed, size_t count) {
  auto out = shuffled_union(std::move(rows), seed);
  if (out.size() > count) out.resize(count);
  return out;
}

}  // namespace dep
