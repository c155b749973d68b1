// Building the embedding store: dedupe, shard, embed, write each shard atomically, resume by
// skipping shards that already match, then write the index (see embedding_store.h).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "dep/core/atomic_file.h"
#include "dep/embed/embedding_store.h"
#include "dep/embed/embedding_import.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/core/interrupt.h"
#include "dep/core/progress.h"
#include "dep/torch/device.h"
#include "dep/torch/tensor_io.h"
#include "dep/embed/text_embedder.h"
#include "dep/embed/xlmr.h"
#include "dep/core/log.h"
#include "store_format.h"

namespace dep {
namespace {

namespace fs = std::filesystem;

struct ShardPlan {
  int64_t first_row = 0;
  int64_t rows = 0;
  std::string texts_hash;
};

// Removes what a killed run can leave behind: temp files of the atomic writer, and the index
// (rewritten at the end) so a half-rebuilt store is never read as finished. A --shard run
// touches only its own shards' temp files (the other processes write theirs meanwhile).
void clear_unfinished_state(const std::string& dir, const StoreBuildPart& part) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp.") == std::string::npos) continue;
    if (name.rfind("index.json", 0) == 0 && part.count == 1) fs::remove(entry.path());
    if (name.rfind("shard-", 0) == 0) {
      const int64_t shard = std::atoll(name.c_str() + 6);
      if (shard % part.count == part.index) fs::remove(entry.path());
    }
  }
  fs::remove(fs::path(dir) / kStoreIndexFile);
}

std::string part_file_name(const StoreBuildPart& part) {
  return "part-" + std::to_string(part.index) + "-of-" + std::to_string(part.count) + ".json";
}

nlohmann::json shard_json(size_t s, const ShardPlan& plan) {
  return {{"file", store_shard_name(s)}, {"first_row", plan.first_row}, {"rows", plan.rows}, {"texts_hash", plan.texts_hash}};
}

// --merge: the part files of the --shard runs must cover the distinct texts [0, total) exactly
// once (a text in no part is missing, in two parts duplicated), with this input's shards.
void check_parts(const std::string& dir, const std::vector<ShardPlan>& plans, int64_t total) {
  struct Claim {
    int64_t first, rows;
    std::string hash, part;
  };
  std::vector<Claim> claims;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("part-", 0) != 0 || entry.path().extension() != ".json") continue;
    const std::string path = entry.path().string();
    const auto json = read_json_file(path);  // json.h: depth, duplicate keys, huge numbers
    try {
      for (const auto& shard : json.at("shards")) {
        // Checked integers: get<int64_t>() would cast a float such as 1.2e22 out of range.
        claims.push_back({json_int64(shard, "first_row", path + ": shards"), json_int64(shard, "rows", path + ": shards"),
                          shard.at("texts_hash").get<std::string>(), name});
      }
    } catch (const nlohmann::json::exception& e) {
      fail(path, "not a part file of dep-embed --shard (expected \"shards\": [{first_row, rows, texts_hash}]): " +
                     text_excerpt(e.what(), 120));
    }
  }
  if (claims.empty()) fail(dir, "no part files (part-I-of-N.json) of dep-embed --shard runs to merge");
  std::sort(claims.begin(), claims.end(), [](const Claim& a, const Claim& b) { return a.first < b.first; });
  int64_t covered = 0;  // texts [0, covered) are claimed once so far
  std::string problems;
  for (const auto& c : claims) {
    if (c.first < covered) {
      problems += "\n  texts " + std::to_string(c.first) + ".." + std::to_string(std::min(covered, c.first + c.rows) - 1) +
                  " duplicated (again in " + c.part + ")";
    } else if (c.first > covered) {
      problems += "\n  texts " + std::to_string(covered) + ".." + std::to_string(c.first - 1) + " missing (in no part)";
    }
    covered = std::max(covered, c.first + c.rows);
  }
  if (covered < total) problems += "\n  texts " + std::to_string(covered) + ".." + std::to_string(total - 1) + " missing (in no part)";
  if (covered > total) problems += "\n  the parts hold " + std::to_string(covered) + " texts, the input " + std::to_string(total);
  if (problems.empty()) {
    // Exactly one claim per text: the claims are this input's shards, in order.
    for (size_t s = 0; s < plans.size() && problems.empty(); ++s) {
      if (s >= claims.size() || claims[s].first != plans[s].first_row || claims[s].rows != plans[s].rows ||
          claims[s].hash != plans[s].texts_hash) {
        problems += "\n  " + store_shard_name(s) + " does not hold this input's texts (" +
                    (s < claims.size() ? claims[s].part : std::string("no part")) + "; another input or shard_size?)";
      }
    }
  }
  if (!problems.empty()) fail(dir, "the --shard runs do not cover every text exactly once:" + problems);
}

// A shard a previous run finished: reusable when settings, rows and texts all match. Shards made
// with other settings mean the directory belongs to another store: refuse rather than mix.
bool shard_is_done(const std::string& path, const StoreSettings& settings, const ShardPlan& plan, int64_t dim) {
  if (!fs::exists(path)) return false;
  std::shared_ptr<SafetensorsFile> file;
  try {
    file = SafetensorsFile::open(path);
  } catch (const Error& e) {
    log::warn("recomputing unreadable shard " + path + ": " + e.message());
    return false;
  }
  const StoreSettings found = store_settings_from_metadata(file->metadata(), path);
  check_store_settings(found, settings, path, "this run uses");
  const auto& meta = file->metadata();
  const TensorInfo* info = file->find(kStoreTensor);
  return meta.count("texts_hash") && meta.at("texts_hash") == plan.texts_hash && meta.count("first_row") &&
         meta.at("first_row") == std::to_string(plan.first_row) && info && info->dtype == Dtype::kF32 &&
         info->shape == std::vector<int64_t>{plan.rows, dim};
}

// A rerun with other settings is refused before anything in `dir` is touched: a finished store's
// index.json and embed_config.json must survive the refusal. Unreadable shards are left for
// shard_is_done (recomputed); a shard or an index made with other settings is an error.
void check_existing_store_settings(const std::string& dir, const StoreSettings& settings) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  const fs::path index_path = fs::path(dir) / kStoreIndexFile;
  if (fs::exists(index_path, ec)) {
    nlohmann::json index;
    try {
      index = read_json_file(index_path.string());
    } catch (const Error&) {
      index = nullptr;  // damaged: the run rewrites it
    }
    if (index.is_object() && index.value("format", "") == kStoreFormat && index.contains("model") &&
        index["model"].is_string() && index.contains("max_length") && index["max_length"].is_number_integer() &&
        index.contains("dtype") && index["dtype"].is_string()) {
      StoreSettings found;
      found.model = index["model"].get<std::string>();
      found.max_length = json_int64(index, "max_length", index_path.string());
      found.dtype = index["dtype"].get<std::string>();
      check_store_settings(found, settings, index_path.string(), "this run uses");
    }
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("shard-", 0) != 0 || name.find(".tmp.") != std::string::npos) continue;
    if (entry.path().extension() != ".safetensors") continue;
    std::shared_ptr<SafetensorsFile> file;
    try {
      file = SafetensorsFile::open(entry.path().string());
    } catch (const Error&) {
      continue;
    }
    check_store_settings(store_settings_from_metadata(file->metadata(), entry.path().string()), settings,
                         entry.path().string(), "this run uses");
  }
}

}  // namespace

StoreBuildReport build_embedding_store(const std::vector<KeyedText>& items, const StoreSettings& settings,
                                       int64_t dim, int64_t shard_size, const std::string& output_dir,
                                       const EmbedTextsFn& embed, const StoreBuildPart& part) {
  const auto start = std::chrono::steady_clock::now();
  if (shard_size < 1) fail("shard_size", "must be at least 1");
  check_existing_store_settings(output_dir, settings);
  fs::create_directories(output_dir);

  // Distinct texts in order of first appearance; each key points at its text's row.
  std::vector<const std::string*> distinct;
  std::unordered_map<std::string_view, int64_t> row_of_text;
  std::vector<int64_t> row_of_item;
  std::unordered_set<std::string_view> keys;
  row_of_item.reserve(items.size());
  for (const auto& item : items) {
    if (!keys.insert(item.key).second) fail(output_dir, "key \"" + item.key + "\" appears twice in the input");
    auto [it, inserted] = row_of_text.emplace(item.text, static_cast<int64_t>(distinct.size()));
    if (inserted) distinct.push_back(&item.text);
    row_of_item.push_back(it->second);
  }
  const auto total = static_cast<int64_t>(distinct.size());
  std::vector<ShardPlan> plans;
  for (int64_t first = 0; first < total; first += shard_size) {
    ShardPlan plan{first, std::min(shard_size, total - first), ""};
    plan.texts_hash = texts_hash(distinct.begin() + first, distinct.begin() + first + plan.rows);
    plans.push_back(plan);
  }
  log::info(std::to_string(items.size()) + " keys, " + std::to_string(total) + " distinct texts, " +
                  std::to_string(plans.size()) + " shards of up to " + std::to_string(shard_size));

  if (part.merge) check_parts(output_dir, plans, total);
  clear_unfinished_state(output_dir, part);
  StoreBuildReport report;
  report.keys = static_cast<int64_t>(items.size());
  report.distinct_texts = total;
  report.shards = static_cast<int64_t>(plans.size());
  std::vector<bool> done(plans.size(), false);
  int64_t rows_done = 0;
  auto mine = [&](size_t s) { return static_cast<int64_t>(s) % part.count == part.index; };
  for (size_t s = 0; s < plans.size(); ++s) {
    if (!mine(s)) continue;
    done[s] = shard_is_done((fs::path(output_dir) / store_shard_name(s)).string(), settings, plans[s], dim);
    if (done[s]) {
      ++report.shards_reused;
      rows_done += plans[s].rows;
    }
  }
  if (report.shards_reused > 0) {
    log::info("resuming: " + std::to_string(report.shards_reused) + " of " + std::to_string(plans.size()) +
                    " shards already done (" + std::to_string(rows_done) + " texts)");
  }

  Progress progress("embed", total, "texts");
  progress.resume_from(rows_done);
  if (part.merge) {
    std::string missing;
    for (size_t s = 0; s < plans.size(); ++s) {
      if (!done[s]) missing += " " + store_shard_name(s);
    }
    if (!missing.empty()) fail(output_dir, "shards missing or not matching their part file (rerun their --shard):" + missing);
  }
  for (size_t s = 0; s < plans.size(); ++s) {
    if (done[s] || !mine(s)) continue;
    const ShardPlan& plan = plans[s];
    std::vector<std::string> texts;
    texts.reserve(static_cast<size_t>(plan.rows));
    for (int64_t r = plan.first_row; r < plan.first_row + plan.rows; ++r) texts.push_back(*distinct[r]);
    const std::vector<float> values = embed(texts, [&](int64_t n) {
      progress.advance(n);
      throw_if_interrupted("embedding store");
    });
    if (static_cast<int64_t>(values.size()) != plan.rows * dim) {
      fail_internal("embedding store", "embedder returned " + std::to_string(values.size()) + " floats for " +
                                           std::to_string(plan.rows) + " texts of dim " + std::to_string(dim));
    }
    auto metadata = store_settings_metadata(settings);
    metadata["shard"] = std::to_string(s);
    metadata["first_row"] = std::to_string(plan.first_row);
    metadata["texts_hash"] = plan.texts_hash;
    write_safetensors((fs::path(output_dir) / store_shard_name(s)).string(),
                      {TensorBytes{kStoreTensor, Dtype::kF32, {plan.rows, dim}, values.data(),
                                   static_cast<uint64_t>(values.size() * sizeof(float))}},
                      metadata);
  }
  progress.finish();
  if (part.count > 1) {
    // This process's part: the shards it holds, for --merge to check.
    nlohmann::json record = store_settings_json(settings);
    record["part"] = part.index;
    record["parts"] = part.count;
    record["dim"] = dim;
    record["distinct_texts"] = total;
    record["shard_size"] = shard_size;
    nlohmann::json shards = nlohmann::json::array();
    for (size_t s = 0; s < plans.size(); ++s) {
      if (mine(s)) shards.push_back(shard_json(s, plans[s]));
    }
    record["shards"] = std::move(shards);
    write_file_atomic((fs::path(output_dir) / part_file_name(part)).string(), record.dump() + "\n");
    report.shards = static_cast<int64_t>(record["shards"].size());
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
  }

  // Shards past the end belong to an earlier, larger input.
  for (size_t s = plans.size(); fs::exists(fs::path(output_dir) / store_shard_name(s)); ++s) {
    fs::remove(fs::path(output_dir) / store_shard_name(s));
  }
  nlohmann::json index = store_settings_json(settings);
  index["dim"] = dim;
  index["distinct_texts"] = total;
  index["shard_size"] = shard_size;
  nlohmann::json shards = nlohmann::json::array();
  for (size_t s = 0; s < plans.size(); ++s) {
    shards.push_back(shard_json(s, plans[s]));
  }
  index["shards"] = std::move(shards);
  // [key, row] pairs in input order (an array keeps writing linear for millions of keys).
  nlohmann::json key_rows = nlohmann::json::array();
  for (size_t i = 0; i < items.size(); ++i) key_rows.push_back({items[i].key, row_of_item[i]});
  index["keys"] = std::move(key_rows);
  write_file_atomic((fs::path(output_dir) / kStoreIndexFile).string(), index.dump() + "\n");
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

StoreBuildPart StoreBuildPart::parse(const std::string& text) {
  StoreBuildPart part;
  const auto slash = text.find('/');
  try {
    size_t used_i = 0, used_n = 0;
    if (slash == std::string::npos) throw std::invalid_argument("no /");
    part.index = std::stoll(text.substr(0, slash), &used_i);
    part.count = std::stoll(text.substr(slash + 1), &used_n);
    if (used_i != slash || used_n != text.size() - slash - 1) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    fail("--shard", "'" + text + "' is not i/n");
  }
  if (part.count < 1 || part.index < 0 || part.index >= part.count) fail("--shard", "'" + text + "' needs 0 <= i < n");
  return part;
}

StoreBuildReport run_embed_store(const EmbedStoreConfig& config, const StoreBuildPart& part) {
  validate_embed_config(config, "config");
  const std::vector<KeyedText> items = embed_input_texts(config.input);

  set_torch_threads(static_cast<int>(config.device.threads));
  XlmrLoadOptions load;
  load.dtype = torch_dtype(config.device);
  load.device = torch_device(config.device, "device.device");
  const XlmrEncoder encoder = XlmrEncoder::load(config.model.dir, load);
  const TextEmbedder embedder(encoder,
                              load_xlmr_tokenizer(config.model.tokenizer.empty() ? config.model.dir : config.model.tokenizer),
                              BatchingOptions{config.max_length, config.max_batch_tokens, config.max_batch_size});

  StoreSettings settings;
  settings.model = config.model.name.empty() ? fs::path(config.model.dir).lexically_normal().filename().string()
                                             : config.model.name;
  if (settings.model.empty()) settings.model = fs::path(config.model.dir).lexically_normal().parent_path().filename().string();
  settings.max_length = embedder.batching().max_length;
  settings.dtype = enum_name(compute_dtype_names(), config.device.resolved_dtype());

  check_existing_store_settings(config.output_dir, settings);
  fs::create_directories(config.output_dir);
  write_effective_config((fs::path(config.output_dir) / "embed_config.json").string(), config_to_json(config));
  const EmbedTextsFn embed = [&](const std::vector<std::string>& texts, const std::function<void(int64_t)>& on_batch) {
    const torch::Tensor dense = embedder.embed_texts(texts, on_batch).contiguous();
    return std::vector<float>(dense.data_ptr<float>(), dense.data_ptr<float>() + dense.numel());
  };
  return build_embedding_store(items, settings, encoder.config().hidden_size, config.shard_size, config.output_dir,
                               embed, part);
}

}  // namespace dep
