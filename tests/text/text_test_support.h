// Shared by the tokenizer tests: the fixture tokenizers (loaded once per process), JSONL reading,
// and running the venv's Python.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/text/bpe_tokenizer.h"
#include "dep/text/unigram_tokenizer.h"

namespace dep::test {

const BpeTokenizer& qwen_tokenizer();
const BpeTokenizer& dep_tokenizer();
const UnigramTokenizer& xlmr_tokenizer();

std::vector<nlohmann::json> read_jsonl(const std::string& path);
std::vector<int64_t> ids_of(const nlohmann::json& array);

// $DEP_VENV/bin/python3, or DEP_SOURCE_DIR/.venv/bin/python3 when DEP_VENV is unset; "" if absent.
std::string venv_python();

// Runs a shell command, returns its exit status and captures stdout.
int run_command(const std::string& command, std::string& output);

}  // namespace dep::test
