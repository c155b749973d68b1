// The "post_processor" of a tokenizer.json for single sequences: which ids go before and after
// the text's ids when special tokens are requested (TemplateProcessing, RobertaProcessing,
// BertProcessing; ByteLevel and null add nothing).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace dep {

struct SpecialTokenWrap {
  std::vector<int64_t> prefix;  // e.g. <s>
  std::vector<int64_t> suffix;  // e.g. </s>

  static SpecialTokenWrap from_json(const nlohmann::json& spec, const std::string& where);
  size_t added_count() const { return prefix.size() + suffix.size(); }
};

}  // namespace dep
