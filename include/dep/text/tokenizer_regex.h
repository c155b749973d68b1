// The regular expressions of tokenizer.json files (Hugging Face compiles them with Oniguruma),
// run with PCRE2 (UTF + UCP, JIT). Oniguruma's Unicode \s and \w differ from PCRE2's, so those
// escapes are rewritten to explicit classes before compiling.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace dep {

// Rewrites \s \S \w \W to Oniguruma's Unicode definitions: \s = U+0009–U+000D, U+0085, Z*;
// \w = L*, M*, Nd, Pc. `where` names the file for errors.
std::string oniguruma_to_pcre2(const std::string& pattern, const std::string& where);

class TokenizerRegex {
 public:
  // Compiles an Oniguruma pattern; a bad pattern is a dep::Error naming `where`.
  TokenizerRegex(const std::string& oniguruma_pattern, const std::string& where);
  ~TokenizerRegex();
  TokenizerRegex(const TokenizerRegex&) = delete;
  TokenizerRegex& operator=(const TokenizerRegex&) = delete;

  const std::string& pattern() const { return pattern_; }

  // Per-thread matching state (PCRE2 match data and JIT stack); one per concurrent caller.
  class Matcher {
   public:
    explicit Matcher(const TokenizerRegex& regex);
    ~Matcher();
    Matcher(const Matcher&) = delete;
    Matcher& operator=(const Matcher&) = delete;
    // Finds the leftmost match in `text` at or after `start` (valid UTF-8, offsets in bytes).
    bool find(std::string_view text, size_t start, size_t& match_begin, size_t& match_end);

   private:
    const TokenizerRegex& regex_;
    void* match_data_ = nullptr;
  };

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8
  bool jit_ = false;
};

}  // namespace dep
