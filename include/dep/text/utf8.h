// UTF-8 decoding with the Unicode "maximal subpart" replacement rule (what Rust's
// String::from_utf8_lossy and Python's errors="replace" do), and a buffer for streamed bytes that
// only releases whole characters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dep {

// One step of decoding at the start of `bytes`.
struct Utf8Step {
  char32_t code_point = 0;  // valid only when `valid`
  size_t length = 0;        // bytes consumed: the character, or the maximal invalid subpart (>= 1)
  bool valid = false;
  bool truncated = false;   // invalid only because the input ended inside a well-formed prefix
};

Utf8Step decode_utf8_step(std::string_view bytes);

bool is_valid_utf8(std::string_view bytes);

void append_utf8(std::string& out, char32_t code_point);

// Each maximal invalid subpart becomes U+FFFD; valid input is returned unchanged.
std::string to_valid_utf8(std::string_view bytes);

// Holds back an incomplete trailing character so that streamed text never ends mid-character.
// The concatenation of everything push() and finish() return equals to_valid_utf8(all bytes).
class Utf8StreamBuffer {
 public:
  // Appends bytes and returns the text that is now final.
  std::string push(std::string_view bytes);
  // Returns what is left (an incomplete tail becomes U+FFFD) and resets the buffer.
  std::string finish();
  size_t pending_bytes() const { return pending_.size(); }

 private:
  std::string pending_;
};

}  // namespace dep
