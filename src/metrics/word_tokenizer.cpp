// nltk 3.8.1's NLTKWordTokenizer: ordered regex rewrites (quotes, punctuation, brackets, dashes,
// ending quotes, contractions), then a whitespace split; and word_tokenize on top of Punkt.
#include "dep/metrics/word_tokenizer.h"

#include "dep/core/error.h"
#include "python_text.h"
#include "regex.h"

namespace dep {

using metrics_detail::Regex;

namespace {

std::string py_spaces(const std::string& pattern) {
  // Python's \s (str patterns) is wider than PCRE2's; spell it out.
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size() && pattern[i + 1] == 's') {
      out += metrics_detail::kPySpaceClass;
      ++i;
    } else if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      out += pattern.substr(i, 2);
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

struct Rewrite {
  std::unique_ptr<Regex> re;
  std::string replacement;
  Rewrite(const std::string& pattern, std::string repl)
      : re(std::make_unique<Regex>(py_spaces(pattern))), replacement(std::move(repl)) {}
};

}  // namespace

struct NltkWordTokenizer::Rules {
  std::vector<Rewrite> before_padding;  // starting quotes, punctuation, brackets, dashes
  std::vector<Rewrite> after_padding;   // ending quotes, contractions
};

NltkWordTokenizer::NltkWordTokenizer() : rules_(std::make_unique<Rules>()) {
  auto& b = rules_->before_padding;
  // Starting quotes.
  b.emplace_back(u8"([«“‘„]|[`]+)", " \\1 ");
  b.emplace_back(R"(^\")", "``");
  b.emplace_back(R"((``))", " \\1 ");
  b.emplace_back(R"(([ \(\[{<])(\"|\'{2}))", "\\1 `` ");
  b.emplace_back(R"((?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b)", "\\1 \\2");
  // Punctuation.
  b.emplace_back(std::string(R"(([^\.])(\.)([\]\)}>"\')") + u8"»”’ " + R"(]*)\s*$)", "\\1 \\2 \\3 ");
  b.emplace_back(R"(([:,])([^\d]))", " \\1 \\2");
  b.emplace_back(R"(([:,])$)", " \\1 ");
  b.emplace_back(R"(\.{2,})", " \\g<0> ");
  b.emplace_back(R"([;@#$%&])", " \\g<0> ");
  b.emplace_back(R"(([^\.])(\.)([\]\)}>"\']*)\s*$)", "\\1 \\2\\3 ");
  b.emplace_back(R"([?!])", " \\g<0> ");
  b.emplace_back(R"(([^'])' )", "\\1 ' ");
  b.emplace_back(R"([*])", " \\g<0> ");
  // Parentheses and brackets, double dashes.
  b.emplace_back(R"([\]\[\(\)\{\}\<\>])", " \\g<0> ");
  b.emplace_back(R"(--)", " -- ");
  auto& a = rules_->after_padding;
  // Ending quotes.
  a.emplace_back(u8"([»”’])", " \\1 ");
  a.emplace_back(R"('')", " '' ");
  a.emplace_back(R"(")", " '' ");
  a.emplace_back(R"(([^' ])('[sS]|'[mM]|'[dD]|') )", "\\1 \\2 ");
  a.emplace_back(R"(([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) )", "\\1 \\2 ");
  // MacIntyre contractions.
  for (const char* p : {R"((?i)\b(can)(?#X)(not)\b)", R"((?i)\b(d)(?#X)('ye)\b)",
                        R"((?i)\b(gim)(?#X)(me)\b)", R"((?i)\b(gon)(?#X)(na)\b)",
                        R"((?i)\b(got)(?#X)(ta)\b)", R"((?i)\b(lem)(?#X)(me)\b)",
                        R"((?i)\b(more)(?#X)('n)\b)", R"((?i)\b(wan)(?#X)(na)(?=\s))",
                        R"((?i) ('t)(?#X)(is)\b)", R"((?i) ('t)(?#X)(was)\b)"}) {
    a.emplace_back(p, " \\1 \\2 ");
  }
}

NltkWordTokenizer::~NltkWordTokenizer() = default;

std::vector<std::string> NltkWordTokenizer::tokenize(std::string_view sentence) const {
  if (!metrics_detail::is_valid_utf8(sentence)) fail("word_tokenize", "text is not valid UTF-8");
  std::string text(sentence);
  for (const auto& r : rules_->before_padding) text = r.re->sub(text, r.replacement);
  text = " " + text + " ";
  for (const auto& r : rules_->after_padding) text = r.re->sub(text, r.replacement);
  std::vector<std::string> out;
  for (auto tok : metrics_detail::py_split(text)) out.emplace_back(tok);
  return out;
}

WordTokenizer::WordTokenizer(PunktParameters punkt) : sentences_(std::move(punkt)) {}

std::vector<std::string> WordTokenizer::tokenize(std::string_view text) const {
  if (!metrics_detail::is_valid_utf8(text)) fail("word_tokenize", "text is not valid UTF-8");
  std::vector<std::string> out;
  for (auto [s, e] : sentences_.span_tokenize(text)) {
    for (auto& tok : words_.tokenize(text.substr(s, e - s))) out.push_back(std::move(tok));
  }
  return out;
}

}  // namespace dep
