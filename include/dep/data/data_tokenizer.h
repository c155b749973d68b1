// The DEP tokenizer for the data pipeline: Qwen2.5's tokenizer.json with DEP's 20 special tokens
// (added in the reference's order when the file lacks them), as a TokenEncoder for the builder.
#pragma once

#include <string>
#include <vector>

#include "dep/text/bpe_tokenizer.h"
#include "dep/data/sample_builder.h"

namespace dep {

// [HIS_TOKEN_0..7], [DIFF_TOKEN_0..7], <his_token_start>, <his_token_end>, <diff_token_start>,
// <diff_token_end>: ids 151665–151684 on top of Qwen2.5's vocabulary (DEP.md §7).
const std::vector<std::string>& dep_special_tokens();

// Loads `path` (tokenizer.json or a directory) and makes sure the DEP tokens have their reference
// ids; a tokenizer where they would land elsewhere is a dep::Error naming the file.
BpeTokenizer load_dep_tokenizer(const std::string& path);

// An encoder view of a tokenizer (the tokenizer must outlive it).
TokenEncoder encoder_of(const BpeTokenizer& tokenizer);

}  // namespace dep
