// One stage's output cache (see stage_cache.h).
#include "dep/generate/stage_cache.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dep/core/append_only_file.h"
#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/json.h"

namespace fs = std::filesystem;

namespace dep {

namespace {

constexpr const char* kFormat = "dep-stage-cache/1";

std::string header_line(const std::string& stage, const std::string& fingerprint) {
  nlohmann::ordered_json h;
  h["format"] = kFormat;
  h["stage"] = stage;
  h["fingerprint"] = fingerprint;
  return h.dump() + "\n";
}

std::string entry_line(const StageEntry& e) {
  nlohmann::ordered_json j;
  j["key"] = e.key;
  j["index"] = e.index;
  j["prompt_hash"] = e.prompt_hash;
  j["text"] = e.text;
  j["prompt_tokens"] = e.prompt_tokens;
  j["generated_tokens"] = e.generated_tokens;
  j["finish"] = e.finish;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

StageEntry parse_entry(const std::string& line, const std::string& where) {
  StageEntry e;
  const auto j = parse_json(line, where);  // the one strict parser: depth, duplicate keys, huge numbers
  try {
    e.key = j.at("key").get<std::string>();
    e.index = json_int64(j, "index", where);
    e.prompt_hash = j.at("prompt_hash").get<std::string>();
    e.text = j.at("text").get<std::string>();
    e.prompt_tokens = json_int64_or(j, "prompt_tokens", 0, where);
    e.generated_tokens = json_int64_or(j, "generated_tokens", 0, where);
    e.finish = j.value("finish", std::string());
  } catch (const nlohmann::json::exception& ex) {
    fail(where, std::string("corrupt stage-cache entry: ") + ex.what());
  }
  return e;
}

// The fingerprint a header line names, or "" when the line is not a header of `stage`.
std::string header_fingerprint(const std::string& line, const std::string& stage) {
  try {
    const auto j = parse_json(line, "stage-cache header");
    if (!j.is_object()) return "";
    if (j.value("format", std::string()) != kFormat || j.value("stage", std::string()) != stage) return "";
    return j.value("fingerprint", std::string());
  } catch (const nlohmann::json::exception&) {
    return "";
  } catch (const Error&) {
    return "";
  }
}

}  // namespace

StageCache::StageCache(std::string path, std::string stage, std::string fingerprint, int64_t fsync_every)
    : path_(std::move(path)),
      stage_(std::move(stage)),
      fingerprint_(std::move(fingerprint)),
      file_(path_, fsync_every) {
  bool fresh = true;
  if (fs::exists(path_)) {
    const std::string text = read_file(path_);
    const size_t first = text.find('\n');
    const std::string found = first == std::string::npos ? "" : header_fingerprint(text.substr(0, first), stage_);
    if (!found.empty() && found == fingerprint_) {
      fresh = false;
      const size_t intact = for_each_complete_line(text, first + 1, 2, [&](const std::string& line, size_t number) {
        StageEntry e = parse_entry(line, path_ + ":" + std::to_string(number));
        auto key = std::make_pair(e.key, e.index);
        entries_[key] = std::move(e);
      });
      drop_torn_tail(path_, intact, text.size());
    } else {
      if (first != std::string::npos) for_each_complete_line(text, first + 1, 2, [&](const std::string&, size_t) { ++dropped_; });
      spdlog::info("stage {}: settings changed (cache {} had fingerprint {}, now {}): {} cached outputs dropped",
                   stage_, path_, found.empty() ? "none" : found, fingerprint_, dropped_);
    }
  }
  if (fresh) {
    if (!path_.empty() && fs::path(path_).has_parent_path()) fs::create_directories(fs::path(path_).parent_path());
    write_file_atomic(path_, header_line(stage_, fingerprint_));
  }
}

const StageEntry* StageCache::find(const std::string& key, int64_t index) const {
  const auto it = entries_.find({key, index});
  return it == entries_.end() ? nullptr : &it->second;
}

void StageCache::append(const StageEntry& entry) {
  file_.append(entry_line(entry));
  entries_[{entry.key, entry.index}] = entry;
}

void StageCache::sync() { file_.sync(); }

}  // namespace dep
