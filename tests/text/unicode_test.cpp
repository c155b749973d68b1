// UTF-8 decoding with maximal-subpart replacement, the streaming buffer, and the NFC fast path
// checked against utf8proc over every code point.
#include <catch2/catch.hpp>

#include <utf8proc.h>

#include <cstdlib>

#include "dep/text/unicode.h"
#include "dep/text/utf8.h"

namespace {

std::string utf8proc_nfc(const std::string& s) {
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
                              &out, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return "<utf8proc error>";
  std::string result(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

TEST_CASE("UTF-8 repair replaces each maximal invalid subpart with one U+FFFD", "[text][utf8]") {
  const std::string r = "\xEF\xBF\xBD";
  // Unicode 15 §3.9, Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 → a,FFFD,FFFD,FFFD,b,FFFD,c,FFFD,FFFD,d.
  CHECK(dep::to_valid_utf8("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64") ==
        "a" + r + r + r + "b" + r + "c" + r + r + "d");
  CHECK(dep::to_valid_utf8("\xED\xA0\x80") == r + r + r);  // a surrogate: three subparts
  CHECK(dep::to_valid_utf8("\xC0\xAF") == r + r);          // overlong
  CHECK(dep::to_valid_utf8("\xF4\x90\x80\x80") == r + r + r + r);  // above U+10FFFF
  CHECK(dep::to_valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(dep::is_valid_utf8(std::string("a\0b", 3)));
  CHECK_FALSE(dep::is_valid_utf8("\xE2\x82"));
}

TEST_CASE("the UTF-8 stream buffer releases whole characters only", "[text][utf8]") {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xFF\xE2\x82z";
  for (size_t split = 0; split <= text.size(); ++split) {
    dep::Utf8StreamBuffer buffer;
    std::string out;
    for (char c : text.substr(0, split)) {
      const std::string piece = buffer.push(std::string(1, c));
      REQUIRE(dep::is_valid_utf8(piece));
      out += piece;
    }
    out += buffer.push(text.substr(split));
    out += buffer.finish();
    REQUIRE(out == dep::to_valid_utf8(text));
  }
}

TEST_CASE("NFC with the composition-inert fast path equals utf8proc for every code point", "[text][unicode]") {
  // Every code point after a few starters and a mark; the BMP also after more contexts.
  const std::vector<std::string> everywhere = {"", "e", "\xCC\x81" /* U+0301 */, "\xEA\xB0\x80" /* 가 */};
  const std::vector<std::string> bmp_only = {"a", "\xE3\x81\x8B" /* か */, "\xE1\x84\x80" /* jamo L */,
                                             "\xE4\xB8\x80" /* 一 */, "\xD0\x98" /* И */, "e\xCC\x81x"};
  size_t checked = 0;
  for (char32_t c = 1; c <= 0x10FFFF; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::string one;
    dep::append_utf8(one, c);
    for (int pass = 0; pass < (c <= 0xFFFF ? 2 : 1); ++pass) {
      for (const auto& prefix : pass == 0 ? everywhere : bmp_only) {
        const std::string s = prefix + one + one + "\xCC\x86z";  // ... + U+0306 (composes with some)
        if (dep::unicode_normalize(s, dep::NormalForm::kNfc) != utf8proc_nfc(s)) {
          FAIL("NFC differs for U+" << std::hex << static_cast<uint32_t>(c) << " after '" << prefix << "'");
        }
        ++checked;
      }
    }
  }
  CHECK(checked > 4000000);
}

}  // namespace
