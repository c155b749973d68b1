// The on-disk cache of one stage of a multi-stage method (PAG, DPL; docs/methods-stages.md): every
// intermediate LLM output, keyed by (unit key, prompt index), in one append-only JSONL per stage and
// shard, written as generations.jsonl is (one write() per line, fsync every N appends, a torn last
// line cut off on reopen). Its first line is a header with the stage's fingerprint (its settings and
// the fingerprints of the stages before it): a file of another fingerprint is emptied on open, so a
// changed setting invalidates exactly that stage and the later ones.
//   {"format":"dep-stage-cache/1","stage":"profile","fingerprint":"…"}
//   {"key":"test/Books/u1","index":0,"prompt_hash":"…","text":"…","prompt_tokens":…,"generated_tokens":…,"finish":"stop"}
// Each entry also carries the hash of the prompt it answers; an entry whose prompt differs from the
// one the run builds now (edited data) is not used.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "dep/core/append_only_file.h"

namespace dep {

struct StageEntry {
  std::string key;          // the unit: a sample id, or "category/user" for PAG's shared profile
  int64_t index = 0;        // the prompt within the unit (DPL stage 1: one per diff item)
  std::string prompt_hash;  // FNV-1a of the prompt text
  std::string text;         // the output as generated (before any prefix stripping)
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  std::string finish;       // "stop" | "length"
};

class StageCache {
 public:
  // Opens (creating) `path` for `stage`. Complete entries of the same fingerprint are read back;
  // a file with another fingerprint (or none) starts over empty (dropped() says how many entries
  // went).
  StageCache(std::string path, std::string stage, std::string fingerprint, int64_t fsync_every = 16);
  StageCache(const StageCache&) = delete;
  StageCache& operator=(const StageCache&) = delete;

  // The entry for (key, index), or nullptr.
  const StageEntry* find(const std::string& key, int64_t index) const;
  // One write() of the line; fsync every `fsync_every` appends. A later entry for the same
  // (key, index) replaces the earlier one (a regenerated stale prompt).
  void append(const StageEntry& entry);
  void sync();

  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  int64_t dropped() const { return dropped_; }
  const std::string& path() const { return path_; }
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  std::string path_;
  std::string stage_;
  std::string fingerprint_;
  int64_t dropped_ = 0;
  AppendOnlyFile file_;  // after path_: initialised from it
  std::map<std::pair<std::string, int64_t>, StageEntry> entries_;
};

}  // namespace dep
