// dep-train: trains the DEP adapter on a frozen Qwen2 (configs/train.json; docs/training.md).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "dep/core/app.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/train/train_config.h"
#include "dep/train/trainer.h"
#include "dep/train/validation_meteor.h"

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"dep-train: train the DEP adapter (SAE + projectors) on a frozen Qwen2 decoder"};
    dep::CommonOptions common;
    dep::add_common_options(app, common);
    std::string config_path;
    std::vector<std::string> overrides;
    bool resume = false, dump_config = false, document = false;
    app.add_option("--config", config_path, "train config JSON (configs/train.json)");
    app.add_option("--set", overrides, "override a key: --set optim.lr=2e-5 (repeatable)");
    app.add_flag("--resume", resume, "continue from checkpoint.dir's latest checkpoint");
    app.add_flag("--dump-config", dump_config, "print the effective config and exit");
    app.add_flag("--document-config", document, "print every key with its default and meaning (Markdown) and exit");
    app.parse(argc, argv);
    dep::init_logging(common.log_level);
    if (document) {
      std::fputs(dep::document_config<dep::TrainConfig>().c_str(), stdout);
      return dep::kExitOk;
    }
    const auto config = dep::load_config<dep::TrainConfig>(config_path, overrides);
    if (dump_config) {
      std::printf("%s\n", dep::config_to_json(config).dump(2).c_str());
      return dep::kExitOk;
    }
    if (config.model.dir.empty()) dep::fail("model.dir", "no model directory configured");
    auto data = dep::load_training_data(config);
    // The paper's selection: METEOR of val generations (WordNet and Punkt load before training).
    std::unique_ptr<dep::ValidationMeteor> meteor;
    dep::TrainHooks hooks;
    if (config.validation.enabled && config.validation.select_by == "meteor") {
      meteor = std::make_unique<dep::ValidationMeteor>(config.validation, std::move(data.val_prompts), data.tokenizer);
      hooks.generation_metric = [&meteor](dep::PersonalizationModel& model) { return meteor->evaluate(model).meteor; };
    }
    auto model = dep::build_dep_model(config, data.tokenizer_size, data.tokenizer);
    dep::Trainer trainer(config, model, data.train, data.val, hooks);
    const auto summary = trainer.run(resume);
    std::printf("%s\n", nlohmann::json({{"run_dir", summary.run_dir},
                                        {"last_checkpoint", summary.last_checkpoint},
                                        {"best_checkpoint", summary.best_checkpoint},
                                        {"updates", summary.state.global_step}})
                            .dump()
                            .c_str());
    return dep::kExitOk;
  });
}
