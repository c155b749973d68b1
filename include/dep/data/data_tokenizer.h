// The DEP tokenizer for the data pipeline: a Qwen2-style tokenizer.json with DEP's 20 special tokens
// (added after its vocabulary, in the reference's order, when the file lacks them), as a
// TokenEncoder for the builder.
#pragma once

#include <string>
#include <vector>

#include "dep/text/bpe_tokenizer.h"
#include "dep/data/dep_tokens.h"
#include "dep/data/sample_builder.h"

namespace dep {

// Loads `path` (tokenizer.json or a directory) and adds the DEP tokens when it has none; a
// tokenizer without <|im_end|> / <|endoftext|>, or with only some DEP tokens, is a dep::Error
// naming the file.
BpeTokenizer load_dep_tokenizer(const std::string& path);

// An encoder view of a tokenizer (the tokenizer must outlive it), with its special-token ids;
// `source` names the tokenizer in errors.
TokenEncoder encoder_of(const BpeTokenizer& tokenizer, const std::string& source = "tokenizer");

}  // namespace dep
