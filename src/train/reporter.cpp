// Log lines, metrics.jsonl events and progress of a training run (see reporter.h).
#include "dep/train/reporter.h"

#include <cctype>

#include "dep/core/log.h"
#include "metrics_log.h"
#include "resource_usage.h"

namespace dep {

namespace {
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

Reporter::Reporter(const TrainConfig& config, const std::string& run_dir, int64_t total_steps, int64_t done_steps,
                   double elapsed_before, torch::Device device, bool is_main)
    : metrics_path_(run_dir + "/metrics.jsonl"),
      log_every_(config.log.every_steps),
      total_steps_(total_steps),
      elapsed_before_(elapsed_before),
      device_(device),
      is_main_(is_main),
      progress_("train", total_steps, "updates", 30.0),
      run_start_(std::chrono::steady_clock::now()),
      log_start_(run_start_) {
  progress_.resume_from(done_steps);
}

Reporter::~Reporter() = default;

void Reporter::write(const nlohmann::json& line) {
  if (!is_main_) return;
  if (!metrics_) metrics_ = std::make_unique<MetricsLog>(metrics_path_);
  metrics_->write(line);
}

void Reporter::start(int64_t samples, int64_t updates_per_epoch, int64_t warmup_steps, int64_t trainable_parameters) const {
  if (!is_main_) return;
  log::info(log::format("training: %lld samples, %lld updates/epoch, %lld updates in all (warmup %lld), %lld trainable parameters",
                        (long long)samples, (long long)updates_per_epoch, (long long)total_steps_, (long long)warmup_steps,
                        (long long)trainable_parameters));
}

double Reporter::elapsed_seconds() const { return elapsed_before_ + seconds_since(run_start_); }

void Reporter::update(const TrainState& state, const WindowStats& window, double lr, double grad_norm) {
  logged_.gen += window.gen;
  if (window.micro > 0) {  // a rank's share of a window may be empty
    logged_.recon += window.recon / static_cast<double>(window.micro);
    logged_.sparse += window.sparse / static_cast<double>(window.micro);
  }
  logged_.sae_term += window.sae_term;
  logged_.tokens += window.tokens;
  logged_updates_ += 1;
  if (!is_main_) return;
  progress_.advance(1, "loss " + std::to_string(window.gen + window.sae_term).substr(0, 7));
  if (state.global_step % log_every_ != 0 && state.global_step != total_steps_) return;
  const double seconds = seconds_since(log_start_);
  const double k = static_cast<double>(logged_updates_);
  const double tokens_per_s = seconds > 0 ? static_cast<double>(logged_.tokens) / seconds : 0.0;
  const double eta = progress_.rate() > 0 ? static_cast<double>(total_steps_ - state.global_step) / progress_.rate() : 0.0;
  const ResourceUsage usage = resource_usage(device_);
  log::info(log::format("update %lld/%lld epoch %lld loss %.4f (gen %.4f recon %.5f sparse %.4f) lr %.3e grad_norm %.3f "
                        "%.0f tok/s ETA %s rss %.0f MB%s",
                        (long long)state.global_step, (long long)total_steps_, (long long)state.epoch + 1,
                        (logged_.gen + logged_.sae_term) / k, logged_.gen / k, logged_.recon / k, logged_.sparse / k, lr,
                        grad_norm, tokens_per_s, format_duration(eta).c_str(), usage.rss_mb,
                        usage.gpu_peak_mb >= 0 ? log::format(" gpu peak %.0f MB", usage.gpu_peak_mb).c_str() : ""));
  nlohmann::json line = {{"event", "train"},     {"step", state.global_step},    {"epoch", state.epoch + 1},
                         {"loss", (logged_.gen + logged_.sae_term) / k},         {"loss_gen", logged_.gen / k},
                         {"loss_recon", logged_.recon / k},                      {"loss_sparse", logged_.sparse / k},
                         {"lr", lr},                                             {"grad_norm", grad_norm},
                         {"tokens_per_s", tokens_per_s},                         {"elapsed_s", state.elapsed_seconds},
                         {"eta_s", eta},                                         {"rss_mb", usage.rss_mb}};
  if (usage.gpu_peak_mb >= 0) line["gpu_peak_mb"] = usage.gpu_peak_mb;
  write(line);
  logged_ = WindowStats{};
  logged_updates_ = 0;
  log_start_ = std::chrono::steady_clock::now();
}

void Reporter::validation(const ValidationRecord& record, const std::string& metric_name, bool best) {
  if (!is_main_) return;
  const bool by_loss = metric_name == "loss";
  std::string label = metric_name;
  for (char& c : label) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  log::info(log::format("epoch %lld validation: loss %.4f%s%s", (long long)record.epoch, record.loss,
                        by_loss ? "" : log::format(", %s %.4f", label.c_str(), record.metric).c_str(),
                        best ? " (best so far)" : ""));
  nlohmann::json line = {{"event", "validation"}, {"epoch", record.epoch},     {"step", record.global_step},
                         {"val_loss", record.loss}, {"metric", record.metric}, {"select_by", metric_name},
                         {"best", best}};
  if (!by_loss) line[metric_name] = record.metric;
  write(line);
}

void Reporter::checkpoint(const TrainState& state, const std::string& path, const std::string& why) {
  if (!is_main_) return;
  log::info("saved " + path + " (" + why + ")");
  write({{"event", "checkpoint"}, {"step", state.global_step}, {"epoch", state.epoch}, {"path", path}, {"reason", why}});
}

void Reporter::finish() {
  if (is_main_) progress_.finish();
}

}  // namespace dep
