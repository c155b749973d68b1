// Resumable JSONL outputs, run headers, the reference's predictions text and the shard merge.
#include "dep/generate/generation_output.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <regex>

#include "dep/core/append_only_file.h"
#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/core/output_path.h"

namespace fs = std::filesystem;

namespace dep {

const char* const kPredictionTextSeparator = "\n---------------------------------\n";

std::string GenerationRecord::to_json_line() const {
  nlohmann::ordered_json j;
  j["index"] = index;
  j["category"] = category;
  j["user_id"] = user_id;
  j["sample_id"] = sample_id;
  j["prediction"] = prediction;
  j["reference"] = reference;
  j["prompt_tokens"] = prompt_tokens;
  j["generated_tokens"] = generated_tokens;
  j["finish"] = finish;
  // Invalid UTF-8 cannot come from the decoder (it repairs), but never let a dump throw mid-run.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

GenerationRecord GenerationRecord::from_json(const nlohmann::json& j, const std::string& where) {
  GenerationRecord r;
  try {
    r.index = json_int64(j, "index", where);
    r.category = j.at("category").get<std::string>();
    r.user_id = j.at("user_id").get<std::string>();
    r.sample_id = j.at("sample_id").get<std::string>();
    r.prediction = j.at("prediction").get<std::string>();
    r.reference = j.at("reference").get<std::string>();
    r.prompt_tokens = json_int64_or(j, "prompt_tokens", 0, where);
    r.generated_tokens = json_int64_or(j, "generated_tokens", 0, where);
    r.finish = j.value("finish", std::string());
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("not a dep-generate record: ") + e.what());
  }
  return r;
}

Shard Shard::parse(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    size_t used = 0;
    s.index = std::stoll(text.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("index");
    const std::string count = text.substr(slash + 1);
    s.count = std::stoll(count, &used);
    if (used != count.size()) throw std::invalid_argument("count");
  } catch (const std::exception&) {
    fail("--shard", "'" + text + "' is not i/n (e.g. 0/4)");
  }
  if (s.count < 1 || s.index < 0 || s.index >= s.count) {
    fail("--shard", "'" + text + "': need 0 <= i < n (shards are numbered from 0)");
  }
  return s;
}

std::string Shard::stem() const {
  if (whole()) return "generations";
  return "generations.shard-" + std::to_string(index) + "-of-" + std::to_string(count);
}

namespace {

// Complete lines of `text` as records; `valid_bytes` gets the length of the intact prefix.
std::vector<GenerationRecord> parse_records(const std::string& text, const std::string& path, size_t* valid_bytes) {
  std::vector<GenerationRecord> out;
  const size_t intact = for_each_complete_line(text, 0, 1, [&](const std::string& line, size_t line_number) {
    const std::string where = path + ":" + std::to_string(line_number);
    nlohmann::json j;
    try {
      j = parse_json(line, where);
    } catch (const Error& e) {
      fail(where, "corrupt line: " + e.message());
    }
    out.push_back(GenerationRecord::from_json(j, where));
  });
  if (valid_bytes) *valid_bytes = intact;
  return out;
}

}  // namespace

std::vector<GenerationRecord> read_generation_records(const std::string& path) {
  return parse_records(read_file(path), path, nullptr);
}

GenerationLog::GenerationLog(std::string path, int64_t fsync_every) : file_(std::move(path), fsync_every) {
  const std::string& jsonl = file_.path();
  if (fs::exists(jsonl)) {
    const std::string text = read_file(jsonl);
    size_t valid = 0;
    records_ = parse_records(text, jsonl, &valid);
    drop_torn_tail(jsonl, valid, text.size());
    for (const auto& r : records_) {
      if (!done_.insert(r.index).second) {
        fail(jsonl, "sample index " + std::to_string(r.index) + " appears twice (the file was edited or merged by hand)");
      }
    }
  }
}

void GenerationLog::append(const GenerationRecord& record) {
  if (!done_.insert(record.index).second) {
    fail_internal(file_.path(), "sample index " + std::to_string(record.index) + " generated twice");
  }
  file_.append(record.to_json_line());
  records_.push_back(record);
}

void GenerationLog::sync() { file_.sync(); }

void GenerationLog::finalize_sorted() {
  file_.close();
  std::sort(records_.begin(), records_.end(),
            [](const GenerationRecord& a, const GenerationRecord& b) { return a.index < b.index; });
  std::string text;
  for (const auto& r : records_) text += r.to_json_line();
  write_file_atomic(file_.path(), text);
}

void write_or_check_header(const std::string& path, const nlohmann::ordered_json& header) {
  if (!fs::exists(path)) {
    write_file_atomic(path, header.dump(2) + "\n");
    return;
  }
  const nlohmann::ordered_json existing = read_ordered_json_file(path);
  if (existing == header) return;
  // Name the first differing key path, so the user sees what changed since the run began.
  std::string differing;
  const auto flat_old = nlohmann::json(existing).flatten();
  const auto flat_new = nlohmann::json(header).flatten();
  for (auto it = flat_new.begin(); it != flat_new.end() && differing.empty(); ++it) {
    auto old = flat_old.find(it.key());
    if (old == flat_old.end()) differing = it.key() + " (new key)";
    else if (*old != *it) differing = it.key() + ": " + old->dump() + " then, " + it->dump() + " now";
  }
  for (auto it = flat_old.begin(); it != flat_old.end() && differing.empty(); ++it) {
    if (!flat_new.contains(it.key())) differing = it.key() + " (no longer set)";
  }
  fail(path, "the outputs here were generated with other settings (" + differing +
                 "); rerun with the same config and checkpoint to resume, or choose another output.dir");
}

std::vector<std::string> write_prediction_texts(const std::string& dir, std::vector<GenerationRecord> records) {
  std::sort(records.begin(), records.end(),
            [](const GenerationRecord& a, const GenerationRecord& b) { return a.index < b.index; });
  std::map<std::string, std::string> texts;
  std::vector<std::string> order;
  for (const auto& r : records) {
    if (!texts.count(r.category)) order.push_back(r.category);
    texts[r.category] += r.prediction + kPredictionTextSeparator;
  }
  std::vector<std::string> files;
  for (const auto& category : order) {
    const auto path = (fs::path(dir) / ("predictions_" + category + ".txt")).string();
    write_file_atomic(path, texts[category]);
    files.push_back(path);
  }
  return files;
}

MergeSummary merge_shards(const std::string& dir) {
  if (!fs::is_directory(dir)) fail(dir, "not a directory");
  const std::regex pattern(R"(generations\.shard-(\d+)-of-(\d+)\.header\.json)");
  std::map<int64_t, std::map<int64_t, std::string>> by_count;  // count → index → header path
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, m, pattern)) by_count[std::stoll(m[2])][std::stoll(m[1])] = entry.path().string();
  }
  if (by_count.empty()) fail(dir, "no shard outputs (generations.shard-I-of-N.header.json) to merge");
  if (by_count.size() > 1) fail(dir, "shard outputs of different shard counts are mixed here; keep one set");
  const int64_t count = by_count.begin()->first;
  const auto& headers = by_count.begin()->second;
  std::string missing;
  for (int64_t i = 0; i < count; ++i)
    if (!headers.count(i)) missing += " " + std::to_string(i);
  if (!missing.empty()) fail(dir, "shards missing (of " + std::to_string(count) + "):" + missing);

  nlohmann::ordered_json common;
  int64_t total = -1;
  std::vector<GenerationRecord> all;
  std::string problems;
  for (const auto& [index, header_path] : headers) {
    auto header = read_ordered_json_file(header_path);
    const int64_t shard_samples = header.value("shard_samples", int64_t{-1});
    total = header.value("samples", int64_t{-1});
    header.erase("shard");
    header.erase("shard_samples");
    if (common.is_null()) common = header;
    else if (header != common) fail(header_path, "settings differ from shard 0's header: shards of different runs");
    Shard shard{index, count};
    const auto jsonl = (fs::path(dir) / (shard.stem() + ".jsonl")).string();
    if (!fs::exists(jsonl)) {
      problems += "\n  shard " + std::to_string(index) + ": " + jsonl + " missing";
      continue;
    }
    auto records = read_generation_records(jsonl);
    if (static_cast<int64_t>(records.size()) != shard_samples) {
      problems += "\n  shard " + std::to_string(index) + ": " + std::to_string(records.size()) + " of " +
                  std::to_string(shard_samples) + " samples (rerun it to finish)";
    }
    for (auto& r : records) {
      if (!shard.owns(r.index)) problems += "\n  " + jsonl + ": sample " + std::to_string(r.index) + " is not this shard's";
      all.push_back(std::move(r));
    }
  }
  if (!problems.empty()) fail(dir, "shards incomplete or inconsistent:" + problems);
  std::sort(all.begin(), all.end(), [](const GenerationRecord& a, const GenerationRecord& b) { return a.index < b.index; });
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].index != static_cast<int64_t>(i)) {
      fail(dir, "sample " + std::to_string(i) + " is " +
                    (all[i].index < static_cast<int64_t>(i) ? "duplicated" : "missing") + " across the shards");
    }
  }
  if (static_cast<int64_t>(all.size()) != total) {
    fail(dir, "the shards hold " + std::to_string(all.size()) + " samples, the run has " + std::to_string(total));
  }
  MergeSummary summary;
  summary.shards = count;
  summary.samples = total;
  std::string text;
  for (const auto& r : all) text += r.to_json_line();
  const auto jsonl = (fs::path(dir) / "generations.jsonl").string();
  write_file_atomic(jsonl, text);
  nlohmann::ordered_json header = common;
  header["shard"] = {{"index", 0}, {"count", 1}};
  header["shard_samples"] = total;
  header["merged_from_shards"] = count;
  const auto header_path = (fs::path(dir) / "generations.header.json").string();
  write_file_atomic(header_path, header.dump(2) + "\n");
  summary.files = {jsonl, header_path};
  for (const auto& f : write_prediction_texts(dir, all)) summary.files.push_back(f);
  return summary;
}

}  // namespace dep
