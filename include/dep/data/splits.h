// DEP's train/val/test construction from the DPL splits (docs/reference-behaviour.md §1.2): train = each user's DPL
// train row with the longest profile, val = a seeded sample of the union of val splits, test =
// the DPL test split, categories concatenated in the configured order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dep/data/dataset.h"

namespace dep {

enum class DepSplit { kTrain, kVal, kTest };

// Which DPL train rows the train split keeps: each user's latest (the longest profile, the
// paper's one row per user and category) or all of them (8 per user: small worlds).
enum class TrainRows { kLatest, kAll };
TrainRows parse_train_rows(const std::string& name);  // "latest" | "all"

DepSplit parse_split(const std::string& name);  // "train" | "val" | "test"
const char* split_name(DepSplit split);

// A row of a DEP split with its category.
struct SplitRow {
  std::string category;
  UserRow row;
};

// Keeps each user's row with the longest profile, in the order users first appear. Two rows of
// one user with the same profile length are an error (the reference's unstable pandas sort would
// pick one arbitrarily).
std::vector<UserRow> longest_profile_rows(std::vector<UserRow> rows, const std::string& path);

// Streams a DPL train file and keeps only the longest-profile row per user (saves memory).
std::vector<UserRow> read_longest_profile_rows(const std::string& path, const ReadOptions& options,
                                               ReadReport* report = nullptr);

// numpy's np.random.default_rng(seed).permutation(n) (SeedSequence → PCG64 → Fisher–Yates with
// masked rejection draws), which is what HF `datasets.shuffle(seed=...)` applies: the val sample
// equals the reference's given the same DPL val files. (The reference's train order is still not
// reproducible: pandas' unstable sort decides the order before the shuffle.)
std::vector<size_t> seeded_permutation(size_t n, uint64_t seed);

// Concatenates per-category rows (in the given order) and shuffles with `seed`.
std::vector<SplitRow> shuffled_union(std::vector<SplitRow> rows, uint64_t seed);

// Val: the first `count` rows of the shuffled union (all of them when fewer).
std::vector<SplitRow> sample_rows(std::vector<SplitRow> rows, uint64_t seed, size_t count);

}  // namespace dep
