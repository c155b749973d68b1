// Loading a DEP split (see dep_dataset.h).
#include "dep/data/dep_dataset.h"

#include <filesystem>

#include "dep/core/error.h"

namespace dep {

const UserRow* DepData::test_row(const std::string& category, const std::string& user_id) const {
  auto it = test_index_.find(category + "\t" + user_id);
  if (it == test_index_.end()) return nullptr;
  return &test_rows.at(category)[it->second];
}

DepData load_dep_data(const DataConfig& config, DepSplit split, TrainRows train_rows) {
  if (config.data.root.empty()) fail("data.root", "no data directory configured");
  if (config.data.categories.empty()) fail("data.categories", "no categories configured");
  const ReadOptions options{config.data.skip_bad_lines};
  DepData data;
  data.split = split;
  data.categories = config.data.categories;
  auto path_of = [&](const std::string& category, const std::string& file) {
    return (std::filesystem::path(config.data.root) / category / (file + ".jsonl")).string();
  };
  // Meta first: later categories overwrite duplicates, as the reference's dict merge does.
  for (const auto& category : data.categories) read_meta(path_of(category, "meta"), data.meta, options, &data.report);

  std::vector<SplitRow> split_rows;
  for (const auto& category : data.categories) {
    const std::string test_path = path_of(category, "test");
    auto test = read_user_rows(test_path, options, &data.report);
    check_unique_users(test, test_path);
    check_meta_coverage(test, data.meta, test_path, options, &data.report);
    for (size_t i = 0; i < test.size(); ++i) data.test_index_[category + "\t" + test[i].user_id] = i;
    data.pool.add_category(category, test, config.embeddings.pool_drop_last);

    if (split == DepSplit::kTest) {
      for (const auto& row : test) split_rows.push_back({category, row});
    } else if (split == DepSplit::kVal) {
      const std::string path = path_of(category, "val");
      auto rows = read_user_rows(path, options, &data.report);
      check_unique_users(rows, path);
      check_meta_coverage(rows, data.meta, path, options, &data.report);
      for (auto& row : rows) split_rows.push_back({category, std::move(row)});
    } else {
      const std::string path = path_of(category, "train");
      std::vector<UserRow> rows;
      if (train_rows == TrainRows::kLatest) {
        rows = read_longest_profile_rows(path, options, &data.report);
      } else {
        for_each_user_row(path, options, &data.report, [&](UserRow&& row) { rows.push_back(std::move(row)); });
        data.several_rows_per_user = true;
      }
      check_meta_coverage(rows, data.meta, path, options, &data.report);
      for (auto& row : rows) split_rows.push_back({category, std::move(row)});
    }
    data.test_rows.emplace(category, std::move(test));
  }
  const auto seed = static_cast<uint64_t>(config.splits.seed);
  if (split == DepSplit::kTrain) {
    data.rows = shuffled_union(std::move(split_rows), seed);
  } else if (split == DepSplit::kVal) {
    data.rows = sample_rows(std::move(split_rows), seed, static_cast<size_t>(config.splits.val_size));
  } else {
    data.rows = std::move(split_rows);
  }
  return data;
}

}  // namespace dep
