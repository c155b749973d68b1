// dep-generate's outputs and how a run survives being killed:
//   {stem}.jsonl        one JSON line per finished sample, appended as samples finish, fsynced in
//                       chunks; on completion rewritten (atomically) in split order
//   {stem}.header.json  settings, checkpoint hashes, split, shard and sample count: a rerun must
//                       match it to resume, and merge checks every shard against it
//   predictions_{category}.txt  the reference's format: each prediction followed by a line of 33
//                       dashes between newlines (complete runs and merges only)
// stem = "generations" for a whole split, "generations.shard-{i}-of-{n}" for shard i (0-based).
// A rerun reads the JSONL, drops a torn last line (the only damage a kill can do to an append),
// and generates only the samples it lacks, so no sample is lost or duplicated.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "dep/core/append_only_file.h"

namespace dep {

struct GenerationRecord {
  int64_t index = 0;  // position in the selected samples (split order, after the category filter)
  std::string category;
  std::string user_id;
  std::string sample_id;
  std::string prediction;
  std::string reference;
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  std::string finish;  // "stop" | "length"

  std::string to_json_line() const;  // one line, '\n'-terminated
  static GenerationRecord from_json(const nlohmann::json& json, const std::string& where);
};

struct Shard {
  int64_t index = 0;
  int64_t count = 1;
  // "i/n" with 0 <= i < n.
  static Shard parse(const std::string& text);
  bool whole() const { return count == 1; }
  bool owns(int64_t sample_index) const { return sample_index % count == index; }
  std::string stem() const;  // file stem of this shard's outputs
};

// Append-only JSONL of finished samples with torn-tail repair and periodic fsync.
class GenerationLog {
 public:
  // Reads `path` back if it exists (complete lines; a torn last line is cut off). The file is
  // created by the first append, so a run that fails before its first sample leaves none.
  explicit GenerationLog(std::string path, int64_t fsync_every = 16);
  GenerationLog(const GenerationLog&) = delete;
  GenerationLog& operator=(const GenerationLog&) = delete;

  const std::vector<GenerationRecord>& records() const { return records_; }
  bool contains(int64_t index) const { return done_.count(index) > 0; }
  // One write() of the whole line; fsync every `fsync_every` appends.
  void append(const GenerationRecord& record);
  void sync();
  // Rewrites the file atomically with the records sorted by index (then keeps appending to it).
  void finalize_sorted();
  const std::string& path() const { return file_.path(); }

 private:
  AppendOnlyFile file_;
  std::vector<GenerationRecord> records_;
  std::set<int64_t> done_;
};

// Reads a JSONL of records (complete lines only; a torn last line is ignored).
std::vector<GenerationRecord> read_generation_records(const std::string& path);

// Writes the header, or checks that an existing one equals `header` (a resumed run must use the
// settings it started with); a difference is a dep::Error naming the first differing key.
void write_or_check_header(const std::string& path, const nlohmann::ordered_json& header);

// predictions_{category}.txt for each category of `records` (sorted by index), atomically.
// Returns the files written.
std::vector<std::string> write_prediction_texts(const std::string& dir, std::vector<GenerationRecord> records);

// The reference's separator after each prediction: "\n" + 33 dashes + "\n".
extern const char* const kPredictionTextSeparator;

struct MergeSummary {
  int64_t shards = 0;
  int64_t samples = 0;
  std::vector<std::string> files;
};

// Merges the complete shard outputs in `dir` into generations.jsonl, generations.header.json and
// predictions_{category}.txt. Every shard of the count must be present with the same settings,
// every sample exactly once; anything else is a dep::Error listing what is missing.
MergeSummary merge_shards(const std::string& dir);

}  // namespace dep
