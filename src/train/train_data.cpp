// Train/val samples for dep-train: the data pipeline builds them (prompts, labels, his/diff
// blocks) from the DPL JSONL, the DEP tokenizer and the embedder's store.
#include <algorithm>
#include <memory>

#include "dep/data_tokenizer.h"
#include "dep/dep_dataset.h"
#include "dep/embedding_store.h"
#include "dep/error.h"
#include "dep/sample_builder.h"
#include "dep/trainer.h"
#include "dep/log.h"

namespace dep {

TrainingData load_training_data(const TrainConfig& config) {
  if (config.data.data.root.empty()) fail("data.data.root", "no data directory configured");
  if (config.samples.embeddings.empty()) fail("samples.embeddings", "no embedding store configured");
  const std::string tokenizer_path = config.data.tokenizer.empty() ? config.model.dir : config.data.tokenizer;
  if (tokenizer_path.empty()) fail("data.tokenizer", "no tokenizer (and no model.dir to take it from)");
  const auto tokenizer = load_dep_tokenizer(tokenizer_path);
  const auto store = EmbeddingStore::open(config.samples.embeddings);
  TrainingData out;
  out.tokenizer_size = static_cast<int64_t>(tokenizer.vocab_size());
  auto build = [&](DepSplit split, int64_t limit, const char* name) {
    const DepData data = load_dep_data(config.data, split);
    const DepSampleBuilder builder(config.data, data, encoder_of(tokenizer), store.get());
    std::vector<SplitRow> rows = data.rows;
    if (limit > 0 && static_cast<int64_t>(rows.size()) > limit) rows.resize(static_cast<size_t>(limit));
    auto samples = build_samples(builder, rows, /*training=*/true, static_cast<size_t>(config.samples.threads));
    log::info(std::string(name) + ": " + std::to_string(samples.size()) + " samples");
    return samples;
  };
  out.train = build(DepSplit::kTrain, config.samples.max_train, "train");
  if (config.validation.enabled) out.val = build(DepSplit::kVal, config.samples.max_val, "val");
  return out;
}

}  // namespace dep
