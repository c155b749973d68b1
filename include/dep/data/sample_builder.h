// Builds DEP samples from a loaded split (docs/reference-behaviour.md §2, §3, §8): history retrieval, the slot items
// and their peers, the prompt under the token-length control, token ids and labels, and the
// [2K, dim] his/diff embedding block.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dep/data/data_config.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/dep_prompt.h"
#include "dep/data/dep_sample.h"
#include "dep/data/dep_tokens.h"
#include "dep/data/diff_embedding.h"
#include "dep/data/peers.h"
#include "dep/data/retrieval.h"
#include "dep/data/review_embeddings.h"

namespace dep {

// Text → token ids with the DEP tokenizer (added tokens recognised, no BOS/EOS added), and the ids
// that tokenizer gives the special tokens a sample needs (encoder_of in data_tokenizer.h makes both).
struct TokenEncoder {
  std::function<std::vector<int64_t>(std::string_view)> encode;
  DepTokens tokens;
  std::vector<int64_t> operator()(std::string_view text) const { return encode(text); }
};

// The dense retrieval's query vector (dim floats) for a sample; supplied by the embedder.
using QueryEmbedder = std::function<std::vector<float>(const SplitRow&)>;

// Everything decided about one sample before any tensor work (what `dep-data prompts` shows).
struct SamplePlan {
  std::string category;
  std::string user_id;
  std::vector<int64_t> history;   // profile indices in retrieval order (all candidates)
  int64_t k = 0;                  // reviews shown in the prompt (after the length control)
  std::vector<SlotItem> slots;    // slot items: history_index refers to `history`
  std::string prompt;
  std::string target;
  int64_t base_tokens = 0;        // the prompt without history
  std::vector<std::pair<int64_t, int64_t>> tried;  // (k, history-block tokens) per k tried
  std::vector<std::string> history_asins;    // the k reviews shown, in prompt order
  std::vector<std::string> embedding_asins;  // the slot items' asins, in slot order
  std::vector<int64_t> peer_counts;          // peers behind each slot's diff vector
  std::vector<int64_t> his_rows;             // each slot's row in the user's embedding list
};

class DepSampleBuilder {
 public:
  // `data`, `embeddings` and the encoder's tokenizer must outlive the builder (the config is
  // copied). `embeddings` may be null for text-only work (plans, prompts); build() then leaves the
  // his/diff block empty. `query` is needed only for dense retrieval.
  // The encoder's special-token ids are the ones its samples carry (tokens()).
  DepSampleBuilder(const DataConfig& config, const DepData& data, TokenEncoder encode,
                   const ReviewEmbeddings* embeddings = nullptr, QueryEmbedder query = {});

  SamplePlan plan(const SplitRow& row) const;
  // training: ids = prompt + target + <|im_end|> with labels; else the prompt only.
  DepSample build(const SplitRow& row, bool training) const;
  // Fills the his/diff block of `sample` for a plan (needs embeddings).
  void fill_embeddings(const SplitRow& row, const SamplePlan& plan, DepSample& sample) const;
  // Fills PPlug's block of `sample` (prompt.variant pplug; needs embeddings holding the task texts):
  // the newest data.pplug.max_history profile rows and the task vector of the target item.
  void fill_pplug(const SplitRow& row, DepSample& sample) const;

  // The special-token ids of the samples (the pad id their batches are padded with).
  const DepTokens& tokens() const { return encode_.tokens; }

  // The inspection line of `dep-data prompts` (JSON object, one line, no trailing newline).
  static std::string inspection_json(const SamplePlan& plan);

 private:
  int64_t count(std::string_view text) const { return static_cast<int64_t>(encode_(text).size()); }
  std::vector<int64_t> retrieve(const SplitRow& row) const;
  const ItemMeta& item(const std::string& asin) const;

  const DataConfig config_;  // a copy: callers often build the config in place
  const DepData& data_;
  TokenEncoder encode_;
  const ReviewEmbeddings* embeddings_;
  QueryEmbedder query_;
  PromptVariant variant_;
  RetrievalMethod retrieval_;
  PeerWeighting weighting_;
  SlotRules rules_;
  std::vector<std::vector<float>> user_means_;  // per pool user (empty without embeddings)
  std::vector<const float*> user_rows_;          // per pool user: its embedding rows
};

// Builds every row's sample on up to `threads` threads (0 = hardware concurrency), in row order.
// The encoder must be safe to call concurrently (BpeTokenizer::encode is).
std::vector<DepSample> build_samples(const DepSampleBuilder& builder, const std::vector<SplitRow>& rows, bool training,
                                     size_t threads = 0);

}  // namespace dep
