// Unicode services the tokenizers share: normalization forms (utf8proc), the White_Space and
// word-character predicates, and extended grapheme clusters. Inputs must be valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dep {

enum class NormalForm { kNfc, kNfd, kNfkc, kNfkd };

std::string unicode_normalize(std::string_view text, NormalForm form);

// Unicode White_Space (Rust's char::is_whitespace, Python's regex \s).
bool is_white_space(char32_t c);

// Rust regex's Unicode \w: letters, marks, decimal and letter numbers, connector punctuation, ZWJ/ZWNJ.
bool is_word_char(char32_t c);

// End (byte offset) of the extended grapheme cluster that starts at byte `pos`.
size_t grapheme_end(std::string_view text, size_t pos);

}  // namespace dep
