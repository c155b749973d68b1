// The training loop. Loss normalisation follows the reference (docs/reference-behaviour.md §9): the cross-entropy is a
// token mean over the whole accumulation window (HF's num_items_in_batch) and the SAE term of each
// micro-batch is added in full (`sum`) or divided by the window's micro-batches (`mean`).
// Trainer::run is the loop; Trainer::Run holds its parts and the steps it is made of.
#include "dep/train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

#include "dep/core/error.h"
#include "dep/core/interrupt.h"
#include "dep/core/log.h"
#include "dep/train/adamw.h"
#include "dep/train/checkpointer.h"
#include "dep/train/lr_schedule.h"
#include "dep/train/model_under_training.h"
#include "dep/train/reporter.h"

namespace dep {

namespace fs = std::filesystem;

namespace {

// TrainHooks::generation_metric as a Validator.
class MetricFunctionValidator final : public Validator {
 public:
  MetricFunctionValidator(std::string name, std::function<double(PersonalizationModel&)> metric)
      : name_(std::move(name)), metric_(std::move(metric)) {}
  std::string name() const override { return name_; }
  bool higher_is_better() const override { return true; }
  double evaluate(PersonalizationModel& model) override { return metric_(model); }

 private:
  std::string name_;
  std::function<double(PersonalizationModel&)> metric_;
};

int64_t real_tokens(const std::vector<const DepSample*>& batch) {
  int64_t n = 0;
  for (const auto* s : batch) n += static_cast<int64_t>(s->input_ids.size());
  return n;
}

}  // namespace

class Trainer::Run {
 public:
  Run(const TrainConfig& config, PersonalizationModel& model, const std::vector<DepSample>& train, const std::vector<DepSample>& val,
      const TrainHooks& hooks)
      : cfg_(config),
        hooks_(hooks),
        model_(model),
        val_(val),
        sync_(hooks.sync ? hooks.sync : std::make_shared<SingleProcess>()),
        sampler_(train, config.train, sync_->rank(), sync_->world_size()),
        optimizer_(AdamWOptions{config.optim.beta1, config.optim.beta2, config.optim.eps}),
        schedule_(total_steps(config, sampler_.windows_per_epoch()),
                  warmup_steps_for(total_steps(config, sampler_.windows_per_epoch()), config.schedule.warmup_ratio,
                                   config.schedule.warmup_steps)),
        loss_validator_(val, config.train.batch_size),
        checkpointer_(config, sync_->is_main()),
        sae_sum_(config.loss.sae_term_over_window == WindowReduction::kSum) {}

  // Setup: checks, the optimizer's parameters, the resume, config.json and the start-up log.
  // Returns whether the run has already finished (a --resume of a finished run), in which case
  // nothing was written.
  bool setup(bool resume, const std::vector<DepSample>& train) {
    if (train.empty()) fail("data", "no training samples");
    selection_ = selection_validator();
    fs::create_directories(checkpointer_.run_dir());
    for (const auto& [name, parameter] : model_.trainable_parameters()) {
      optimizer_.add_param(name, parameter, decays(name) ? cfg_.optim.weight_decay : 0.0);
      trainable_.push_back(parameter);
    }
    state_.data_fingerprint = train_data_fingerprint(train);
    state_.train_samples = sampler_.samples();
    const bool resumed = checkpointer_.restore(resume, state_, model_, optimizer_, schedule_.total_steps());
    // Several ranks: the same data, resumed at the same update (a run directory every rank sees).
    sync_->agree("the train data fingerprint", static_cast<int64_t>(state_.data_fingerprint >> 1), false);
    sync_->agree("the update to resume at", state_.global_step, false);
    if (resumed && finished()) {
      log::info(log::format("%s has finished (update %lld of %lld): nothing to do", checkpointer_.run_dir().c_str(),
                            (long long)state_.global_step, (long long)schedule_.total_steps()));
      return true;
    }
    checkpointer_.write_config();
    reporter_ = std::make_unique<Reporter>(cfg_, checkpointer_.run_dir(), schedule_.total_steps(), state_.global_step,
                                           state_.elapsed_seconds, model_.device(), sync_->is_main());
    reporter_->start(sampler_.samples(), sampler_.windows_per_epoch(), schedule_.warmup_steps(),
                     model_.trainable_parameter_count());
    return false;
  }

  // Epoch: the next epoch's order, unless training is over.
  bool next_epoch() {
    if (done() || state_.epoch >= cfg_.train.epochs) return false;
    sampler_.start_epoch(state_.epoch);
    return true;
  }

  bool next_window() const { return state_.window < sampler_.windows_per_epoch() && !done(); }
  // False when max_steps ended training inside the epoch.
  bool epoch_completed() const { return state_.window >= sampler_.windows_per_epoch(); }

  // Window: forward and backward over this rank's micro-batches of the window.
  void accumulate() {
    const Window window = sampler_.window(state_.window);
    const double ce_denominator = static_cast<double>(std::max<int64_t>(window.global_label_tokens, 1));
    const double sae_scale = sae_sum_ ? 1.0 : 1.0 / static_cast<double>(window.global_micro_batches);
    window_ = WindowStats{};
    for (const auto& samples : window.micro_batches) {
      auto terms = model_.loss(collate_samples(samples, "train"), ce_denominator, sae_scale);
      const double total = terms.total.item<double>();
      if (!std::isfinite(total)) {
        fail_internal("dep-train", "non-finite loss " + std::to_string(total) + " (gen " +
                                       std::to_string(terms.gen.item<double>()) + ") at epoch " +
                                       std::to_string(state_.epoch + 1) + ", update " + std::to_string(state_.global_step + 1) +
                                       ", sample " + samples.front()->sample_id +
                                       "; stopped without saving. Last good checkpoint: " + checkpointer_.last_good());
      }
      terms.total.backward();
      window_.gen += terms.gen.item<double>();
      if (terms.recon.defined()) window_.recon += terms.recon.item<double>();
      if (terms.sparse.defined()) window_.sparse += terms.sparse.item<double>();
      window_.sae_term += terms.sae_term.item<double>();
      window_.micro += 1;
      window_.tokens += real_tokens(samples);
      window_.samples += static_cast<int64_t>(samples.size());
      // Several ranks stop together after the window's update (update() sums the requests).
      if (interrupt_requested() && sync_->world_size() == 1) {
        stop_interrupted(state_, "in epoch " + std::to_string(state_.epoch + 1) + " before update " +
                                     std::to_string(state_.global_step + 1));
      }
    }
  }

  // Update: gradients combined over ranks, clipped, one AdamW step at the scheduled rate.
  void update() {
    sync_->all_reduce_gradients(trainable_);
    sum_window_over_ranks();
    const double grad_norm = clip_grad_norm(trainable_, cfg_.optim.max_grad_norm);
    if (!std::isfinite(grad_norm)) {
      fail_internal("dep-train", "non-finite gradient norm at update " + std::to_string(state_.global_step + 1) +
                                     "; stopped without saving. Last good checkpoint: " + checkpointer_.last_good());
    }
    const double lr = cfg_.optim.lr * schedule_.factor(state_.global_step);
    optimizer_.step(lr);
    optimizer_.zero_grad();
    state_.global_step += 1;
    state_.samples_seen += window_.samples;
    state_.tokens_seen += window_.tokens;
    state_.elapsed_seconds = reporter_->elapsed_seconds();
    reporter_->update(state_, window_, lr, grad_norm);
    if (hooks_.after_update) hooks_.after_update(state_);
  }

  // After an update inside an epoch: the step checkpoint, a requested stop; the cursor moves on.
  void end_window() {
    const bool epoch_end = state_.window + 1 == sampler_.windows_per_epoch();
    TrainState next = state_;  // the saved cursor points at the next window
    next.window += 1;
    if (!epoch_end && cfg_.checkpoint.every_steps > 0 && state_.global_step % cfg_.checkpoint.every_steps == 0) {
      save(next, "every " + std::to_string(cfg_.checkpoint.every_steps) + " updates");
      checkpointer_.prune(state_);
    }
    if (stop_requested() && !epoch_end && !done()) stop_interrupted(next, "after update " + std::to_string(state_.global_step));
    state_.window += 1;
  }

  // Epoch end: the cursor moves to the next epoch, then validate, save, prune.
  void end_epoch() {
    state_.epoch += 1;
    state_.window = 0;
    const std::string name = "checkpoint-" + std::to_string(state_.global_step);
    if (cfg_.validation.enabled && !val_.empty() && sync_->is_main()) validate(name);
    save(state_, "end of epoch " + std::to_string(state_.epoch));
    if (state_.best_checkpoint == name) checkpointer_.mark_best(name);
    checkpointer_.prune(state_);
    // The other ranks wait here for the main rank's validation and checkpoint.
    sync_->agree("the end of epoch " + std::to_string(state_.epoch), state_.global_step, true);
    if (stop_requested() && state_.epoch < cfg_.train.epochs && !done()) stop_interrupted(state_, "at the end of an epoch");
  }

  TrainSummary finish() {
    if (!checkpointer_.holds(state_.global_step)) save(state_, "end of training");
    reporter_->finish();
    return summary();
  }

  TrainSummary summary() const {
    TrainSummary out;
    out.state = state_;
    out.run_dir = checkpointer_.run_dir();
    out.last_checkpoint = checkpointer_.last_good();
    if (!state_.best_checkpoint.empty()) out.best_checkpoint = (fs::path(out.run_dir) / state_.best_checkpoint).string();
    return out;
  }

 private:
  static int64_t total_steps(const TrainConfig& config, int64_t windows_per_epoch) {
    return config.train.max_steps > 0 ? config.train.max_steps : windows_per_epoch * config.train.epochs;
  }
  bool done() const { return state_.global_step >= schedule_.total_steps(); }

  // The window's logged terms and counts, summed over the ranks (the main rank logs and saves the
  // window's totals), and whether any rank was asked to stop.
  void sum_window_over_ranks() {
    if (sync_->world_size() == 1) return;
    std::vector<double> sums = {window_.gen,
                                window_.recon,
                                window_.sparse,
                                window_.sae_term,
                                static_cast<double>(window_.micro),
                                static_cast<double>(window_.tokens),
                                static_cast<double>(window_.samples),
                                interrupt_requested() ? 1.0 : 0.0};
    sync_->sum_over_ranks(sums);
    window_.gen = sums[0];
    window_.recon = sums[1];
    window_.sparse = sums[2];
    window_.sae_term = sums[3];
    window_.micro = static_cast<int64_t>(sums[4]);
    window_.tokens = static_cast<int64_t>(sums[5]);
    window_.samples = static_cast<int64_t>(sums[6]);
    stop_agreed_ = sums[7] > 0;
  }
  // SIGINT/SIGTERM: this process's request alone, or with several ranks any rank's as of the last update.
  bool stop_requested() const { return sync_->world_size() == 1 ? interrupt_requested() : stop_agreed_; }
  bool finished() const { return done() || state_.epoch >= cfg_.train.epochs; }

  // The validator of validation.select_by: the loss one, or the caller's.
  Validator* selection_validator() {
    const std::string select_by = enum_name(select_by_names(), cfg_.validation.select_by);
    if (!cfg_.validation.enabled || cfg_.validation.select_by == SelectBy::kLoss) return &loss_validator_;
    if (hooks_.selection) {
      custom_selection_ = hooks_.selection;
    } else if (hooks_.generation_metric) {
      custom_selection_ = std::make_shared<MetricFunctionValidator>(select_by, hooks_.generation_metric);
    } else {
      fail("validation.select_by",
           "'" + select_by + "' needs the generation metric, which this build does not provide; use 'loss'");
    }
    return custom_selection_.get();
  }

  // Validate: the validation loss, the selection metric, the best checkpoint so far.
  void validate(const std::string& checkpoint_name) {
    ValidationRecord record;
    record.epoch = state_.epoch;
    record.global_step = state_.global_step;
    record.checkpoint = checkpoint_name;
    record.loss = loss_validator_.evaluate(model_.model());
    record.metric = selection_ == &loss_validator_ ? record.loss : selection_->evaluate(model_.model());
    const bool best = state_.best_checkpoint.empty() || (selection_->higher_is_better() ? record.metric > state_.best_metric
                                                                                       : record.metric < state_.best_metric);
    if (best) {
      state_.best_checkpoint = checkpoint_name;
      state_.best_metric = record.metric;
    }
    state_.validations.push_back(record);
    reporter_->validation(record, selection_->name(), best);
  }

  // Save: a checkpoint of `state` (the cursor it should resume at).
  void save(const TrainState& state, const std::string& why) {
    reporter_->checkpoint(state, checkpointer_.save(state, model_, optimizer_), why);
  }

  // SIGINT/SIGTERM: drop the window's partial gradients, save `state` unless its update is saved.
  [[noreturn]] void stop_interrupted(const TrainState& state, const std::string& where) {
    for (auto& p : trainable_) p.mutable_grad().reset();
    if (!checkpointer_.holds(state.global_step)) save(state, "interrupted");
    throw Error(ErrorKind::kInterrupted, "dep-train",
                "interrupted " + where + "; state saved to " + checkpointer_.last_good() +
                    " (rerun with --resume to continue)");
  }

  const TrainConfig& cfg_;
  const TrainHooks& hooks_;
  ModelUnderTraining model_;
  const std::vector<DepSample>& val_;
  std::shared_ptr<GradientSync> sync_;
  WindowSampler sampler_;
  AdamW optimizer_;
  std::vector<torch::Tensor> trainable_;
  LinearSchedule schedule_;
  LossValidator loss_validator_;
  std::shared_ptr<Validator> custom_selection_;  // select_by other than the loss
  Validator* selection_ = nullptr;
  Checkpointer checkpointer_;
  std::unique_ptr<Reporter> reporter_;
  const bool sae_sum_;
  TrainState state_;
  WindowStats window_;
  bool stop_agreed_ = false;
};

Trainer::Trainer(TrainConfig config, PersonalizationModel& model, const std::vector<DepSample>& train,
                 const std::vector<DepSample>& val, TrainHooks hooks)
    : config_(std::move(config)), model_(model), train_(train), val_(val), hooks_(std::move(hooks)) {}

TrainSummary Trainer::run(bool resume) {
  Run run(config_, model_, train_, val_, hooks_);
  if (run.setup(resume, train_)) return run.summary();  // a finished run: nothing to do, nothing written
  while (run.next_epoch()) {
    while (run.next_window()) {
      run.accumulate();
      run.update();
      run.end_window();
    }
    if (!run.epoch_completed()) break;  // max_steps reached inside the epoch
    run.end_epoch();
  }
  return run.finish();
}

}  // namespace dep
