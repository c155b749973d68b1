// Python's str.split() and str.strip() on UTF-8 text: the whitespace is str.isspace()'s (ASCII
// whitespace, U+001C-001F, U+0085, U+00A0 and the Unicode space separators), so text is split and
// stripped exactly as the reference's Python code does (BM25 tokens, DPL's postprocessing, --strip).
#pragma once

#include <string>
#include <vector>

namespace dep {

// Python's str.split(): runs of whitespace separate tokens; case is kept.
std::vector<std::string> whitespace_split(const std::string& text);

// Python's str.strip(): leading and trailing whitespace removed; the text between is kept byte for byte.
std::string python_strip(const std::string& text);

}  // namespace dep
