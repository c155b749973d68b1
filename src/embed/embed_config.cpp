// Cross-field checks of the dep-embed config (see embed_config.h).
#include "dep/embed/embed_config.h"

#include "dep/core/error.h"

namespace dep {

void EmbedStoreConfig::validate(const std::string& source) const {
  if (input.format == EmbedInputFormat::kDpl && !input.paths.empty() && input.categories.size() != input.paths.size()) {
    fail(source + ": input.categories", "dpl input needs one category per path (" +
                                            std::to_string(input.paths.size()) + " paths, " +
                                            std::to_string(input.categories.size()) + " categories)");
  }
  if (input.format == EmbedInputFormat::kKeyedText && !input.categories.empty()) {
    fail(source + ": input.categories", "only used with format \"dpl\"");
  }
  if (input.format == EmbedInputFormat::kKeyedText && !input.meta_paths.empty()) {
    fail(source + ": input.meta_paths", "only used with format \"dpl\"");
  }
}

void validate_embed_config(const EmbedStoreConfig& config, const std::string& source) {
  if (config.model.dir.empty()) fail(source + ": model.dir", "required: the XLM-RoBERTa model directory");
  if (config.output_dir.empty()) fail(source + ": output_dir", "required: where the store is written");
  if (config.input.paths.empty()) fail(source + ": input.paths", "required: at least one input JSONL file");
  config.validate(source);
}

}  // namespace dep
