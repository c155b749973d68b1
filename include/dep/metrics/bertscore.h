// BERTScore's greedy matching exactly as bert_score's greedy_cos_idf (float32): L2-normalised
// token embeddings, cosine similarity matrix, P = weighted mean over candidate tokens of the best
// reference similarity, R likewise over reference tokens, F = 2PR/(P+R). The encoder that produces
// the embeddings (LED for the paper) is not part of this file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dep {

// One sentence: `tokens` x `dim` row-major embeddings (including <s> and </s>) and one weight per
// token (idf off: 1, and 0 for the <s>/</s> ids; see bertscore_weights).
struct TokenEmbeddings {
  std::vector<float> data;
  size_t tokens = 0;
  size_t dim = 0;
  std::vector<float> weights;
};

struct BertScore {
  float precision = 0;
  float recall = 0;
  float f1 = 0;
};

// Weights as bert_score builds them with idf=False: 1 per token, 0 for every cls/sep id.
std::vector<float> bertscore_weights(const std::vector<int64_t>& ids, int64_t cls_id, int64_t sep_id);

// One pair. bert_score pads a batch to its longest sentence; padded positions are masked to a
// similarity of exactly 0, which then takes part in the max. `hyp_padded` / `ref_padded` say
// whether this pair's batch has a longer candidate / reference (so 0 joins the max over it).
// A side with only two tokens (<s></s>, an empty sentence) gives P = R = F = 0, as bert_score.
BertScore bertscore_greedy(const TokenEmbeddings& hyp, const TokenEmbeddings& ref, bool hyp_padded,
                           bool ref_padded);

// Every pair, batched in input order as bert_score.score does (batch_size 64 by default).
std::vector<BertScore> bertscore_batched(const std::vector<TokenEmbeddings>& hyps,
                                         const std::vector<TokenEmbeddings>& refs,
                                         size_t batch_size = 64);

}  // namespace dep
