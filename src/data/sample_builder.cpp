// DEP sample construction (see sample_builder.h).
#include "dep/data/sample_builder.h"
#include "dep/core/hash.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <thread>
#include <nlohmann/json.hpp>

#include "dep/core/error.h"

namespace dep {

namespace {

PeerWeighting parse_weighting(const std::string& name) {
  if (name == "reference") return PeerWeighting::kReference;
  if (name == "mean") return PeerWeighting::kMean;
  fail("embeddings.weighting", "unknown weighting '" + name + "'");
}

// FNV-1a, to derive a per-sample seed for the random retrieval (the seeds earlier runs drew with).
uint64_t fnv1a(const std::string& text, uint64_t seed) {
  Fnv1a h = Fnv1a::from_state(Fnv1a::kShortOffsetBasis ^ seed);
  h.add_raw(text);
  return h.value();
}

std::string where_of(const SplitRow& row) { return row.category + " user " + row.row.user_id; }

}  // namespace

DepSampleBuilder::DepSampleBuilder(const DataConfig& config, const DepData& data, TokenEncoder encode,
                                   const ReviewEmbeddings* embeddings, QueryEmbedder query)
    : config_(config),
      data_(data),
      encode_(std::move(encode)),
      embeddings_(embeddings),
      query_(std::move(query)),
      variant_(parse_prompt_variant(config.prompt.variant)),
      retrieval_(parse_retrieval(config.history.retrieval)),
      weighting_(parse_weighting(config.embeddings.weighting)) {
  if (!encode_.encode) fail_internal("DepSampleBuilder", "no tokenizer given");
  if (encode_.tokens.im_end < 0 || encode_.tokens.pad < 0)
    fail_internal("DepSampleBuilder", "the encoder's special-token ids are unset (see encoder_of)");
  rules_.slots = config.embeddings.slots;
  rules_.skip_peerless = config.quirks.slots_skip_peerless;
  rules_.count_self = config.quirks.peer_rule_counts_self;
  rules_.across_categories = config.quirks.peers_across_categories;
  if (config.history.k > config.embeddings.slots && (shows_his_tokens(variant_) || shows_diff_tokens(variant_)))
    fail("history.k", "shows " + std::to_string(config.history.k) + " reviews but only " +
                          std::to_string(config.embeddings.slots) + " embedding slots exist");
  // Without a caller's query, dense retrieval asks with the target item's text (title and
  // description, PPlug's task text) as the store holds it under item/<asin> (dep-embed with
  // input.meta_paths), so every tool that opens a store can retrieve densely (paper Table 8).
  if (retrieval_ == RetrievalMethod::kDense && embeddings_ && !query_) {
    const ReviewEmbeddings* store = embeddings_;
    query_ = [store](const SplitRow& row) {
      const float* q = store->keyed_row(pplug_task_key(row.row.data.asin));
      return std::vector<float>(q, q + store->dim());
    };
  }
  if (retrieval_ == RetrievalMethod::kDense && (!embeddings_ || !query_))
    fail("history.retrieval", "dense retrieval needs review embeddings and a query embedder");
  if (!embeddings_) return;
  // Each pool user's mean embedding (docs/reference-behaviour.md §3.1: over E[:-2] in the reference).
  const int64_t dim = embeddings_->dim();
  const int64_t drop = config.embeddings.pool_drop_last;
  user_means_.resize(data.pool.user_count());
  user_rows_.resize(data.pool.user_count());
  for (size_t u = 0; u < data.pool.user_count(); ++u) {
    const PoolUser& user = data.pool.user(static_cast<uint32_t>(u));
    int64_t rows = 0;
    const float* e = embeddings_->user_rows(user.category, user.user_id, &rows);
    if (rows != user.test_profile_size + 1)
      fail("embeddings " + user.category + "/" + user.user_id,
           std::to_string(rows) + " rows, expected " + std::to_string(user.test_profile_size + 1) +
               " (test profile + target)");
    const int64_t mean_rows_n =
        config.quirks.mean_includes_next_target ? user.test_profile_size + 1 - drop : user.test_profile_size - drop;
    user_means_[u] = mean_rows(e, std::max<int64_t>(0, mean_rows_n), dim);
    user_rows_[u] = e;
  }
}

const ItemMeta& DepSampleBuilder::item(const std::string& asin) const {
  auto it = data_.meta.find(asin);
  if (it == data_.meta.end()) fail("meta", "no meta for asin " + asin);
  return it->second;
}

std::vector<int64_t> DepSampleBuilder::retrieve(const SplitRow& row) const {
  const auto& profile = row.row.profile;
  switch (retrieval_) {
    case RetrievalMethod::kRecency: return recency_order(profile);
    case RetrievalMethod::kRandom:
      return random_order(profile.size(),
                          fnv1a(std::string(split_name(data_.split)) + "/" + row.category + "/" + row.row.user_id,
                                static_cast<uint64_t>(config_.history.random_seed)));
    case RetrievalMethod::kBm25: return bm25_order(profile, row.row.data, data_.meta);
    case RetrievalMethod::kDense: {
      int64_t rows = 0;
      const float* e = embeddings_->user_rows(row.category, row.row.user_id, &rows);
      if (rows < static_cast<int64_t>(profile.size()))
        fail(where_of(row), "fewer embedding rows than profile reviews");
      const auto q = query_(row);
      if (static_cast<int64_t>(q.size()) != embeddings_->dim()) fail(where_of(row), "query vector has the wrong size");
      return dense_order(q.data(), e, static_cast<int64_t>(profile.size()), embeddings_->dim());
    }
  }
  return {};
}

SamplePlan DepSampleBuilder::plan(const SplitRow& row) const {
  const auto& profile = row.row.profile;
  const Review& target = row.row.data;
  SamplePlan plan;
  plan.category = row.category;
  plan.user_id = row.row.user_id;
  plan.target = target.text;
  plan.history = retrieve(row);

  std::vector<std::string> asins;
  asins.reserve(plan.history.size());
  for (int64_t p : plan.history) asins.push_back(profile[static_cast<size_t>(p)].asin);
  plan.slots = select_slot_items(data_.pool, row.category, row.row.user_id, asins, rules_);
  // Rows of the user's embedding list (test profile order): the reference takes E[:L] flipped,
  // i.e. row L-1-j for the j-th newest review, which differs from the review's own row on ties.
  std::vector<int64_t> rank(profile.size());
  const auto recency = recency_order(profile);
  for (size_t j = 0; j < recency.size(); ++j) rank[static_cast<size_t>(recency[j])] = static_cast<int64_t>(j);
  const int64_t length = static_cast<int64_t>(profile.size());
  for (const auto& slot : plan.slots) {
    const int64_t p = plan.history[static_cast<size_t>(slot.history_index)];
    plan.embedding_asins.push_back(asins[static_cast<size_t>(slot.history_index)]);
    plan.peer_counts.push_back(static_cast<int64_t>(slot.peers.size()));
    plan.his_rows.push_back(config_.quirks.flip_embedding_rows ? length - 1 - rank[static_cast<size_t>(p)] : p);
  }

  const ItemMeta& target_item = item(target.asin);
  const std::string system = system_prompt(variant_);
  const bool newline = !config_.quirks.no_newline_after_system;
  const int64_t k_max =
      shows_history(variant_) ? std::min<int64_t>(config_.history.k, static_cast<int64_t>(plan.history.size())) : 0;
  const std::string base_prompt = chat_prompt(system, user_message(variant_, target_item, target, ""), newline);
  plan.base_tokens = count(base_prompt);
  if (k_max == 0) {
    plan.prompt = base_prompt;
    return plan;
  }

  // Length control (docs/reference-behaviour.md §2): the largest k ≤ K whose history block fits in max_length minus
  // the rest of the prompt; k = 1 when none fits. Block counts add up per entry because every
  // entry boundary is a pre-tokenizer boundary ("\n" before "- [Review"); checked below.
  const int64_t avail = config_.history.max_length - plan.base_tokens;
  std::vector<std::string> entries;
  std::vector<int64_t> entry_tokens;
  for (int64_t i = 0; i < k_max; ++i) {
    const Review& r = profile[static_cast<size_t>(plan.history[static_cast<size_t>(i)])];
    entries.push_back(history_entry(static_cast<int>(i), r, item(r.asin), variant_));
    entry_tokens.push_back(count(entries.back()));
  }
  const int64_t header_tokens = count(history_header());
  auto block_of = [&](int64_t k) {
    std::string block = history_header();
    for (int64_t i = 0; i < k; ++i) block += entries[static_cast<size_t>(i)];
    return block;
  };
  auto choose = [&](const std::function<int64_t(int64_t)>& block_tokens) {
    plan.tried.clear();
    for (int64_t k = k_max; k >= 1; --k) {
      const int64_t n = block_tokens(k);
      plan.tried.emplace_back(k, n);
      if (n <= avail) return k;
    }
    return int64_t{1};
  };
  plan.k = choose([&](int64_t k) {
    int64_t n = header_tokens;
    for (int64_t i = 0; i < k; ++i) n += entry_tokens[static_cast<size_t>(i)];
    return n;
  });
  std::string block = block_of(plan.k);
  const auto& [tried_k, tried_n] = plan.tried.back();
  if (tried_k != plan.k || count(block) != tried_n) {
    // The additive count was off (an unusual boundary): redo the choice with whole blocks.
    plan.k = choose([&](int64_t k) { return count(block_of(k)); });
    block = block_of(plan.k);
  }
  for (int64_t i = 0; i < plan.k; ++i) plan.history_asins.push_back(asins[static_cast<size_t>(i)]);
  plan.prompt = chat_prompt(system, user_message(variant_, target_item, target, block), newline);
  return plan;
}

void DepSampleBuilder::fill_embeddings(const SplitRow& row, const SamplePlan& plan, DepSample& sample) const {
  if (!embeddings_) fail_internal("DepSampleBuilder", "no embeddings given");
  const auto& profile = row.row.profile;
  const UserRow* test = data_.test_row(row.category, row.row.user_id);
  if (!test) fail(where_of(row), "has no test row, so no embedding list");
  // The embedding list follows the test profile; the sample's profile must be its prefix.
  if (profile.size() > test->profile.size())
    fail(where_of(row), "profile is longer than the test profile");
  for (size_t i = 0; i < profile.size(); ++i)
    if (profile[i].asin != test->profile[i].asin)
      fail(where_of(row), "profile[" + std::to_string(i) + "] (" + profile[i].asin +
                              ") differs from the test profile's (" + test->profile[i].asin +
                              "): the embedding rows would not match");
  const int64_t dim = embeddings_->dim();
  const int64_t slots = config_.embeddings.slots;
  int64_t rows = 0;
  const float* own = embeddings_->user_rows(row.category, row.row.user_id, &rows);
  const int64_t self = data_.pool.find_user(row.category, row.row.user_id);
  if (self < 0) fail(where_of(row), "is not in the peer pool");
  const float* self_mean = user_means_[static_cast<size_t>(self)].data();

  std::unordered_map<uint32_t, double> distance_of;
  sample.dim = dim;
  sample.his_diff.assign(static_cast<size_t>(2 * slots * dim), 0.0f);
  for (size_t s = 0; s < plan.slots.size(); ++s) {
    const SlotItem& slot = plan.slots[s];
    const float* his = own + plan.his_rows[s] * dim;
    std::memcpy(sample.his_diff.data() + s * dim, his, sizeof(float) * static_cast<size_t>(dim));
    if (slot.peers.empty()) continue;
    std::vector<const float*> peer_rows;
    std::vector<double> distances;
    for (const PoolReview& peer : slot.peers) {
      peer_rows.push_back(user_rows_[peer.user] + static_cast<int64_t>(peer.row) * dim);
      if (weighting_ != PeerWeighting::kReference) continue;
      // a peer often reviewed several of the user's items: its distance is computed once
      auto [it, fresh] = distance_of.emplace(peer.user, 0.0);
      if (fresh) it->second = l2_distance(self_mean, user_means_[peer.user].data(), dim);
      distances.push_back(it->second);
    }
    if (weighting_ != PeerWeighting::kReference) distances.assign(slot.peers.size(), 0.0);
    const auto w = weights_from_distances(distances, weighting_);
    difference_vector(his, peer_rows, w, dim, sample.his_diff.data() + (slots + static_cast<int64_t>(s)) * dim);
  }
}

void DepSampleBuilder::fill_pplug(const SplitRow& row, DepSample& sample) const {
  if (!embeddings_) fail_internal("DepSampleBuilder", "no embeddings given");
  const auto& profile = row.row.profile;
  const UserRow* test = data_.test_row(row.category, row.row.user_id);
  if (!test) fail(where_of(row), "has no test row, so no embedding list");
  if (profile.size() > test->profile.size()) fail(where_of(row), "profile is longer than the test profile");
  for (size_t i = 0; i < profile.size(); ++i)
    if (profile[i].asin != test->profile[i].asin)
      fail(where_of(row), "profile[" + std::to_string(i) + "] (" + profile[i].asin +
                              ") differs from the test profile's (" + test->profile[i].asin +
                              "): the embedding rows would not match");
  // The user's embedding list is the test profile oldest first (stable), docs/reference-behaviour.md §1.3:
  // the row of test profile entry i is its place in that order.
  const auto oldest_first = reviews_oldest_first(*test);
  std::vector<int64_t> row_of(test->profile.size());
  for (size_t r = 0; r + 1 < oldest_first.size(); ++r)
    row_of[static_cast<size_t>(oldest_first[r] - test->profile.data())] = static_cast<int64_t>(r);
  const int64_t dim = embeddings_->dim();
  int64_t rows = 0;
  const float* own = embeddings_->user_rows(row.category, row.row.user_id, &rows);
  if (rows != static_cast<int64_t>(test->profile.size()) + 1)
    fail("embeddings " + row.category + "/" + row.row.user_id,
         std::to_string(rows) + " rows, expected " + std::to_string(test->profile.size() + 1) + " (test profile + target)");
  // The newest max_history reviews of the sample's own profile (never its target).
  auto newest = recency_order(profile);
  if (static_cast<int64_t>(newest.size()) > config_.pplug.max_history)
    newest.resize(static_cast<size_t>(config_.pplug.max_history));
  sample.dim = dim;
  sample.pplug_rows = static_cast<int64_t>(newest.size());
  sample.pplug_history.resize(static_cast<size_t>(sample.pplug_rows * dim));
  for (size_t j = 0; j < newest.size(); ++j) {
    const float* his = own + row_of[static_cast<size_t>(newest[j])] * dim;
    std::memcpy(sample.pplug_history.data() + j * dim, his, sizeof(float) * static_cast<size_t>(dim));
  }
  const float* task = embeddings_->keyed_row(pplug_task_key(row.row.data.asin));
  sample.pplug_task.assign(task, task + dim);
}

DepSample DepSampleBuilder::build(const SplitRow& row, bool training) const {
  SamplePlan plan = this->plan(row);
  DepSample sample;
  sample.category = row.category;
  sample.user_id = row.row.user_id;
  sample.sample_id = std::string(split_name(data_.split)) + "/" + row.category + "/" + row.row.user_id;
  if (data_.several_rows_per_user) sample.sample_id += "/p" + std::to_string(row.row.profile.size());
  sample.slots = config_.embeddings.slots;
  sample.input_ids = encode_(plan.prompt);
  if (training && config_.quirks.truncate_long_prompts &&
      static_cast<int64_t>(sample.input_ids.size()) > config_.history.max_length)
    sample.input_ids.resize(static_cast<size_t>(config_.history.max_length));
  sample.prompt_length = static_cast<int64_t>(sample.input_ids.size());
  sample.pad_id = encode_.tokens.pad;
  if (training) {
    auto target = encode_(plan.target);
    if (static_cast<int64_t>(target.size()) > config_.prompt.max_target_length)
      target.resize(static_cast<size_t>(config_.prompt.max_target_length));
    sample.labels.assign(sample.input_ids.size(), kIgnoreLabel);
    sample.input_ids.insert(sample.input_ids.end(), target.begin(), target.end());
    sample.labels.insert(sample.labels.end(), target.begin(), target.end());
    sample.input_ids.push_back(encode_.tokens.im_end);
    sample.labels.push_back(encode_.tokens.im_end);
  }
  sample.his_positions.assign(static_cast<size_t>(sample.slots), -1);
  sample.diff_positions.assign(static_cast<size_t>(sample.slots), -1);
  const DepTokens& tokens = encode_.tokens;
  for (int64_t p = 0; p < sample.prompt_length; ++p) {
    const int64_t id = sample.input_ids[static_cast<size_t>(p)];
    if (const int his = tokens.his_slot(id); his >= 0 && his < sample.slots)
      sample.his_positions[static_cast<size_t>(his)] = p;
    if (const int diff = tokens.diff_slot(id); diff >= 0 && diff < sample.slots)
      sample.diff_positions[static_cast<size_t>(diff)] = p;
  }
  sample.slot_filled.assign(static_cast<size_t>(sample.slots), 0);
  for (size_t s = 0; s < plan.slots.size(); ++s) sample.slot_filled[s] = 1;
  if (embeddings_ && variant_ == PromptVariant::kPplug) {
    fill_pplug(row, sample);
  } else if (embeddings_) {
    fill_embeddings(row, plan, sample);
  }
  sample.history_asins = std::move(plan.history_asins);
  sample.embedding_asins = std::move(plan.embedding_asins);
  sample.peer_counts = std::move(plan.peer_counts);
  sample.prompt = std::move(plan.prompt);
  sample.target = std::move(plan.target);
  return sample;
}

std::string DepSampleBuilder::inspection_json(const SamplePlan& plan) {
  nlohmann::ordered_json j;
  j["category"] = plan.category;
  j["user_id"] = plan.user_id;
  j["prompt"] = plan.prompt;
  j["history_asins"] = plan.history_asins;
  j["embedding_asins"] = plan.embedding_asins;
  j["peer_counts"] = plan.peer_counts;
  j["target"] = plan.target;
  j["k"] = plan.k;
  j["base_token_count"] = plan.base_tokens;
  return j.dump();
}

std::vector<DepSample> build_samples(const DepSampleBuilder& builder, const std::vector<SplitRow>& rows, bool training,
                                     size_t threads) {
  std::vector<DepSample> samples(rows.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<size_t>(1, rows.size()));
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t i = next++; i < rows.size(); i = next++) {
      try {
        samples[i] = builder.build(rows[i], training);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = rows.size();
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return samples;
}

}  // namespace dep
