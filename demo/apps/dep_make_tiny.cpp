// dep-make-tiny: the demo's tiny models from a synthetic DPL dataset's train split — a Qwen2
// decoder (BPE learned on the corpus, then the chat and DEP special tokens) and an XLM-R embedder
// (word Unigram), randomly initialised (`models`), and a brief full-parameter LM pretraining of
// the decoder on the train split's reviews (`pretrain`) before the pipeline freezes it.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "dep/core/app.h"
#include "dep/core/atomic_file.h"
#include "dep/core/cli.h"
#include "dep/core/output_path.h"
#include "dep/demo/bpe_trainer.h"
#include "dep/core/config.h"
#include "dep/data/data_config.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/demo/demo_summary.h"
#include "dep/adapter/personalization_model.h"
#include "dep/embed/embedding_store.h"
#include "dep/core/error.h"
#include "dep/train/loss_validator.h"
#include "dep/demo/lm_pretrain.h"
#include "dep/decoder/qwen2.h"
#include "dep/data/sample_builder.h"
#include "dep/torch/device.h"
#include "dep/torch/tensor_io.h"
#include "dep/demo/tiny_corpus.h"
#include "dep/demo/tiny_models.h"

namespace {

dep::DepData load_train_split(const std::string& root, const std::vector<std::string>& categories) {
  dep::DataConfig config;
  config.data.root = root;
  if (!categories.empty()) config.data.categories = categories;
  return dep::load_dep_data(config, dep::DepSplit::kTrain);
}

// `heldout-loss`: builds the split's training-form samples (prompt + review + <|im_end|>) with the
// data pipeline and scores them with the frozen decoder, with the adapter's soft prompts when given.
nlohmann::ordered_json heldout_loss(const dep::DataConfig& config, const std::string& split_name,
                                    const std::string& model_dir, const std::string& adapter,
                                    const std::string& embeddings) {
  const auto data = dep::load_dep_data(config, dep::parse_split(split_name));
  const auto tokenizer =
      std::make_shared<dep::BpeTokenizer>(dep::load_dep_tokenizer(config.tokenizer.empty() ? model_dir : config.tokenizer));
  std::unique_ptr<dep::EmbeddingStore> store;
  if (!embeddings.empty()) store = dep::EmbeddingStore::open(embeddings);
  const dep::DepSampleBuilder builder(config, data, dep::encoder_of(*tokenizer), store.get());
  std::vector<dep::DepSample> samples;
  for (const auto& row : data.rows) samples.push_back(builder.build(row, /*training=*/true));
  std::shared_ptr<dep::CausalLM> llm = dep::load_causal_lm(model_dir);
  // Without an adapter the decoder reads the prompt as it is (placeholders keep their own rows).
  std::shared_ptr<dep::Adapter> module;
  if (!adapter.empty()) {
    if (!store) dep::fail("--embeddings", "an adapter needs the review embeddings");
    module = dep::load_adapter(adapter, llm->hidden_size());
    module->eval();
  }
  dep::PersonalizationModel model(llm, module, tokenizer, dep::LossConfig{});
  // The trainer's validation loss, one sample per batch (no padding).
  int64_t tokens = 0;
  for (const auto& s : samples) tokens += dep::sample_label_tokens(s);
  nlohmann::ordered_json out;
  out["split"] = split_name;
  out["prompt_variant"] = config.prompt.variant;
  out["adapter"] = adapter;
  out["loss"] = dep::validation_loss(model, samples, 1);
  out["tokens"] = tokens;
  out["samples"] = samples.size();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-make-tiny", "tiny decoder/embedder directories and decoder pretraining for the demo",
                 dep::torch_runtime);
    auto& app = cli.app();
    app.require_subcommand(1);
    std::string data_root, decoder_dir, embedder_dir, model_dir, out_dir;
    std::vector<std::string> categories;
    int64_t seed = 1, merges = 1500, threads = 0;
    dep::TinyDecoderShape decoder;
    dep::TinyEncoderShape encoder;
    dep::PretrainOptions pretrain;
    dep::PretrainCorpusOptions corpus;

    auto* models = app.add_subcommand("models", "write a random tiny decoder and embedder (tokenizers learned on the train split)");
    models->add_option("--data", data_root, "synthetic DPL root ({category}/{train,val,test,meta}.jsonl)")->required();
    models->add_option("--categories", categories, "categories to read (default: the data config's)");
    models->add_option("--decoder", decoder_dir, "output decoder directory")->required();
    models->add_option("--embedder", embedder_dir, "output embedder directory")->required();
    models->add_option("--seed", seed, "random seed")->capture_default_str();
    models->add_option("--merges", merges, "most BPE merges")->capture_default_str();
    models->add_option("--decoder-hidden", decoder.hidden_size, "decoder hidden size")->capture_default_str();
    models->add_option("--decoder-intermediate", decoder.intermediate_size, "decoder MLP size")->capture_default_str();
    models->add_option("--decoder-layers", decoder.layers, "decoder layers")->capture_default_str();
    models->add_option("--decoder-heads", decoder.heads, "decoder attention heads")->capture_default_str();
    models->add_option("--decoder-kv-heads", decoder.kv_heads, "decoder key/value heads")->capture_default_str();
    models->add_option("--embedder-hidden", encoder.hidden_size, "embedder hidden size")->capture_default_str();
    models->add_option("--embedder-layers", encoder.layers, "embedder layers")->capture_default_str();

    auto* pre = app.add_subcommand("pretrain", "LM-pretrain a tiny decoder on the train split's reviews");
    pre->add_option("--data", data_root, "synthetic DPL root")->required();
    pre->add_option("--categories", categories, "categories to read (default: the data config's)");
    pre->add_option("--model", model_dir, "decoder directory to start from")->required();
    pre->add_option("--out", out_dir, "output decoder directory")->required();
    pre->add_option("--epochs", pretrain.epochs, "epochs")->capture_default_str();
    pre->add_option("--max-steps", pretrain.max_steps, "stop after this many updates (0 = all epochs)")
        ->capture_default_str();
    pre->add_option("--batch-size", pretrain.batch_size, "examples per step")->capture_default_str();
    pre->add_option("--lr", pretrain.lr, "peak learning rate")->capture_default_str();
    pre->add_option("--dep-fraction", corpus.dep_fraction, "share of reviews also shown in the DEP prompt format")
        ->capture_default_str();
    pre->add_option("--max-history", corpus.max_history, "most earlier reviews shown in a DEP-format prompt")
        ->capture_default_str();
    pre->add_option("--seed", seed, "random seed")->capture_default_str();
    pre->add_option("--threads", threads, "torch threads (0 = all cores)")->capture_default_str();
    std::string pretrain_embeddings;
    pre->add_option("--embeddings", pretrain_embeddings,
                    "review embedding store (dep-embed): DEP-format examples read the history reviews' embeddings "
                    "at [HIS_TOKEN_i] through a trained linear map, so the decoder learns to read the writer there");

    std::string split = "test", adapter, embeddings, out_json;
    dep::ConfigFlags data_flags;
    auto* loss = app.add_subcommand("heldout-loss", "token-mean CE of a split's reviews under the frozen decoder (+ adapter)");
    dep::add_config_flags<dep::DataConfig>(*loss, data_flags, "configs/demo/data.json");
    loss->add_option("--split", split, "train, val or test")->capture_default_str();
    loss->add_option("--model", model_dir, "decoder directory")->required();
    loss->add_option("--adapter", adapter, "DEP adapter safetensors (omit for the decoder alone)");
    loss->add_option("--embeddings", embeddings, "review embedding store (dep-embed output)");
    loss->add_option("--out", out_json, "write the result JSON here");
    loss->add_option("--threads", threads, "torch threads (0 = all cores)")->capture_default_str();

    std::vector<std::string> method_specs;
    std::string summary_out;
    double wall = 0;
    auto* summary = app.add_subcommand("summary", "combine dep-eval summaries and held-out losses into the demo summary");
    summary->add_option("--method", method_specs, "NAME=EVAL_SUMMARY.json,LOSS.json (repeatable; a missing file gives nulls)")
        ->required();
    summary->add_option("--out", summary_out, "summary JSON to write")->required();
    summary->add_option("--wall-seconds", wall, "the pipeline's wall time, recorded in the summary");

    cli.parse(argc, argv);

    if (models->parsed()) {
      const auto train = load_train_split(data_root, categories);
      const auto texts = dep::tokenizer_corpus(train);
      dep::BpeTrainingOptions bpe;
      bpe.merges = merges;
      const auto bpe_json = dep::train_byte_level_bpe(texts, bpe, dep::tiny_decoder_special_tokens());
      dep::write_tiny_decoder(decoder_dir, decoder, bpe_json, static_cast<uint64_t>(seed));
      const auto unigram = dep::build_word_unigram(texts);
      dep::write_tiny_encoder(embedder_dir, encoder, unigram, static_cast<uint64_t>(seed) + 1);
      std::printf("decoder:  %s (%zu BPE merges, hidden %lld, %lld layers)\n", decoder_dir.c_str(),
                  bpe_json["model"]["merges"].size(), static_cast<long long>(decoder.hidden_size),
                  static_cast<long long>(decoder.layers));
      std::printf("embedder: %s (%zu Unigram pieces, hidden %lld, %lld layers)\n", embedder_dir.c_str(),
                  unigram["model"]["vocab"].size(), static_cast<long long>(encoder.hidden_size),
                  static_cast<long long>(encoder.layers));
      return 0;
    }
    if (summary->parsed()) {
      std::vector<dep::MethodResult> methods;
      for (const auto& spec : method_specs) {
        const auto eq = spec.find('='), comma = spec.find(',', eq == std::string::npos ? 0 : eq);
        if (eq == std::string::npos || comma == std::string::npos)
          dep::fail("--method", "expected NAME=EVAL_SUMMARY.json,LOSS.json, got '" + spec + "'");
        methods.push_back({spec.substr(0, eq), spec.substr(eq + 1, comma - eq - 1), spec.substr(comma + 1)});
      }
      auto result = dep::demo_summary(methods);
      if (wall > 0) result["wall_seconds"] = wall;
      dep::write_file_atomic(summary_out, result.dump(2) + "\n");
      std::printf("%s", dep::demo_table(result).c_str());
      return 0;
    }
    dep::set_torch_threads(static_cast<int>(threads));
    if (loss->parsed()) {
      const auto config = dep::load_config<dep::DataConfig>(data_flags);
      if (!config) return 0;
      if (!out_json.empty()) dep::check_output_file(out_json, "--out");
      const auto result = heldout_loss(*config, split, model_dir, adapter, embeddings);
      if (!out_json.empty()) dep::write_file_atomic(out_json, result.dump(2) + "\n");
      std::printf("%s\n", result.dump().c_str());
      return 0;
    }
    const auto train = load_train_split(data_root, categories);
    corpus.seed = static_cast<uint64_t>(seed);
    pretrain.seed = static_cast<uint64_t>(seed);
    std::unique_ptr<dep::EmbeddingStore> pretrain_store;
    if (!pretrain_embeddings.empty()) pretrain_store = dep::EmbeddingStore::open(pretrain_embeddings);
    const auto examples = dep::pretraining_examples(train, corpus, pretrain_store.get());
    const auto r = dep::pretrain_decoder(model_dir, examples, pretrain, out_dir);
    std::printf("pretrained %s: %lld examples (%lld dropped), %lld steps, %lld tokens, loss %.3f -> %.3f, %.1f s\n",
                out_dir.c_str(), static_cast<long long>(r.examples), static_cast<long long>(r.dropped),
                static_cast<long long>(r.steps), static_cast<long long>(r.tokens), r.first_loss, r.last_loss,
                r.seconds);
    return 0;
  });
}
