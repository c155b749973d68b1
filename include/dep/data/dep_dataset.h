// Loading one DEP split with everything its samples need: the merged meta, every category's
// test rows (the peer pool and the embedding layout come from them) and the split's rows.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "dep/data/data_config.h"
#include "dep/data/dataset.h"
#include "dep/data/peers.h"
#include "dep/data/splits.h"

namespace dep {

struct DepData {
  DepSplit split = DepSplit::kTest;
  MetaTable meta;
  std::vector<std::string> categories;
  std::unordered_map<std::string, std::vector<UserRow>> test_rows;  // category → DPL test rows
  PeerPool pool;
  std::vector<SplitRow> rows;  // the split's rows in split order
  ReadReport report;           // lines read, rows kept, lines skipped (with skip_bad_lines)
  // True when a user has several rows in the split (train with TrainRows::kAll): sample ids then
  // carry the row's profile length to stay unique.
  bool several_rows_per_user = false;

  // The user's DPL test row in `category` (its profile is the embedding layout), or nullptr.
  const UserRow* test_row(const std::string& category, const std::string& user_id) const;

 private:
  friend DepData load_dep_data(const DataConfig&, DepSplit, TrainRows);
  std::unordered_map<std::string, size_t> test_index_;  // "category\tuser" → index in test_rows
};

// Reads {root}/{category}/{meta,test[,train|val]}.jsonl for every configured category and builds
// the split (docs/reference-behaviour.md §1.2). Errors name file and line; see ReadOptions for skip_bad_lines.
// `train_rows` applies to the train split only.
DepData load_dep_data(const DataConfig& config, DepSplit split, TrainRows train_rows = TrainRows::kLatest);

}  // namespace dep
