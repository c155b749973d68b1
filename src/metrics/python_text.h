// Python 3 str semantics the reference metric libraries rely on (str.lower, str.isspace,
// str.split, str.strip, first-letter case), reproduced on UTF-8 so tokens match exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dep::metrics_detail {

// Decodes UTF-8 into code points; invalid input is a dep::Error naming `where`.
std::u32string utf8_to_u32(std::string_view text, const char* where = "text");
std::string u32_to_utf8(std::u32string_view text);
bool is_valid_utf8(std::string_view text);
// The first code point of `text` (0 when empty or invalid).
char32_t first_code_point(std::string_view text);

// Python's str.isspace() for one code point (includes U+001C..U+001F, U+0085, U+00A0, ...).
bool py_isspace(char32_t c);
// Python's str.isupper()/islower() for a single code point (Lu/Ll plus Other_Uppercase/Lowercase).
bool py_isupper(char32_t c);
bool py_islower(char32_t c);

// str.lower(): full lowercase mapping (U+0130 becomes "i\u0307", final sigma).
std::u32string py_lower(std::u32string_view text);
std::string py_lower(std::string_view utf8);

// str.split() with no argument, str.strip(), str.rstrip().
std::vector<std::string_view> py_split(std::string_view utf8);
std::string_view py_strip(std::string_view utf8);
std::string_view py_rstrip(std::string_view utf8);

// The regex class matching Python's \s on str patterns (PCRE2 syntax), and its negation.
extern const char* const kPySpaceClass;     // "[...]"
extern const char* const kPyNonSpaceClass;  // "[^...]"

}  // namespace dep::metrics_detail
