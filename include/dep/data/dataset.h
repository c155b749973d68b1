// The DPL data in dep's JSONL form (one user row per line, the schema of SnowCharmQ/DPL-main and
// DPL-meta, docs/reference-behaviour.md §1.1): reading with validation that names file and line, and the meta table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dep {

// One review: {asin, rating, text, timestamp (ms), title}.
struct Review {
  std::string asin;
  double rating = 0.0;
  std::string text;
  int64_t timestamp = 0;
  std::string title;
};

// One DPL row: the user's profile (oldest first) and the review to write (`data`).
struct UserRow {
  std::string user_id;
  std::vector<Review> profile;
  Review data;
  int64_t line = 0;  // 1-based line in its file, for messages
};

// The row's reviews oldest first — the profile stably sorted by timestamp, then the target — the
// order in which dep-embed keys a user's review embeddings (row k = k-th review).
std::vector<const Review*> reviews_oldest_first(const UserRow& row);

// An item of DPL-meta.
struct ItemMeta {
  std::string title;
  std::string description;
};

// asin → meta, merged across categories in the reference's order (later categories overwrite).
using MetaTable = std::unordered_map<std::string, ItemMeta>;

struct ReadOptions {
  // A malformed line is an error by default; with this set it is skipped and counted.
  bool skip_bad_lines = false;
};

// What a read saw: lines, rows kept, lines skipped and the first problems (file:line: reason).
struct ReadReport {
  int64_t lines = 0;
  int64_t rows = 0;
  int64_t skipped = 0;
  std::vector<std::string> problems;  // at most kMaxProblems kept
  static constexpr size_t kMaxProblems = 20;
  void note(const std::string& problem);
};

// Parses one JSONL line of a DPL split; `where` ("file:line") prefixes every error. Rejects
// missing or mistyped fields, empty text, non-numeric ratings, non-integer timestamps.
// A schema-specialised scanner reads well-formed rows; anything else goes through the general
// JSON parser (parse_user_row_general), which gives the same result or the precise error.
UserRow parse_user_row(std::string_view line, const std::string& where);
UserRow parse_user_row_general(std::string_view line, const std::string& where);
ItemMeta parse_meta_row(std::string_view line, const std::string& where, std::string* asin);

// Reads a DPL split file, every row.
std::vector<UserRow> read_user_rows(const std::string& path, const ReadOptions& options,
                                    ReadReport* report = nullptr);

// Streams a DPL split file row by row (the train reader keeps only each user's longest profile,
// which saves memory at full size: DPL train repeats each profile 8 times).
void for_each_user_row(const std::string& path, const ReadOptions& options, ReadReport* report,
                       const std::function<void(UserRow&&)>& visit);

// Reads a meta file into `table`, overwriting asins already present (the reference's dict merge).
void read_meta(const std::string& path, MetaTable& table, const ReadOptions& options,
               ReadReport* report = nullptr);

// One row per user (val/test): a repeated user is an error naming both lines.
void check_unique_users(const std::vector<UserRow>& rows, const std::string& path);

// Every asin of every row (profile and target) must have meta; the error names the file, the
// line and the asin. With skip_bad_lines, such rows are dropped and counted instead.
void check_meta_coverage(std::vector<UserRow>& rows, const MetaTable& meta, const std::string& path,
                         const ReadOptions& options, ReadReport* report = nullptr);

// A rating as Python's repr(float) prints it: "5.0", "4.5", "1e+16". The prompt shows ratings so.
std::string python_float_repr(double value);

}  // namespace dep
