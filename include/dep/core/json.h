// The one way dep parses JSON text: configs, tokenizer.json, safetensors headers, DPL lines,
// generation and eval JSONL, dep-tokenize input. Input is untrusted, so parsing rejects what would
// later crash or silently mislead: nesting deeper than kMaxJsonDepth (recursive copies and dumps
// overflow the stack at ~10^5 levels), duplicate object keys (which would silently keep the last
// value) and numbers outside the range of a double (1e400, 5000-digit integers: JSON has no inf).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dep {

// Deeper than any file dep reads (tokenizer.json nests < 10 levels), far below a stack overflow.
constexpr int kMaxJsonDepth = 256;

// Parses `text`; any failure is a dep::Error (bad input) at `where` ("file", "file:line").
nlohmann::json parse_json(std::string_view text, const std::string& where);
nlohmann::ordered_json parse_ordered_json(std::string_view text, const std::string& where);

// Reads and parses a whole file; errors name the file.
nlohmann::json read_json_file(const std::string& path);
nlohmann::ordered_json read_ordered_json_file(const std::string& path);

// A value for an error message: its compact dump cut to `max_chars` ("..." marks the cut), so a
// message never carries an unbounded value.
std::string json_excerpt(const nlohmann::json& value, size_t max_chars = 80);
std::string json_excerpt(const nlohmann::ordered_json& value, size_t max_chars = 80);

// The integer `key` of `object` holds (json_int64_or: `fallback` when the key is absent): a float (1.2e22, or 2^64 written out, which the parser keeps as a float), a fraction, an unsigned
// value beyond INT64_MAX or another type is a dep::Error naming `where` and the key. nlohmann's
// get<int64_t>() would cast such a float, which is undefined behaviour outside int64's range.
int64_t json_int64(const nlohmann::json& object, const char* key, const std::string& where);
int64_t json_int64_or(const nlohmann::json& object, const char* key, int64_t fallback, const std::string& where);
// The same for a value on its own (`what` names it in the message).
int64_t json_int64(const nlohmann::json& value, const std::string& where, const std::string& what);
// An integer or a list of integers under `key` (Hugging Face configs write eos_token_id and
// attention_window either way), each checked as above: a scalar gives one element; an error names
// "key 'KEY'" or "key 'KEY' entry I".
std::vector<int64_t> json_int64_list(const nlohmann::json& value, const std::string& where, const std::string& key);

// Text cut to `max_chars` for a message (a line of input, a token), "..." marking the cut.
std::string text_excerpt(std::string_view text, size_t max_chars = 80);

}  // namespace dep
