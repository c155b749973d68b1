// DEP tokenizer loading for the data pipeline (see data_tokenizer.h).
#include "dep/data/data_tokenizer.h"

#include "dep/core/error.h"

namespace dep {

BpeTokenizer load_dep_tokenizer(const std::string& path) {
  if (path.empty()) fail("tokenizer", "no tokenizer configured (the DEP or Qwen2.5 tokenizer.json)");
  BpeTokenizer tokenizer = BpeTokenizer::load(path);
  tokenizer.add_special_tokens(dep_special_tokens());  // keeps tokens it already has
  DepTokens::of(tokenizer, path);  // fails here, naming the file, rather than at the first sample
  return tokenizer;
}

TokenEncoder encoder_of(const BpeTokenizer& tokenizer, const std::string& source) {
  TokenEncoder out;
  out.encode = [&tokenizer](std::string_view text) { return tokenizer.encode(text); };
  out.tokens = DepTokens::of(tokenizer, source);
  return out;
}

}  // namespace dep
