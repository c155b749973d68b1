// DEP tokenizer loading for the data pipeline (see data_tokenizer.h).
#include "dep/data/data_tokenizer.h"

#include "dep/data/dep_sample.h"
#include "dep/core/error.h"

namespace dep {

const std::vector<std::string>& dep_special_tokens() {
  static const std::vector<std::string> kTokens = [] {
    std::vector<std::string> t;
    for (int i = 0; i < 8; ++i) t.push_back("[HIS_TOKEN_" + std::to_string(i) + "]");
    for (int i = 0; i < 8; ++i) t.push_back("[DIFF_TOKEN_" + std::to_string(i) + "]");
    for (const char* s : {"<his_token_start>", "<his_token_end>", "<diff_token_start>", "<diff_token_end>"})
      t.push_back(s);
    return t;
  }();
  return kTokens;
}

BpeTokenizer load_dep_tokenizer(const std::string& path) {
  if (path.empty()) fail("tokenizer", "no tokenizer configured (the DEP or Qwen2.5 tokenizer.json)");
  BpeTokenizer tokenizer = BpeTokenizer::load(path);
  const auto ids = tokenizer.add_special_tokens(dep_special_tokens());
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] != DepTokenIds::kHisToken0 + static_cast<int64_t>(i))
      fail(path, dep_special_tokens()[i] + " has id " + std::to_string(ids[i]) + ", DEP needs " +
                     std::to_string(DepTokenIds::kHisToken0 + static_cast<int64_t>(i)) +
                     " (is this the Qwen2.5 tokenizer?)");
  return tokenizer;
}

TokenEncoder encoder_of(const BpeTokenizer& tokenizer) {
  return [&tokenizer](std::string_view text) { return tokenizer.encode(text); };
}

}  // namespace dep
