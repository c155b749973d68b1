// DEP split construction (see splits.h).
#include "dep/splits.h"

#include <unordered_map>

#include "dep/error.h"

namespace dep {

DepSplit parse_split(const std::string& name) {
  if (name == "train") return DepSplit::kTrain;
  if (name == "val") return DepSplit::kVal;
  if (name == "test") return DepSplit::kTest;
  fail("--split", "'" + name + "' is not one of train, val, test");
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

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [0, bound] by rejection (no modulo bias).
uint64_t bounded(uint64_t& state, uint64_t bound) {
  if (bound == 0) return 0;
  uint64_t mask = bound;
  for (int s = 1; s < 64; s <<= 1) mask |= mask >> s;
  for (;;) {
    uint64_t v = splitmix64(state) & mask;
    if (v <= bound) return v;
  }
}

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
  uint64_t state = seed;
  for (size_t i = n; i > 1; --i) {
    const size_t j = static_cast<size_t>(bounded(state, i - 1));
    std::swap(order[i - 1], order[j]);
  }
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
