// The training loop. Loss normalisation follows the reference (DEP.md §9): the cross-entropy is a
// token mean over the whole accumulation window (HF's num_items_in_batch) and the SAE term of each
// micro-batch is added in full (`sum`) or divided by the window's micro-batches (`mean`).
#include "dep/train/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>
#include <algorithm>

#include "dep/train/adamw.h"
#include "dep/core/error.h"
#include "dep/core/interrupt.h"
#include "dep/train/lr_schedule.h"
#include "dep/core/progress.h"
#include "dep/adapter/dep_adapter.h"
#include "dep/decoder/causal_lm.h"
#include "resource_usage.h"
#include "metrics_log.h"
#include "dep/core/log.h"

namespace dep {

namespace fs = std::filesystem;


PersonalizationModel build_dep_model(const TrainConfig& config, std::shared_ptr<CausalLM> llm, int64_t tokenizer_size,
                                     std::shared_ptr<BpeTokenizer> tokenizer) {
  if (config.model.resize_to_tokenizer && tokenizer_size > 0 && tokenizer_size != llm->vocab_size()) {
    // The default seed, as dep-generate uses: rows added by mean resizing are the same there.
    log::info("resizing the token embeddings from " + std::to_string(llm->vocab_size()) + " to " +
             std::to_string(tokenizer_size) + " rows (len(tokenizer))");
    llm->resize_token_embeddings(tokenizer_size);
  }
  llm->set_gradient_checkpointing(config.model.gradient_checkpointing);
  torch::manual_seed(static_cast<uint64_t>(config.train.seed));
  auto adapter = make_adapter(DepAdapter::kMethod, config_to_json(config.adapter), llm->hidden_size());
  adapter->to(llm->device(), torch::kFloat32);
  return PersonalizationModel(std::move(llm), std::move(adapter), std::move(tokenizer), config.loss);
}

PersonalizationModel build_dep_model(const TrainConfig& config, int64_t tokenizer_size,
                                     std::shared_ptr<BpeTokenizer> tokenizer) {
  if (config.model.dir.empty()) fail("model.dir", "no model directory configured");
  if (config.model.threads > 0 || config.model.device == "cpu") set_torch_threads(static_cast<int>(config.model.threads));
  auto device = parse_device(config.model.device, "model.device");
  auto dtype = parse_compute_dtype(config.model.dtype, "model.dtype");
  std::shared_ptr<CausalLM> llm = load_causal_lm(config.model.dir, dtype, device);
  return build_dep_model(config, std::move(llm), tokenizer_size, std::move(tokenizer));
}

std::vector<int64_t> epoch_order(int64_t n, int64_t seed, int64_t epoch, bool shuffle) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (!shuffle) return order;
  // mt19937_64's output sequence is fixed by the standard (unlike std::shuffle's use of it).
  std::mt19937_64 rng(static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch) + 1);
  for (int64_t i = n - 1; i > 0; --i) {
    const uint64_t j = rng() % static_cast<uint64_t>(i + 1);
    std::swap(order[i], order[j]);
  }
  return order;
}

namespace {

std::vector<const DepSample*> micro_batch(const std::vector<DepSample>& samples, const std::vector<int64_t>& order,
                                          int64_t index, int64_t batch_size) {
  std::vector<const DepSample*> out;
  const int64_t n = static_cast<int64_t>(order.size());
  for (int64_t i = index * batch_size; i < std::min(n, (index + 1) * batch_size); ++i) out.push_back(&samples[order[i]]);
  return out;
}

uint64_t fingerprint(const std::vector<DepSample>& samples) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a over ids and lengths
  auto mix = [&](uint64_t v) {
    for (int b = 0; b < 8; ++b) {
      h ^= (v >> (8 * b)) & 0xff;
      h *= 1099511628211ULL;
    }
  };
  for (const auto& s : samples) {
    for (char c : s.sample_id) mix(static_cast<unsigned char>(c));
    mix(s.input_ids.size());
  }
  return h;
}

int64_t real_tokens(const std::vector<const DepSample*>& batch) {
  int64_t n = 0;
  for (const auto* s : batch) n += static_cast<int64_t>(s->input_ids.size());
  return n;
}

// Running sums of one accumulation window, for logs.
struct WindowStats {
  double gen = 0, recon = 0, sparse = 0, sae_term = 0;
  int64_t micro = 0, tokens = 0, samples = 0;
};

}  // namespace

double validation_loss(PersonalizationModel& model, const std::vector<DepSample>& samples, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  const auto device = model.llm().device();
  double sum = 0;
  int64_t tokens = 0;
  std::vector<int64_t> order = epoch_order(static_cast<int64_t>(samples.size()), 0, 0, false);
  const int64_t batches = (static_cast<int64_t>(samples.size()) + batch_size - 1) / batch_size;
  for (int64_t b = 0; b < batches; ++b) {
    auto batch = collate_samples(micro_batch(samples, order, b, batch_size), "validation").to(device);
    auto terms = model.loss(batch, 1.0, 1.0);
    sum += terms.gen_sum.item<double>();
    tokens += terms.gen_tokens;
  }
  return tokens > 0 ? sum / static_cast<double>(tokens) : 0.0;
}

Trainer::Trainer(TrainConfig config, PersonalizationModel& model, const std::vector<DepSample>& train,
                 const std::vector<DepSample>& val, TrainHooks hooks)
    : config_(std::move(config)), model_(model), train_(train), val_(val), hooks_(std::move(hooks)) {}

TrainSummary Trainer::run(bool resume) {
  const auto& cfg = config_;
  if (train_.empty()) fail("data", "no training samples");
  if (cfg.validation.enabled && cfg.validation.select_by == "meteor" && !hooks_.generation_metric) {
    fail("validation.select_by", "'meteor' needs the generation metric, which this build does not provide; use 'loss'");
  }
  const std::string run_dir = cfg.checkpoint.dir;
  fs::create_directories(run_dir);
  const auto config_json = config_to_json(cfg);
  const torch::Device device = model_.llm().device();
  Adapter& adapter = *model_.adapter();

  AdamW optimizer(AdamWOptions{cfg.optim.beta1, cfg.optim.beta2, cfg.optim.eps});
  std::vector<torch::Tensor> trainable;
  for (auto& item : adapter.named_parameters()) {
    optimizer.add_param(item.key(), item.value(), decays(item.key()) ? cfg.optim.weight_decay : 0.0);
    trainable.push_back(item.value());
  }

  const int64_t n = static_cast<int64_t>(train_.size());
  const int64_t micro_per_epoch = (n + cfg.train.batch_size - 1) / cfg.train.batch_size;
  const int64_t windows_per_epoch = updates_per_epoch(micro_per_epoch, cfg.train.grad_accumulation);
  const int64_t total_steps = cfg.train.max_steps > 0 ? cfg.train.max_steps : windows_per_epoch * cfg.train.epochs;
  const LinearSchedule schedule(total_steps, warmup_steps_for(total_steps, cfg.schedule.warmup_ratio, cfg.schedule.warmup_steps));

  TrainState state;
  state.data_fingerprint = fingerprint(train_);
  state.train_samples = n;
  const std::string latest = latest_checkpoint(run_dir);
  if (!latest.empty() && !resume) {
    fail(run_dir, "already holds checkpoints (latest: " + fs::path(latest).filename().string() +
                      "); pass --resume to continue it or choose another checkpoint.dir");
  }
  if (!latest.empty()) {
    auto loaded = read_checkpoint(latest);
    if (loaded.state.data_fingerprint != state.data_fingerprint || loaded.state.train_samples != n) {
      fail(latest, "was trained on different train samples (" + std::to_string(loaded.state.train_samples) +
                       " then, " + std::to_string(n) + " now); the data cursor would not mean the same");
    }
    for (const char* section : {"adapter", "train"}) {
      if (loaded.config.at(section).dump() != nlohmann::json(config_json.at(section)).dump()) {
        fail(latest, std::string("its '") + section + "' config differs from this run's: " + loaded.config.at(section).dump() +
                         " vs " + nlohmann::json(config_json.at(section)).dump());
      }
    }
    load_adapter_weights((fs::path(latest) / CheckpointFiles::kAdapter).string(), adapter);
    optimizer.load_state(loaded.optimizer, (fs::path(latest) / CheckpointFiles::kOptimizer).string());
    restore_rng_states(loaded.rng, (fs::path(latest) / CheckpointFiles::kRng).string());
    state = loaded.state;
    log::info(log::format("resuming from %s: epoch %lld, update %lld of %lld", latest.c_str(), (long long)state.epoch + 1,
                    (long long)state.global_step, (long long)total_steps));
  } else if (resume) {
    log::info("no checkpoint in " + run_dir + ": starting a fresh run");
  }
  write_effective_config((fs::path(run_dir) / "config.json").string(), config_json);
  MetricsLog metrics((fs::path(run_dir) / "metrics.jsonl").string());

  log::info(log::format("training: %lld samples, %lld updates/epoch, %lld updates in all (warmup %lld), %lld trainable parameters",
                  (long long)n, (long long)windows_per_epoch, (long long)total_steps, (long long)schedule.warmup_steps(),
                  (long long)adapter.trainable_parameter_count()));

  std::string last_saved;
  int64_t last_saved_step = -1;
  auto save = [&](const std::string& why) {
    const std::string name = "checkpoint-" + std::to_string(state.global_step);
    CheckpointContents c;
    c.state = state;
    c.adapter = adapter_tensors(adapter);
    c.adapter_metadata = adapter_metadata(adapter);
    c.optimizer = optimizer.state();
    c.rng = capture_rng_states();
    c.config = config_json;
    write_checkpoint(run_dir, name, c);
    last_saved = (fs::path(run_dir) / name).string();
    last_saved_step = state.global_step;
    log::info("saved " + last_saved + " (" + why + ")");
    metrics.write({{"event", "checkpoint"}, {"step", state.global_step}, {"epoch", state.epoch}, {"path", last_saved},
                   {"reason", why}});
  };
  auto prune = [&]() {
    if (cfg.checkpoint.keep_last <= 0) return;
    std::vector<std::pair<int64_t, fs::path>> steps;
    std::set<std::string> keep = {fs::path(last_saved).filename().string(), state.best_checkpoint};
    for (const auto& v : state.validations) keep.insert(v.checkpoint);  // epoch ends
    for (const auto& entry : fs::directory_iterator(run_dir)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("checkpoint-", 0) != 0 || keep.count(name)) continue;
      steps.emplace_back(std::stoll(name.substr(11)), entry.path());
    }
    std::sort(steps.begin(), steps.end());
    const int64_t excess = static_cast<int64_t>(steps.size()) - (cfg.checkpoint.keep_last - 1);
    for (int64_t i = 0; i < excess; ++i) fs::remove_all(steps[i].second);
  };
  auto stop_interrupted = [&](const std::string& where) {
    for (auto& p : trainable) p.mutable_grad().reset();
    if (last_saved_step != state.global_step) save("interrupted");
    throw Error(ErrorKind::kInterrupted, "dep-train",
                "interrupted " + where + "; state saved to " + last_saved + " (rerun with --resume to continue)");
  };

  const auto run_start = std::chrono::steady_clock::now();
  const double elapsed_before = state.elapsed_seconds;
  auto elapsed = [&] {
    return elapsed_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  };
  Progress progress("train", total_steps, "updates", 30.0);
  progress.resume_from(state.global_step);
  auto log_start = std::chrono::steady_clock::now();
  int64_t log_tokens = 0;
  WindowStats logged;  // sums over the updates since the last log line
  int64_t logged_updates = 0;

  const double sae_sum = cfg.loss.sae_term_over_window == "sum" ? 1.0 : 0.0;
  bool done = state.global_step >= total_steps;
  while (!done && state.epoch < cfg.train.epochs) {
    const auto order = epoch_order(n, cfg.train.seed, state.epoch, cfg.train.shuffle);
    for (; state.window < windows_per_epoch && !done; ++state.window) {
      const int64_t first = state.window * cfg.train.grad_accumulation;
      const int64_t last = std::min(micro_per_epoch, first + cfg.train.grad_accumulation);
      int64_t window_tokens = 0;  // label tokens of the window: the CE denominator (num_items_in_batch)
      for (int64_t m = first; m < last; ++m) {
        for (const auto* s : micro_batch(train_, order, m, cfg.train.batch_size)) window_tokens += sample_label_tokens(*s);
      }
      const double sae_scale = sae_sum > 0 ? 1.0 : 1.0 / static_cast<double>(last - first);
      WindowStats win;
      for (int64_t m = first; m < last; ++m) {
        auto samples = micro_batch(train_, order, m, cfg.train.batch_size);
        auto batch = collate_samples(samples, "train").to(device);
        auto terms = model_.loss(batch, static_cast<double>(std::max<int64_t>(window_tokens, 1)), sae_scale);
        const double total = terms.total.item<double>();
        if (!std::isfinite(total)) {
          fail_internal("dep-train", "non-finite loss " + std::to_string(total) + " (gen " + std::to_string(terms.gen.item<double>()) +
                                         ") at epoch " + std::to_string(state.epoch + 1) + ", update " +
                                         std::to_string(state.global_step + 1) + ", sample " + samples.front()->sample_id +
                                         "; stopped without saving. Last good checkpoint: " +
                                         (last_saved.empty() ? latest_checkpoint(run_dir) : last_saved));
        }
        terms.total.backward();
        win.gen += terms.gen.item<double>();
        if (terms.recon.defined()) win.recon += terms.recon.item<double>();
        if (terms.sparse.defined()) win.sparse += terms.sparse.item<double>();
        win.sae_term += terms.sae_term.item<double>();
        win.micro += 1;
        win.tokens += real_tokens(samples);
        win.samples += static_cast<int64_t>(samples.size());
        if (interrupt_requested()) {
          stop_interrupted("in epoch " + std::to_string(state.epoch + 1) + " before update " + std::to_string(state.global_step + 1));
        }
      }
      const double grad_norm = clip_grad_norm(trainable, cfg.optim.max_grad_norm);
      if (!std::isfinite(grad_norm)) {
        fail_internal("dep-train", "non-finite gradient norm at update " + std::to_string(state.global_step + 1) +
                                       "; stopped without saving. Last good checkpoint: " +
                                       (last_saved.empty() ? latest_checkpoint(run_dir) : last_saved));
      }
      const double lr = cfg.optim.lr * schedule.factor(state.global_step);
      optimizer.step(lr);
      optimizer.zero_grad();
      state.global_step += 1;
      state.samples_seen += win.samples;
      state.tokens_seen += win.tokens;
      state.elapsed_seconds = elapsed();
      logged.gen += win.gen;
      logged.recon += win.recon / win.micro;
      logged.sparse += win.sparse / win.micro;
      logged.sae_term += win.sae_term;
      logged_updates += 1;
      log_tokens += win.tokens;
      progress.advance(1, "loss " + std::to_string(win.gen + win.sae_term).substr(0, 7));
      if (state.global_step % cfg.log.every_steps == 0 || state.global_step == total_steps) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - log_start).count();
        const double k = static_cast<double>(logged_updates);
        const double tokens_per_s = seconds > 0 ? static_cast<double>(log_tokens) / seconds : 0.0;
        const double eta = progress.rate() > 0 ? static_cast<double>(total_steps - state.global_step) / progress.rate() : 0.0;
        const ResourceUsage usage = resource_usage(device);
        log::info(log::format("update %lld/%lld epoch %lld loss %.4f (gen %.4f recon %.5f sparse %.4f) lr %.3e grad_norm %.3f "
                        "%.0f tok/s ETA %s rss %.0f MB%s",
                        (long long)state.global_step, (long long)total_steps, (long long)state.epoch + 1,
                        (logged.gen + logged.sae_term) / k, logged.gen / k, logged.recon / k, logged.sparse / k, lr, grad_norm,
                        tokens_per_s, format_duration(eta).c_str(), usage.rss_mb,
                        usage.gpu_peak_mb >= 0 ? log::format(" gpu peak %.0f MB", usage.gpu_peak_mb).c_str() : ""));
        nlohmann::json line = {{"event", "train"},     {"step", state.global_step},    {"epoch", state.epoch + 1},
                               {"loss", (logged.gen + logged.sae_term) / k},           {"loss_gen", logged.gen / k},
                               {"loss_recon", logged.recon / k},                       {"loss_sparse", logged.sparse / k},
                               {"lr", lr},                                             {"grad_norm", grad_norm},
                               {"tokens_per_s", tokens_per_s},                         {"elapsed_s", state.elapsed_seconds},
                               {"eta_s", eta},                                         {"rss_mb", usage.rss_mb}};
        if (usage.gpu_peak_mb >= 0) line["gpu_peak_mb"] = usage.gpu_peak_mb;
        metrics.write(line);
        logged = WindowStats{};
        logged_updates = 0;
        log_tokens = 0;
        log_start = std::chrono::steady_clock::now();
      }
      if (hooks_.after_update) hooks_.after_update(state);
      done = state.global_step >= total_steps;
      const bool epoch_end = state.window + 1 == windows_per_epoch;
      if (!epoch_end && cfg.checkpoint.every_steps > 0 && state.global_step % cfg.checkpoint.every_steps == 0) {
        ++state.window;  // the saved cursor points at the next window
        save("every " + std::to_string(cfg.checkpoint.every_steps) + " updates");
        --state.window;
        prune();
      }
      if (interrupt_requested() && !epoch_end && !done) {
        ++state.window;
        stop_interrupted("after update " + std::to_string(state.global_step));
      }
    }
    if (state.window < windows_per_epoch) break;  // max_steps reached inside the epoch
    // Epoch end: the cursor moves to the next epoch before validating and saving.
    state.epoch += 1;
    state.window = 0;
    const std::string name = "checkpoint-" + std::to_string(state.global_step);
    if (cfg.validation.enabled && !val_.empty()) {
      ValidationRecord record;
      record.epoch = state.epoch;
      record.global_step = state.global_step;
      record.loss = validation_loss(model_, val_, cfg.train.batch_size);
      record.metric = cfg.validation.select_by == "meteor" ? hooks_.generation_metric(model_) : record.loss;
      record.checkpoint = name;
      const bool higher_better = cfg.validation.select_by == "meteor";
      const bool best = state.best_checkpoint.empty() ||
                        (higher_better ? record.metric > state.best_metric : record.metric < state.best_metric);
      if (best) {
        state.best_checkpoint = name;
        state.best_metric = record.metric;
      }
      state.validations.push_back(record);
      log::info(log::format("epoch %lld validation: loss %.4f%s%s", (long long)state.epoch, record.loss,
                      higher_better ? log::format(", METEOR %.4f", record.metric).c_str() : "", best ? " (best so far)" : ""));
      nlohmann::json line = {{"event", "validation"}, {"epoch", state.epoch}, {"step", state.global_step},
                             {"val_loss", record.loss}, {"metric", record.metric}, {"select_by", cfg.validation.select_by},
                             {"best", best}};
      if (higher_better) line["meteor"] = record.metric;
      metrics.write(line);
    }
    save("end of epoch " + std::to_string(state.epoch));
    if (state.best_checkpoint == name) mark_best_checkpoint(run_dir, name);
    prune();
    if (interrupt_requested() && state.epoch < cfg.train.epochs && !done) stop_interrupted("at the end of an epoch");
  }
  if (last_saved_step != state.global_step) save("end of training");
  progress.finish();
  TrainSummary summary;
  summary.state = state;
  summary.run_dir = run_dir;
  summary.last_checkpoint = last_saved.empty() ? latest_checkpoint(run_dir) : last_saved;
  if (!state.best_checkpoint.empty()) summary.best_checkpoint = (fs::path(run_dir) / state.best_checkpoint).string();
  return summary;
}

}  // namespace dep
