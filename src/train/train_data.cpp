// Train/val samples for dep-train: the data pipeline builds them (prompts, labels, his/diff
// blocks) from the DPL JSONL, the DEP tokenizer and the embedder's store.
#include <algorithm>
#include <memory>

#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/embed/embedding_store.h"
#include "dep/core/error.h"
#include "dep/data/sample_builder.h"
#include "dep/train/trainer.h"
#include "dep/core/log.h"

namespace dep {

TrainingData load_training_data(const TrainConfig& config) {
  if (config.data.data.root.empty()) fail("data.data.root", "no data directory configured");
  if (config.samples.embeddings.empty()) fail("samples.embeddings", "no embedding store configured");
  const std::string tokenizer_path = config.data.tokenizer.empty() ? config.model.dir : config.data.tokenizer;
  if (tokenizer_path.empty()) fail("data.tokenizer", "no tokenizer (and no model.dir to take it from)");
  auto tokenizer = std::make_shared<BpeTokenizer>(load_dep_tokenizer(tokenizer_path));
  const auto store = EmbeddingStore::open(config.samples.embeddings);
  TrainingData out;
  out.tokenizer = tokenizer;
  out.tokenizer_size = static_cast<int64_t>(tokenizer->vocab_size());
  const auto threads = static_cast<size_t>(config.samples.threads);
  auto first_rows = [](std::vector<SplitRow> rows, int64_t limit) {
    if (limit > 0 && static_cast<int64_t>(rows.size()) > limit) rows.resize(static_cast<size_t>(limit));
    return rows;
  };
  {
    const DepData data = load_dep_data(config.data, DepSplit::kTrain, parse_train_rows(config.train.rows));
    const DepSampleBuilder builder(config.data, data, encoder_of(*tokenizer, tokenizer_path), store.get());
    out.train = build_samples(builder, first_rows(data.rows, config.samples.max_train), /*training=*/true, threads);
    log::info("train: " + std::to_string(out.train.size()) + " samples");
  }
  if (config.validation.enabled) {
    const DepData data = load_dep_data(config.data, DepSplit::kVal);
    const DepSampleBuilder builder(config.data, data, encoder_of(*tokenizer, tokenizer_path), store.get());
    const auto rows = first_rows(data.rows, config.samples.max_val);
    out.val = build_samples(builder, rows, /*training=*/true, threads);
    log::info("val: " + std::to_string(out.val.size()) + " samples");
    if (config.validation.select_by == SelectBy::kMeteor) {
      out.val_prompts = build_samples(builder, first_rows(rows, config.validation.generation_samples),
                                      /*training=*/false, threads);
      log::info("val (generation, METEOR): " + std::to_string(out.val_prompts.size()) + " samples");
    }
  }
  return out;
}

}  // namespace dep
