// bert_score's pipeline over dep's LED encoder and BPE tokenizer (see bert_scorer.h).
#include "dep/metrics/bert_scorer.h"

#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "../python_text.h"

namespace dep {

namespace {

// The slow tokenizer's files as the tokenizer.json pipeline dep_text reads: BPE over GPT-2's
// byte-level split, no normalizer, special tokens split out of the raw text first.
BpeTokenizer tokenizer_from_vocab_merges(const std::string& dir) {
  const std::string vocab_path = dir + "/vocab.json", merges_path = dir + "/merges.txt";
  nlohmann::json vocab = read_json_file(vocab_path);
  nlohmann::json merges = nlohmann::json::array();
  std::istringstream in(read_file(merges_path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    merges.push_back(line);
  }
  nlohmann::json added = nlohmann::json::array();
  for (const char* special : {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}) {
    if (!vocab.contains(special)) continue;
    added.push_back({{"id", vocab[special]}, {"content", special}, {"single_word", false},
                     {"lstrip", std::string(special) == "<mask>"}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  }
  nlohmann::json j = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
                 {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
                 {"vocab", vocab}, {"merges", merges}}}};
  return BpeTokenizer::from_json(j, vocab_path);
}

}  // namespace

BertScorer::BertScorer(BpeTokenizer tokenizer, LedEncoder encoder, int64_t num_layers, int64_t max_length)
    : tokenizer_(std::move(tokenizer)), encoder_(std::move(encoder)), num_layers_(num_layers), max_length_(max_length) {}

BertScorer BertScorer::load(const std::string& model_dir, int64_t num_layers, int64_t max_length) {
  auto encoder = LedEncoder::load(model_dir);
  if (num_layers > encoder.config().layers) {
    fail(model_dir, "num_layers " + std::to_string(num_layers) + " exceeds the encoder's " +
                        std::to_string(encoder.config().layers));
  }
  max_length = std::min(max_length, encoder.config().max_positions);
  BertScorer scorer(tokenizer_from_vocab_merges(model_dir), std::move(encoder), num_layers, max_length);
  scorer.cls_id_ = scorer.tokenizer_.token_to_id("<s>");
  scorer.sep_id_ = scorer.tokenizer_.token_to_id("</s>");
  if (scorer.cls_id_ < 0 || scorer.sep_id_ < 0) fail(model_dir + "/vocab.json", "needs <s> and </s>");
  return scorer;
}

std::vector<int64_t> BertScorer::encode(const std::string& sentence) const {
  std::vector<int64_t> ids{cls_id_};
  const std::string text(metrics_detail::py_strip(sentence));  // Python str.strip()
  if (!text.empty()) {
    auto body = tokenizer_.encode(text);
    // Truncation keeps <s> and </s> and cuts the tail of the text.
    if (static_cast<int64_t>(body.size()) > max_length_ - 2) body.resize(static_cast<size_t>(max_length_ - 2));
    ids.insert(ids.end(), body.begin(), body.end());
  }
  ids.push_back(sep_id_);
  return ids;
}

TokenEmbeddings BertScorer::embed(const std::vector<int64_t>& ids) const {
  auto input = torch::tensor(ids, torch::kLong).unsqueeze(0);
  auto mask = torch::ones_like(input);
  auto hidden = encoder_.forward(input, mask, num_layers_)[0].contiguous();
  TokenEmbeddings e;
  e.tokens = ids.size();
  e.dim = static_cast<size_t>(hidden.size(1));
  e.data.assign(hidden.data_ptr<float>(), hidden.data_ptr<float>() + hidden.numel());
  e.weights = bertscore_weights(ids, cls_id_, sep_id_);
  return e;
}

std::vector<BertScore> BertScorer::score(const std::vector<std::string>& candidates,
                                         const std::vector<std::string>& references, size_t batch_size) const {
  if (candidates.size() != references.size()) fail("bertscore", "candidate and reference counts differ");
  std::vector<TokenEmbeddings> hyps, refs;
  hyps.reserve(candidates.size());
  refs.reserve(references.size());
  // Each sentence alone: padding in bert_score's embedding batches never changes real tokens.
  for (size_t i = 0; i < candidates.size(); ++i) {
    hyps.push_back(embed(encode(candidates[i])));
    refs.push_back(embed(encode(references[i])));
  }
  return bertscore_batched(hyps, refs, batch_size);
}

}  // namespace dep
