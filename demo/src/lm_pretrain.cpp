// Full-parameter LM pretraining of a tiny Qwen2 decoder (see lm_pretrain.h).
#include "dep/demo/lm_pretrain.h"
#include "dep/train/adamw.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>

#include "dep/core/atomic_file.h"
#include "dep/text/bpe_tokenizer.h"
#include "dep/core/config.h"
#include "dep/data/dep_sample.h"
#include "dep/data/dep_tokens.h"
#include "dep/core/error.h"
#include "dep/core/progress.h"
#include "dep/decoder/qwen2.h"
#include "dep/core/safetensors.h"
#include "dep/torch/tensor_io.h"
#include "dep/demo/tiny_models.h"

namespace dep {
namespace {

namespace fs = std::filesystem;

struct Encoded {
  std::vector<int64_t> rows;    // embedding-table row of each input token
  std::vector<int64_t> labels;  // table row of the next-token target, -1 where not trained
  std::vector<int64_t> soft_positions;  // positions of [HIS_TOKEN_i] that read an embedding
  std::vector<uint8_t> soft_his;        // per soft position: 1 = his map, 0 = diff map
  std::vector<float> soft_values;       // their embeddings, [soft_positions, dim] row-major
  std::string format;                   // the prompt format (per-format losses in the log)
};

// HF-named tensors of the trained model: fused q/k/v and gate/up split back apart.
NamedTensors hf_tensors(const Qwen2Model& model, const torch::Tensor& embed, const torch::Tensor& final_norm) {
  const auto& c = model.config();
  const int64_t q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim;
  const int64_t inter = c.intermediate_size;
  NamedTensors out;
  out.emplace_back("model.embed_tokens.weight", embed);
  for (size_t l = 0; l < model.layers().size(); ++l) {
    const auto& w = model.layers()[l];
    const std::string p = "model.layers." + std::to_string(l) + ".";
    out.emplace_back(p + "input_layernorm.weight", w.input_norm.detach());
    out.emplace_back(p + "self_attn.q_proj.weight", w.qkv_weight.detach().narrow(0, 0, q));
    out.emplace_back(p + "self_attn.k_proj.weight", w.qkv_weight.detach().narrow(0, q, kv));
    out.emplace_back(p + "self_attn.v_proj.weight", w.qkv_weight.detach().narrow(0, q + kv, kv));
    out.emplace_back(p + "self_attn.q_proj.bias", w.qkv_bias.detach().narrow(0, 0, q));
    out.emplace_back(p + "self_attn.k_proj.bias", w.qkv_bias.detach().narrow(0, q, kv));
    out.emplace_back(p + "self_attn.v_proj.bias", w.qkv_bias.detach().narrow(0, q + kv, kv));
    out.emplace_back(p + "self_attn.o_proj.weight", w.o_proj.detach());
    out.emplace_back(p + "post_attention_layernorm.weight", w.post_norm.detach());
    out.emplace_back(p + "mlp.gate_proj.weight", w.gate_up.detach().narrow(0, 0, inter));
    out.emplace_back(p + "mlp.up_proj.weight", w.gate_up.detach().narrow(0, inter, inter));
    out.emplace_back(p + "mlp.down_proj.weight", w.down_proj.detach());
  }
  out.emplace_back("model.norm.weight", final_norm);
  return out;
}

}  // namespace

PretrainReport pretrain_decoder(const std::string& model_dir, const std::vector<LmExample>& examples,
                                const PretrainOptions& options, const std::string& out_dir) {
  const auto start = std::chrono::steady_clock::now();
  torch::manual_seed(options.seed);
  const auto tokenizer_json = read_json_file((fs::path(model_dir) / "tokenizer.json").string());
  const BpeTokenizer tokenizer = BpeTokenizer::from_json(tokenizer_json, model_dir + "/tokenizer.json");
  const DepTokens tokens = DepTokens::of(tokenizer, model_dir + "/tokenizer.json");
  Qwen2Model model = Qwen2Model::load(model_dir);
  if (!model.tied_lm_head()) fail(model_dir, "pretraining expects tied embeddings (tie_word_embeddings)");
  const int64_t vocab = model.config().vocab_size;

  // Trained rows, and where every id lives in the table [active rows; one zero row].
  const auto active = tiny_decoder_active_ids(tokenizer_json);
  const auto A = static_cast<int64_t>(active.size());
  std::vector<int64_t> row_of(static_cast<size_t>(vocab), A);
  for (int64_t i = 0; i < A; ++i) row_of[static_cast<size_t>(active[static_cast<size_t>(i)])] = i;
  torch::Tensor rows = model.embedding_weight().index_select(0, torch::tensor(active, torch::kLong)).clone();
  rows.set_requires_grad(true);
  const double log_inactive = std::log(static_cast<double>(vocab - A));

  std::vector<torch::Tensor> matrices{rows}, vectors;
  for (const auto& w : model.layers()) {
    for (const auto* t : {&w.qkv_weight, &w.o_proj, &w.gate_up, &w.down_proj}) matrices.push_back(*t);
    for (const auto* t : {&w.input_norm, &w.qkv_bias, &w.post_norm}) vectors.push_back(*t);
  }
  for (auto& t : matrices) t.set_requires_grad(true);
  for (auto& t : vectors) t.set_requires_grad(true);

  // Review (his) and difference (diff) embeddings reach the decoder through two trained linear
  // maps at their placeholders: the decoder learns that the writer can be read there, as DEP's soft
  // prompts are. The maps are not saved; dep-train later learns its own adapter against the frozen
  // decoder.
  int64_t soft_dim = 0;
  for (const auto& ex : examples)
    if (!ex.soft.empty()) soft_dim = static_cast<int64_t>(ex.soft.front().value.size());
  torch::Tensor his_map, diff_map;
  if (soft_dim > 0) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(soft_dim));
    his_map = torch::randn({soft_dim, model.config().hidden_size}) * scale;
    diff_map = torch::randn({soft_dim, model.config().hidden_size}) * scale;
    his_map.set_requires_grad(true);
    diff_map.set_requires_grad(true);
  }
  std::map<int64_t, bool> is_his;  // placeholder id -> reads through the his map (else the diff map)
  for (int64_t i = 0; i < DepTokens::kMaxSlots; ++i) {
    if (i < static_cast<int64_t>(tokens.his.size())) is_his[tokens.his[static_cast<size_t>(i)]] = true;
    if (i < static_cast<int64_t>(tokens.diff.size())) is_his[tokens.diff[static_cast<size_t>(i)]] = false;
  }

  PretrainReport report;
  std::vector<Encoded> data;
  for (const auto& ex : examples) {
    std::vector<int64_t> ids = tokenizer.encode(ex.prompt);
    const size_t prompt_len = ids.size();
    Encoded e;
    e.format = ex.format;
    for (const auto& soft : ex.soft) {
      if (static_cast<int64_t>(soft.value.size()) != soft_dim) fail("pretrain", "soft inputs of mixed widths");
      const int64_t id = tokenizer.token_to_id(soft.token);
      if (id < 0 || !is_his.count(id)) fail(model_dir, "the tokenizer has no placeholder " + soft.token);
      const auto at = std::find(ids.begin(), ids.end(), id);
      if (at == ids.end()) fail("pretrain", "prompt without " + soft.token + " for its embedding");
      e.soft_positions.push_back(at - ids.begin());
      e.soft_his.push_back(is_his.at(id));
      e.soft_values.insert(e.soft_values.end(), soft.value.begin(), soft.value.end());
    }
    tokenizer.encode_into(ex.target, ids);
    ids.push_back(tokens.im_end);
    if (static_cast<int64_t>(ids.size()) > options.max_tokens) {
      ++report.dropped;
      continue;
    }
    for (auto id : ids) {
      if (id < 0 || id >= vocab) fail("pretrain", "token id " + std::to_string(id) + " is outside the model vocab");
      e.rows.push_back(row_of[static_cast<size_t>(id)]);
    }
    e.labels.assign(ids.size(), -1);
    for (size_t p = prompt_len; p < ids.size(); ++p) {
      if (e.rows[p] == A) fail("pretrain", "target token " + std::to_string(ids[p]) + " has no trained row");
      e.labels[p - 1] = e.rows[p];
    }
    data.push_back(std::move(e));
  }
  report.examples = static_cast<int64_t>(data.size());
  if (data.empty()) fail("pretrain", "no examples");

  // Batches of similar length (little padding), visited in a seeded random order each epoch.
  std::vector<size_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return data[a].rows.size() < data[b].rows.size(); });
  // A batch holds at most batch_size examples and batch_tokens padded tokens (long prompts go in
  // small batches: attention memory grows with the square of the length).
  std::vector<std::vector<size_t>> batches;
  for (size_t i : order) {
    const auto len = static_cast<int64_t>(data[i].rows.size());
    if (batches.empty() || static_cast<int64_t>(batches.back().size()) >= options.batch_size ||
        len * static_cast<int64_t>(batches.back().size() + 1) > options.batch_tokens)
      batches.emplace_back();
    batches.back().push_back(i);
  }

  if (his_map.defined()) {
    matrices.push_back(his_map);
    matrices.push_back(diff_map);
  }
  // dep's AdamW (the trainer's; torch.optim.AdamW's update): weights decay, norms and biases do not.
  AdamW optimizer;
  for (size_t i = 0; i < matrices.size(); ++i) optimizer.add_param("matrix." + std::to_string(i), matrices[i], options.weight_decay);
  for (size_t i = 0; i < vectors.size(); ++i) optimizer.add_param("vector." + std::to_string(i), vectors[i], 0.0);
  int64_t total_steps = options.epochs * static_cast<int64_t>(batches.size());
  if (options.max_steps > 0) total_steps = std::min(total_steps, options.max_steps);
  const int64_t warmup = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(options.warmup_ratio * total_steps)));
  auto lr_at = [&](int64_t step) {
    if (step < warmup) return options.lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
    const double t = static_cast<double>(step - warmup) / static_cast<double>(std::max<int64_t>(1, total_steps - warmup));
    return options.lr * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * t)));
  };

  std::mt19937_64 rng(options.seed);
  const torch::Tensor zero_row = torch::zeros({1, model.config().hidden_size});
  Progress progress("pretrain", total_steps, "steps");
  for (int64_t epoch = 0; epoch < options.epochs && report.steps < total_steps; ++epoch) {
    std::vector<size_t> visit(batches.size());
    std::iota(visit.begin(), visit.end(), 0);
    std::shuffle(visit.begin(), visit.end(), rng);
    double loss_sum = 0;
    int64_t loss_count = 0;
    std::map<std::string, std::pair<double, double>> by_format;  // token CE sum and count per prompt format
    for (size_t b : visit) {
      if (report.steps >= total_steps) break;
      const auto& batch = batches[b];
      size_t T = 0;
      for (size_t i : batch) T = std::max(T, data[i].rows.size());
      const auto B = static_cast<int64_t>(batch.size());
      auto ids = torch::full({B, static_cast<int64_t>(T)}, A, torch::kLong);
      auto mask = torch::zeros({B, static_cast<int64_t>(T)}, torch::kLong);
      auto labels = torch::full({B, static_cast<int64_t>(T)}, -1, torch::kLong);
      std::vector<int64_t> soft_flat_positions;
      std::vector<uint8_t> soft_his;
      std::vector<float> soft_values;
      for (int64_t r = 0; r < B; ++r) {  // left padding
        const auto& e = data[batch[static_cast<size_t>(r)]];
        const auto n = static_cast<int64_t>(e.rows.size()), off = static_cast<int64_t>(T) - n;
        ids[r].narrow(0, off, n).copy_(torch::tensor(e.rows, torch::kLong));
        labels[r].narrow(0, off, n).copy_(torch::tensor(e.labels, torch::kLong));
        mask[r].narrow(0, off, n).fill_(1);
        for (auto p : e.soft_positions) soft_flat_positions.push_back(r * static_cast<int64_t>(T) + off + p);
        soft_his.insert(soft_his.end(), e.soft_his.begin(), e.soft_his.end());
        soft_values.insert(soft_values.end(), e.soft_values.begin(), e.soft_values.end());
        report.tokens += n;
      }
      const auto table = torch::cat({rows, zero_row});
      auto flat = table.index_select(0, ids.flatten());
      if (!soft_flat_positions.empty()) {
        const auto n_soft = static_cast<int64_t>(soft_flat_positions.size());
        const auto values = torch::from_blob(soft_values.data(), {n_soft, soft_dim}, torch::kFloat32);
        const auto his = torch::from_blob(soft_his.data(), {n_soft, 1}, torch::kUInt8).to(torch::kBool);
        const auto vectors = torch::where(his, torch::matmul(values, his_map), torch::matmul(values, diff_map));
        flat = flat.index_put({torch::tensor(soft_flat_positions, torch::kLong)}, vectors);
      }
      const auto embeds = flat.view({B, static_cast<int64_t>(T), -1});
      const auto hidden = model.hidden_states(embeds, mask);
      const auto keep = labels.flatten() >= 0;
      const auto h = hidden.reshape({B * static_cast<int64_t>(T), -1}).index({keep});
      const auto target = labels.flatten().index({keep});
      const auto logits = torch::matmul(h, rows.t());
      const auto lse = torch::logaddexp(torch::logsumexp(logits, 1), torch::full({1}, log_inactive));
      const auto token_loss = lse - logits.gather(1, target.unsqueeze(1)).squeeze(1);
      const auto loss = token_loss.mean();
      {
        // Per-format sums of this batch, for the log: does the decoder learn to read the soft vectors?
        torch::NoGradGuard no_grad;
        const auto row_of = torch::arange(B).unsqueeze(1).expand({B, static_cast<int64_t>(T)}).flatten().index({keep});
        const auto sums = torch::zeros({B}, torch::kDouble).index_add_(0, row_of, token_loss.detach().to(torch::kDouble));
        const auto counts = torch::zeros({B}, torch::kDouble).index_add_(0, row_of, torch::ones_like(row_of, torch::kDouble));
        for (int64_t r = 0; r < B; ++r) {
          auto& [sum, count] = by_format[data[batch[static_cast<size_t>(r)]].format];
          sum += sums[r].item<double>();
          count += counts[r].item<double>();
        }
      }
      const double lr = lr_at(report.steps);
      optimizer.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(matrices, options.clip);
      torch::nn::utils::clip_grad_norm_(vectors, options.clip);
      optimizer.step(lr);
      const double value = loss.item<double>();
      if (!std::isfinite(value)) fail("pretrain", "loss became " + std::to_string(value) + " at step " + std::to_string(report.steps));
      loss_sum += value;
      ++loss_count;
      ++report.steps;
      char extra[64];
      std::snprintf(extra, sizeof(extra), "epoch %lld loss %.3f", static_cast<long long>(epoch + 1), value);
      progress.advance(1, extra);
    }
    const double mean = loss_sum / static_cast<double>(std::max<int64_t>(1, loss_count));
    if (epoch == 0) report.first_loss = mean;
    report.last_loss = mean;
    // spdlog's fmt clashes with LibTorch's bundled fmt in torch translation units.
    std::string formats;
    for (const auto& [format, entry] : by_format) {
      char part[96];
      std::snprintf(part, sizeof(part), "%s%s %.4f", formats.empty() ? "" : ", ", format.c_str(),
                    entry.first / std::max(1.0, entry.second));
      formats += part;
    }
    std::fprintf(stderr, "pretrain epoch %lld: mean loss %.4f (token-mean by format: %s)\n",
                 static_cast<long long>(epoch + 1), mean, formats.c_str());
  }
  progress.finish();

  torch::NoGradGuard no_grad;
  auto embed = torch::zeros({vocab, model.config().hidden_size});
  embed.index_copy_(0, torch::tensor(active, torch::kLong), rows.detach());
  const auto checkpoint = SafetensorsCheckpoint::open(model_dir);
  const auto final_norm = load_tensor(checkpoint, "model.norm.weight", torch::kFloat32);
  fs::create_directories(out_dir);
  save_safetensors((fs::path(out_dir) / "model.safetensors").string(), hf_tensors(model, embed, final_norm),
                   {{"format", "pt"}});
  for (const char* name : {"config.json", "generation_config.json", "tokenizer.json"}) {
    const auto from = fs::path(model_dir) / name;
    if (fs::exists(from)) write_file_atomic((fs::path(out_dir) / name).string(), read_file(from.string()));
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace dep
