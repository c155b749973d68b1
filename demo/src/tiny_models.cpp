// Tiny random Qwen2 / XLM-R model directories for the demo (see tiny_models.h).
#include "dep/demo/tiny_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "dep/core/atomic_file.h"
#include "dep/data/dep_tokens.h"
#include "dep/core/error.h"
#include "dep/torch/tensor_io.h"

namespace dep {
namespace {

namespace fs = std::filesystem;

void write_json(const fs::path& path, const nlohmann::json& j) { write_file_atomic(path.string(), j.dump(2) + "\n"); }

class Init {
 public:
  explicit Init(uint64_t seed) : gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}
  torch::Tensor normal(std::vector<int64_t> shape, double std) {
    return torch::randn(shape, gen_, torch::kFloat32) * std;
  }

 private:
  at::Generator gen_;
};

}  // namespace

std::vector<std::string> tiny_decoder_special_tokens() {
  std::vector<std::string> out = {kEndOfTextToken, "<|im_start|>", kImEndToken};
  for (const auto& token : dep_special_tokens()) out.push_back(token);
  return out;
}

std::vector<int64_t> tiny_decoder_active_ids(const nlohmann::json& tokenizer) {
  std::set<int64_t> ids;
  for (const auto& [token, id] : tokenizer.at("model").at("vocab").items()) ids.insert(id.get<int64_t>());
  for (const auto& t : tokenizer.at("added_tokens")) {
    const auto content = t.at("content").get<std::string>();
    if (content == "<|endoftext|>" || content == "<|im_start|>" || content == "<|im_end|>")
      ids.insert(t.at("id").get<int64_t>());
  }
  return {ids.begin(), ids.end()};
}

void write_tiny_decoder(const std::string& dir, const TinyDecoderShape& s, const nlohmann::json& tokenizer,
                        uint64_t seed) {
  if (s.hidden_size % s.heads != 0) fail("tiny decoder", "hidden_size must be a multiple of heads");
  if (s.heads % s.kv_heads != 0) fail("tiny decoder", "heads must be a multiple of kv_heads");
  const int64_t H = s.hidden_size, I = s.intermediate_size, D = H / s.heads;
  int64_t vocab_size = 0;
  for (const auto& [token, id] : tokenizer.at("model").at("vocab").items())
    vocab_size = std::max(vocab_size, id.get<int64_t>() + 1);
  for (const auto& t : tokenizer.at("added_tokens")) vocab_size = std::max(vocab_size, t.at("id").get<int64_t>() + 1);
  auto special_id = [&](const char* content) {
    for (const auto& t : tokenizer.at("added_tokens"))
      if (t.at("content").get<std::string>() == content) return t.at("id").get<int64_t>();
    fail("tiny decoder", std::string("the tokenizer has no ") + content);
  };
  const int64_t end_of_text = special_id(kEndOfTextToken), im_end = special_id(kImEndToken);
  fs::create_directories(dir);
  torch::NoGradGuard no_grad;
  Init init(seed);
  const double std = 0.02;
  NamedTensors tensors;
  auto embed = torch::zeros({vocab_size, H});
  const auto active = tiny_decoder_active_ids(tokenizer);
  auto index = torch::tensor(active, torch::kLong);
  embed.index_copy_(0, index, init.normal({static_cast<int64_t>(active.size()), H}, std));
  tensors.emplace_back("model.embed_tokens.weight", embed);
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    tensors.emplace_back(p + "input_layernorm.weight", torch::ones({H}));
    tensors.emplace_back(p + "self_attn.q_proj.weight", init.normal({s.heads * D, H}, std));
    tensors.emplace_back(p + "self_attn.q_proj.bias", torch::zeros({s.heads * D}));
    tensors.emplace_back(p + "self_attn.k_proj.weight", init.normal({s.kv_heads * D, H}, std));
    tensors.emplace_back(p + "self_attn.k_proj.bias", torch::zeros({s.kv_heads * D}));
    tensors.emplace_back(p + "self_attn.v_proj.weight", init.normal({s.kv_heads * D, H}, std));
    tensors.emplace_back(p + "self_attn.v_proj.bias", torch::zeros({s.kv_heads * D}));
    tensors.emplace_back(p + "self_attn.o_proj.weight", init.normal({H, s.heads * D}, std));
    tensors.emplace_back(p + "post_attention_layernorm.weight", torch::ones({H}));
    tensors.emplace_back(p + "mlp.gate_proj.weight", init.normal({I, H}, std));
    tensors.emplace_back(p + "mlp.up_proj.weight", init.normal({I, H}, std));
    tensors.emplace_back(p + "mlp.down_proj.weight", init.normal({H, I}, std));
  }
  tensors.emplace_back("model.norm.weight", torch::ones({H}));
  save_safetensors((fs::path(dir) / "model.safetensors").string(), tensors, {{"format", "pt"}});

  nlohmann::ordered_json config;
  config["architectures"] = {"Qwen2ForCausalLM"};
  config["model_type"] = "qwen2";
  config["hidden_act"] = "silu";
  config["attention_dropout"] = 0.0;
  config["bos_token_id"] = end_of_text;
  config["eos_token_id"] = im_end;
  config["initializer_range"] = std;
  config["hidden_size"] = H;
  config["intermediate_size"] = I;
  config["num_hidden_layers"] = s.layers;
  config["num_attention_heads"] = s.heads;
  config["num_key_value_heads"] = s.kv_heads;
  config["max_position_embeddings"] = s.max_positions;
  config["max_window_layers"] = s.layers;
  config["rms_norm_eps"] = 1e-6;
  config["rope_theta"] = s.rope_theta;
  config["sliding_window"] = s.max_positions;
  config["use_sliding_window"] = false;
  config["tie_word_embeddings"] = true;
  config["torch_dtype"] = "float32";
  config["use_cache"] = true;
  config["vocab_size"] = vocab_size;
  write_file_atomic((fs::path(dir) / "config.json").string(), config.dump(2) + "\n");

  nlohmann::ordered_json generation;
  generation["bos_token_id"] = end_of_text;
  generation["eos_token_id"] = {im_end, end_of_text};
  generation["pad_token_id"] = end_of_text;
  generation["do_sample"] = true;
  generation["temperature"] = 0.8;
  generation["top_p"] = 0.95;
  write_file_atomic((fs::path(dir) / "generation_config.json").string(), generation.dump(2) + "\n");
  write_json(fs::path(dir) / "tokenizer.json", tokenizer);
}

nlohmann::json build_word_unigram(const std::vector<std::string>& texts, int64_t min_count) {
  const std::string kSpace = "\u2581";
  std::map<std::string, int64_t> words;
  std::set<std::string> chars;
  int64_t total = 0;
  for (const auto& text : texts) {
    std::istringstream in(text);
    std::string word;
    while (in >> word) {
      ++words[word];
      ++total;
      for (size_t i = 0; i < word.size();) {  // UTF-8 characters
        const auto c = static_cast<unsigned char>(word[i]);
        const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        chars.insert(word.substr(i, n));
        i += n;
      }
    }
  }
  if (total == 0) fail("tiny embedder", "empty corpus");
  nlohmann::json vocab = nlohmann::json::array();
  for (const char* s : {"<s>", "<pad>", "</s>", "<unk>"}) vocab.push_back({s, 0.0});
  std::set<std::string> seen;
  auto add = [&](const std::string& piece, double score) {
    if (seen.insert(piece).second) vocab.push_back({piece, score});
  };
  for (const auto& [word, count] : words)
    if (count >= min_count) add(kSpace + word, std::log(static_cast<double>(count) / static_cast<double>(total)));
  // Characters score far below any word, so a known word is always one piece.
  const double char_score = std::log(0.5 / static_cast<double>(total)) - 4.0;
  add(kSpace, char_score);
  for (const auto& c : chars) {
    add(c, char_score);
    add(kSpace + c, char_score);
  }
  nlohmann::json added = nlohmann::json::array();
  for (int id = 0; id < 4; ++id)
    added.push_back({{"id", id}, {"content", vocab[id][0]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  const nlohmann::json metaspace = {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", "always"},
                                    {"split", true}};
  auto special = [](const char* name, int id) {
    return nlohmann::json{{"id", name}, {"ids", {id}}, {"tokens", {name}}};
  };
  nlohmann::json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = added;
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = metaspace;
  j["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                  {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                  {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
      {"pair", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}},
                {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}},
                {{"Sequence", {{"id", "B"}, {"type_id", 0}}}},
                {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
      {"special_tokens", {{"<s>", special("<s>", 0)}, {"</s>", special("</s>", 2)}}}};
  j["decoder"] = metaspace;
  j["model"] = {{"type", "Unigram"}, {"unk_id", 3}, {"vocab", vocab}, {"byte_fallback", false}};
  return j;
}

void write_tiny_encoder(const std::string& dir, const TinyEncoderShape& s, const nlohmann::json& tokenizer,
                        uint64_t seed) {
  const int64_t H = s.hidden_size, I = s.intermediate_size;
  const auto V = static_cast<int64_t>(tokenizer.at("model").at("vocab").size());
  fs::create_directories(dir);
  torch::NoGradGuard no_grad;
  Init init(seed);
  const double gain = 1.0 / std::sqrt(static_cast<double>(H));  // keeps a vector's norm through a matrix
  NamedTensors t;
  t.emplace_back("embeddings.word_embeddings.weight", init.normal({V, H}, 1.0));
  t.emplace_back("embeddings.position_embeddings.weight", init.normal({s.max_positions, H}, 0.02));
  t.emplace_back("embeddings.token_type_embeddings.weight", init.normal({1, H}, 0.02));
  t.emplace_back("embeddings.LayerNorm.weight", torch::ones({H}));
  t.emplace_back("embeddings.LayerNorm.bias", torch::zeros({H}));
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    // Near-uniform attention, and a value path strong enough that the text outweighs the
    // first token's own embedding in its output.
    t.emplace_back(p + "attention.self.query.weight", init.normal({H, H}, 1e-3));
    t.emplace_back(p + "attention.self.query.bias", torch::zeros({H}));
    t.emplace_back(p + "attention.self.key.weight", init.normal({H, H}, 1e-3));
    t.emplace_back(p + "attention.self.key.bias", torch::zeros({H}));
    t.emplace_back(p + "attention.self.value.weight", init.normal({H, H}, gain));
    t.emplace_back(p + "attention.self.value.bias", torch::zeros({H}));
    t.emplace_back(p + "attention.output.dense.weight", init.normal({H, H}, 4 * gain));
    t.emplace_back(p + "attention.output.dense.bias", torch::zeros({H}));
    t.emplace_back(p + "attention.output.LayerNorm.weight", torch::ones({H}));
    t.emplace_back(p + "attention.output.LayerNorm.bias", torch::zeros({H}));
    t.emplace_back(p + "intermediate.dense.weight", init.normal({I, H}, gain));
    t.emplace_back(p + "intermediate.dense.bias", torch::zeros({I}));
    t.emplace_back(p + "output.dense.weight", init.normal({H, I}, 1.0 / std::sqrt(static_cast<double>(I))));
    t.emplace_back(p + "output.dense.bias", torch::zeros({H}));
    t.emplace_back(p + "output.LayerNorm.weight", torch::ones({H}));
    t.emplace_back(p + "output.LayerNorm.bias", torch::zeros({H}));
  }
  save_safetensors((fs::path(dir) / "model.safetensors").string(), t, {{"format", "pt"}});

  nlohmann::ordered_json config;
  config["architectures"] = {"XLMRobertaModel"};
  config["model_type"] = "xlm-roberta";
  config["hidden_act"] = "gelu";
  config["attention_probs_dropout_prob"] = 0.1;
  config["hidden_dropout_prob"] = 0.1;
  config["bos_token_id"] = 0;
  config["eos_token_id"] = 2;
  config["pad_token_id"] = 1;
  config["position_embedding_type"] = "absolute";
  config["type_vocab_size"] = 1;
  config["initializer_range"] = 0.02;
  config["hidden_size"] = H;
  config["intermediate_size"] = I;
  config["num_hidden_layers"] = s.layers;
  config["num_attention_heads"] = s.heads;
  config["max_position_embeddings"] = s.max_positions;
  config["layer_norm_eps"] = 1e-5;
  config["vocab_size"] = V;
  config["torch_dtype"] = "float32";
  write_file_atomic((fs::path(dir) / "config.json").string(), config.dump(2) + "\n");
  write_json(fs::path(dir) / "tokenizer.json", tokenizer);
}

}  // namespace dep
