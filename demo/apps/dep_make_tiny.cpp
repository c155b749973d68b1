// dep-make-tiny: the demo's tiny models from a synthetic DPL dataset's train split — a Qwen2
// decoder (BPE learned on the corpus, then the chat and DEP special tokens) and an XLM-R embedder
// (word Unigram), randomly initialised (`models`), and a brief full-parameter LM pretraining of
// the decoder on the train split's reviews (`pretrain`) before the pipeline freezes it.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "dep/core/app.h"
#include "dep/core/atomic_file.h"
#include "dep/core/cli.h"
#include "dep/core/output_path.h"
#include "dep/demo/bpe_trainer.h"
#include "dep/core/config.h"
#include "dep/data/data_config.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/demo/demo_chart.h"
#include "dep/demo/demo_summary.h"
#include "dep/demo/user_identification.h"
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
                                    const std::string& embeddings, bool zero_soft) {
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
  if (zero_soft && !module) dep::fail("--zero-soft", "needs --adapter");
  dep::PersonalizationModel model(llm, module, tokenizer, dep::LossConfig{});
  model.set_zero_soft_prompt(zero_soft);
  // The trainer's validation loss, one sample per batch (no padding), kept per sample for the
  // summary's paired bootstrap.
  const auto losses = dep::sample_losses(model, samples);
  double sum = 0;
  int64_t tokens = 0;
  nlohmann::ordered_json per_sample = nlohmann::ordered_json::array();
  for (size_t i = 0; i < samples.size(); ++i) {
    sum += losses[i].sum;
    tokens += losses[i].tokens;
    per_sample.push_back({{"sample_id", samples[i].sample_id}, {"ce_sum", losses[i].sum}, {"tokens", losses[i].tokens}});
  }
  nlohmann::ordered_json out;
  out["split"] = split_name;
  out["prompt_variant"] = config.prompt.variant;
  out["adapter"] = adapter;
  out["zero_soft_prompt"] = zero_soft;
  out["loss"] = tokens > 0 ? sum / static_cast<double>(tokens) : 0.0;
  out["tokens"] = tokens;
  out["samples"] = samples.size();
  out["per_sample"] = std::move(per_sample);
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
    dep::ConfigFlags pretrain_flags;
    dep::add_config_flags<dep::DataConfig>(*pre, pretrain_flags, "configs/demo/data.json");
    pre->add_option("--model", model_dir, "decoder directory to start from")->required();
    pre->add_option("--out", out_dir, "output decoder directory")->required();
    pre->add_option("--epochs", pretrain.epochs, "epochs")->capture_default_str();
    pre->add_option("--max-steps", pretrain.max_steps, "stop after this many updates (0 = all epochs)")
        ->capture_default_str();
    pre->add_option("--batch-size", pretrain.batch_size, "examples per step")->capture_default_str();
    pre->add_option("--batch-tokens", pretrain.batch_tokens, "most padded tokens per step")->capture_default_str();
    pre->add_option("--lr", pretrain.lr, "peak learning rate")->capture_default_str();
    pre->add_option("--personalized-fraction", corpus.personalized_fraction,
                    "share of reviews also shown in a personalized prompt (DEP or a no-text ablation)")
        ->capture_default_str();
    pre->add_option("--dep-text-dropout", corpus.dep_text_dropout,
                    "share of the DEP prompt's history entries shown without their text (placeholders only), so the "
                    "decoder learns to read the soft vectors also beside review text")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    pre->add_option("--seed", seed, "random seed")->capture_default_str();
    pre->add_option("--threads", threads, "torch threads (0 = all cores)")->capture_default_str();
    std::string pretrain_embeddings;
    pre->add_option("--embeddings", pretrain_embeddings,
                    "review embedding store (dep-embed): personalized examples read their his/diff embeddings at "
                    "[HIS_TOKEN_i]/[DIFF_TOKEN_i] through trained linear maps (then discarded), so the decoder learns "
                    "to read the writer there");

    std::string split = "test", adapter, embeddings, out_json;
    dep::ConfigFlags data_flags;
    auto* loss = app.add_subcommand("heldout-loss", "token-mean CE of a split's reviews under the frozen decoder (+ adapter)");
    dep::add_config_flags<dep::DataConfig>(*loss, data_flags, "configs/demo/data.json");
    loss->add_option("--split", split, "train, val or test")->capture_default_str();
    loss->add_option("--model", model_dir, "decoder directory")->required();
    loss->add_option("--adapter", adapter, "DEP adapter safetensors (omit for the decoder alone)");
    loss->add_option("--embeddings", embeddings, "review embedding store (dep-embed output)");
    bool zero_soft = false;
    loss->add_flag("--zero-soft", zero_soft, "ablation: the adapter's soft vectors replaced by zeros");
    loss->add_option("--out", out_json, "write the result JSON here");
    loss->add_option("--threads", threads, "torch threads (0 = all cores)")->capture_default_str();

    std::vector<std::string> method_specs;
    std::string summary_out, identification_json;
    double wall = 0;
    auto* summary = app.add_subcommand("summary", "the demo summary: metrics, held-out losses and paired-bootstrap intervals "
                                                  "per method; summary.json, summary.md and summary.svg (+ .png)");
    summary->add_option("--method", method_specs,
                        "NAME=DIR with DIR/{generations.jsonl, eval.json, eval_per_sample.jsonl, loss.json} (repeatable; "
                        "a missing file gives nulls)")
        ->required();
    summary->add_option("--out", summary_out, "summary JSON to write; summary.md and summary.svg go beside it")->required();
    summary->add_option("--wall-seconds", wall, "the pipeline's wall time, recorded in the summary");
    summary->add_option("--identification", identification_json, "dep-make-tiny identify output, recorded in the summary");

    int64_t heldout_per_user = 3;
    auto* identify = app.add_subcommand("identify", "nearest-centroid writer identification from his vs diff embeddings");
    dep::ConfigFlags identify_flags;
    dep::add_config_flags<dep::DataConfig>(*identify, identify_flags, "configs/demo/data.json");
    identify->add_option("--embeddings", embeddings, "review embedding store (dep-embed output)")->required();
    identify->add_option("--heldout-per-user", heldout_per_user, "newest reviews with peers held out per user")
        ->capture_default_str();
    identify->add_option("--out", out_json, "write the result JSON here");

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
      std::vector<dep::MethodRun> methods;
      for (const auto& spec : method_specs) {
        const auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0) dep::fail("--method", "expected NAME=DIR, got '" + spec + "'");
        methods.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
      }
      dep::check_output_file(summary_out, "--out");
      auto result = dep::demo_summary(methods);
      if (!identification_json.empty()) result["embeddings"] = dep::read_json_file(identification_json);
      if (wall > 0) result["wall_seconds"] = static_cast<int64_t>(wall);
      const auto base = std::filesystem::path(summary_out).replace_extension("");
      dep::write_file_atomic(summary_out, result.dump(2) + "\n");
      dep::write_file_atomic(base.string() + ".md", dep::demo_markdown(result));
      dep::write_file_atomic(base.string() + ".svg", dep::demo_chart_svg(result));
      std::printf("%s", dep::demo_table(result).c_str());
      return 0;
    }
    if (identify->parsed()) {
      const auto config = dep::load_config<dep::DataConfig>(identify_flags);
      if (!config) return 0;
      const auto test = dep::load_dep_data(*config, dep::DepSplit::kTest);
      const auto store = dep::EmbeddingStore::open(embeddings);
      const auto r = dep::identify_users(test, *store, heldout_per_user);
      nlohmann::ordered_json out{{"users", r.users},           {"heldout", r.heldout},
                                 {"his_accuracy", r.his_accuracy}, {"diff_accuracy", r.diff_accuracy},
                                 {"chance", r.chance},         {"method", "nearest centroid, Euclidean, per category"}};
      if (!out_json.empty()) dep::write_file_atomic(out_json, out.dump(2) + "\n");
      std::printf("writer identified from held-out reviews (%lld users, %lld reviews): his %.3f, diff %.3f (chance %.3f)\n",
                  static_cast<long long>(r.users), static_cast<long long>(r.heldout), r.his_accuracy, r.diff_accuracy,
                  r.chance);
      return 0;
    }
    dep::set_torch_threads(static_cast<int>(threads));
    if (loss->parsed()) {
      const auto config = dep::load_config<dep::DataConfig>(data_flags);
      if (!config) return 0;
      if (!out_json.empty()) dep::check_output_file(out_json, "--out");
      const auto result = heldout_loss(*config, split, model_dir, adapter, embeddings, zero_soft);
      if (!out_json.empty()) dep::write_file_atomic(out_json, result.dump(2) + "\n");
      std::printf("%s\n", result.dump().c_str());
      return 0;
    }
    auto data_config = dep::load_config<dep::DataConfig>(pretrain_flags);
    if (!data_config) return 0;
    data_config->tokenizer = model_dir;  // the decoder being pretrained defines the token counts
    const auto train = dep::load_dep_data(*data_config, dep::DepSplit::kTrain);
    const dep::BpeTokenizer tokenizer = dep::load_dep_tokenizer(model_dir);
    corpus.seed = static_cast<uint64_t>(seed);
    pretrain.seed = static_cast<uint64_t>(seed);
    std::unique_ptr<dep::EmbeddingStore> pretrain_store;
    if (!pretrain_embeddings.empty()) pretrain_store = dep::EmbeddingStore::open(pretrain_embeddings);
    const auto examples =
        dep::pretraining_examples(*data_config, train, dep::encoder_of(tokenizer), pretrain_store.get(), corpus);
    const auto r = dep::pretrain_decoder(model_dir, examples, pretrain, out_dir);
    std::printf("pretrained %s: %lld examples (%lld dropped), %lld steps, %lld tokens, loss %.3f -> %.3f, %.1f s\n",
                out_dir.c_str(), static_cast<long long>(r.examples), static_cast<long long>(r.dropped),
                static_cast<long long>(r.steps), static_cast<long long>(r.tokens), r.first_loss, r.last_loss,
                r.seconds);
    return 0;
  });
}
