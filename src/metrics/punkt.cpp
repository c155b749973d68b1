// nltk 3.8.1 Punkt sentence tokenizer (English language variables) on UTF-8 byte offsets:
// candidate ends from the period-context regex, a two-pass token annotation of each candidate's
// context, and boundary realignment for closing quotes and brackets.
#include "dep/metrics/punkt.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "python_text.h"
#include "regex.h"

namespace dep {

using metrics_detail::Regex;
using metrics_detail::RegexMatch;

namespace {

constexpr int kOrthoBegUc = 1 << 1;
constexpr int kOrthoMidUc = 1 << 2;
constexpr int kOrthoUnkUc = 1 << 3;
constexpr int kOrthoBegLc = 1 << 4;
constexpr int kOrthoMidLc = 1 << 5;
constexpr int kOrthoUnkLc = 1 << 6;
constexpr int kOrthoUc = kOrthoBegUc + kOrthoMidUc + kOrthoUnkUc;
constexpr int kOrthoLc = kOrthoBegLc + kOrthoMidLc + kOrthoUnkLc;

std::string collocation_key(std::string_view a, std::string_view b) {
  std::string k(a);
  k.push_back('\x1F');
  k.append(b);
  return k;
}

// Python's \s and \S, spelled out so PCRE2 agrees with Python on every whitespace character.
std::string with_python_spaces(std::string pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 's') {
        out += metrics_detail::kPySpaceClass;
        ++i;
        continue;
      }
      if (pattern[i + 1] == 'S') {
        out += metrics_detail::kPyNonSpaceClass;
        ++i;
        continue;
      }
      out += pattern[i];
      out += pattern[i + 1];
      ++i;
      continue;
    }
    out += pattern[i];
  }
  return out;
}

// PunktLanguageVars' pieces for English.
const char* const kNonWord = R"((?:[)\";}\]\*:@\'\({\[\?!]))";
const char* const kMultiChar = R"((?:\-{2,}|\.{2,}|(?:\.\s){2,}\.))";
const char* const kWordStart = R"([^\(\"\`{\[:;&\#\*@\)}\]\-,])";

std::string word_tokenizer_pattern() {
  std::string nw = kNonWord, mc = kMultiChar;
  return with_python_spaces("(" + mc + "|(?=" + kWordStart + ")\\S+?(?=\\s|$|" + nw + "|" + mc +
                            "|,(?=$|\\s|" + nw + "|" + mc + "))|\\S)");
}

std::string period_context_pattern() {
  return with_python_spaces(std::string("[\\.\\?!](?=(?P<after_tok>") + kNonWord +
                            "|\\s+(?P<next_tok>\\S+)))");
}

struct Token {
  std::string tok;
  std::string type;
  bool period_final = false;
  bool parastart = false;
  bool linestart = false;
  bool sentbreak = false;
  bool abbr = false;
  bool ellipsis = false;
  char32_t first = 0;

  std::string_view type_no_period() const {
    if (type.size() > 1 && type.back() == '.') return std::string_view(type).substr(0, type.size() - 1);
    return type;
  }
  std::string_view type_no_sentperiod() const { return sentbreak ? type_no_period() : type; }
  bool first_upper() const { return metrics_detail::py_isupper(first); }
  bool first_lower() const { return metrics_detail::py_islower(first); }
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

struct PunktSentenceTokenizer::Impl {
  Regex word_tokenizer{word_tokenizer_pattern()};
  Regex period_context{period_context_pattern()};
  Regex numeric{R"(^-?[\.,]?\d[\d,\.-]*\.?$)"};
  Regex initial{R"([^\W\d]\.$)"};
  Regex ellipsis{R"(\.\.+$)"};
  Regex boundary_realignment{with_python_spaces(R"(["\')\]}]+?(?:\s+|(?=--)|$))"), true};
  size_t after_tok = period_context.group_index("after_tok");
  size_t next_tok = period_context.group_index("next_tok");

  Token make_token(std::string_view tok) const {
    Token t;
    t.tok = std::string(tok);
    std::string lower = metrics_detail::py_lower(tok);
    RegexMatch m;
    t.type = numeric.match_prefix(lower, m) ? std::string("##number##") : lower;
    t.period_final = ends_with(tok, ".");
    t.first = metrics_detail::first_code_point(tok);
    return t;
  }
};

PunktParameters PunktParameters::load_json(const std::string& path) {
  const nlohmann::json j = read_json_file(path);
  PunktParameters p;
  try {
    for (const auto& s : j.at("abbrev_types")) p.abbrev_types.insert(s.get<std::string>());
    for (const auto& pair : j.at("collocations")) {
      if (!pair.is_array() || pair.size() != 2) fail(path + ": collocations", "each entry must be a pair");
      p.collocations.insert(collocation_key(pair[0].get<std::string>(), pair[1].get<std::string>()));
    }
    for (const auto& s : j.at("sent_starters")) p.sent_starters.insert(s.get<std::string>());
    for (const auto& [k, v] : j.at("ortho_context").items()) p.ortho_context[k] = v.get<int>();
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("bad Punkt parameters: ") + e.what());
  }
  return p;
}

std::string PunktParameters::default_english_path() {
  const char* env = std::getenv("DEP_PUNKT_JSON");
  if (env && *env) return env;
  return std::string(DEP_METRICS_DATA_DIR) + "/punkt-english.json";
}

PunktSentenceTokenizer::PunktSentenceTokenizer(PunktParameters params)
    : params_(std::move(params)), impl_(std::make_unique<Impl>()) {}

PunktSentenceTokenizer::~PunktSentenceTokenizer() = default;

bool PunktSentenceTokenizer::text_contains_sentbreak(std::string_view context) const {
  // Tokenize by lines (paragraph/line starts are tracked but only matter to training).
  std::vector<Token> tokens;
  size_t pos = 0;
  while (pos <= context.size()) {
    size_t nl = context.find('\n', pos);
    std::string_view line =
        context.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!metrics_detail::py_strip(line).empty()) {
      for (auto tok : impl_->word_tokenizer.find_all(line)) tokens.push_back(impl_->make_token(tok));
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  // First pass: decisions from the token type alone.
  for (Token& t : tokens) {
    if (t.tok == "." || t.tok == "?" || t.tok == "!") {
      t.sentbreak = true;
      continue;
    }
    RegexMatch m;
    if (impl_->ellipsis.match_prefix(t.tok, m)) {
      t.ellipsis = true;
    } else if (t.period_final && !ends_with(t.tok, "..")) {
      std::string stem = metrics_detail::py_lower(std::string_view(t.tok).substr(0, t.tok.size() - 1));
      size_t dash = stem.rfind('-');
      std::string last = dash == std::string::npos ? stem : stem.substr(dash + 1);
      if (params_.abbrev_types.count(stem) || params_.abbrev_types.count(last)) {
        t.abbr = true;
      } else {
        t.sentbreak = true;
      }
    }
  }
  auto ortho = [&](std::string_view typ) {
    auto it = params_.ortho_context.find(std::string(typ));
    return it == params_.ortho_context.end() ? 0 : it->second;
  };
  // Orthographic heuristic: 1 = starts a sentence, 0 = does not, -1 = unknown.
  auto ortho_heuristic = [&](const Token& t) {
    if (t.tok == ";" || t.tok == ":" || t.tok == "," || t.tok == "." || t.tok == "!" || t.tok == "?")
      return 0;
    int ctx = ortho(t.type_no_sentperiod());
    if (t.first_upper() && (ctx & kOrthoLc) && !(ctx & kOrthoMidUc)) return 1;
    if (t.first_lower() && ((ctx & kOrthoUc) || !(ctx & kOrthoBegLc))) return 0;
    return -1;
  };
  // Second pass over consecutive pairs, then: is there a break that is not on the last token?
  bool found = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (found) return true;
    Token& t1 = tokens[i];
    if (i + 1 < tokens.size() && t1.period_final) {
      const Token& t2 = tokens[i + 1];
      std::string typ(t1.type_no_period());
      std::string next_typ(t2.type_no_sentperiod());
      RegexMatch m;
      bool is_initial = impl_->initial.match_prefix(t1.tok, m);
      if (params_.collocations.count(collocation_key(typ, next_typ))) {
        t1.sentbreak = false;
        t1.abbr = true;
      } else {
        bool decided = false;
        if ((t1.abbr || t1.ellipsis) && !is_initial) {
          int h = ortho_heuristic(t2);
          if (h == 1) {
            t1.sentbreak = true;
            decided = true;
          } else if (t2.first_upper() && params_.sent_starters.count(next_typ)) {
            t1.sentbreak = true;
            decided = true;
          }
        }
        if (!decided && (is_initial || typ == "##number##")) {
          int h = ortho_heuristic(t2);
          if (h == 0) {
            t1.sentbreak = false;
            t1.abbr = true;
          } else if (h == -1 && is_initial && t2.first_upper() && !(ortho(next_typ) & kOrthoLc)) {
            t1.sentbreak = false;
            t1.abbr = true;
          }
        }
      }
    }
    if (t1.sentbreak) found = true;
  }
  return false;
}

std::vector<std::pair<size_t, size_t>> PunktSentenceTokenizer::span_tokenize(std::string_view text) const {
  // Candidate ends and their contexts (nltk's _match_potential_end_contexts): the word before
  // each candidate is found separately, and overlapping candidates keep only the last one.
  struct Candidate {
    size_t end;            // match.end()
    size_t next_tok_start; // npos when the context is punctuation, not a next token
    std::string context;
  };
  std::vector<Candidate> candidates;
  auto is_ascii_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c';
  };
  size_t prev_start = 0, prev_stop = 0;
  bool have_prev = false;
  RegexMatch prev_match;
  auto emit = [&](const RegexMatch& m, size_t s, size_t e) {
    Candidate c;
    c.end = m.end();
    c.next_tok_start = m.matched(impl_->next_tok) && m.end(impl_->next_tok) > m.start(impl_->next_tok)
                           ? m.start(impl_->next_tok)
                           : std::string::npos;
    c.context = std::string(text.substr(s, e > s ? e - s : 0));
    c.context.append(text.substr(m.start(), m.end() - m.start()));
    c.context.append(text.substr(m.start(impl_->after_tok), m.end(impl_->after_tok) - m.start(impl_->after_tok)));
    candidates.push_back(std::move(c));
  };
  RegexMatch m;
  size_t pos = 0;
  while (impl_->period_context.search(text, pos, m)) {
    size_t before_begin = std::min(prev_stop, m.start());
    size_t last_space = 0;  // index within before_text; 0 also means "none", as in nltk
    for (size_t i = m.start(); i > before_begin; --i) {
      if (is_ascii_space(text[i - 1])) {
        last_space = i - 1 - before_begin;
        break;
      }
    }
    size_t word_start = last_space ? last_space + prev_stop + 1 : prev_start;
    if (have_prev && prev_stop <= word_start) emit(prev_match, prev_start, prev_stop);
    prev_match = m;
    prev_start = word_start;
    prev_stop = m.start();
    have_prev = true;
    pos = m.end();
  }
  if (have_prev) emit(prev_match, prev_start, prev_stop);

  std::vector<std::pair<size_t, size_t>> slices;
  size_t last_break = 0;
  for (const auto& c : candidates) {
    if (text_contains_sentbreak(c.context)) {
      slices.emplace_back(last_break, c.end);
      last_break = c.next_tok_start != std::string::npos ? c.next_tok_start : c.end;
    }
  }
  slices.emplace_back(last_break, metrics_detail::py_rstrip(text).size());

  // Realign: closing quotes/brackets after a break belong to the sentence before it.
  std::vector<std::pair<size_t, size_t>> out;
  size_t realign = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    std::pair<size_t, size_t> s1{slices[i].first + realign, slices[i].second};
    bool nonempty = s1.first < s1.second && s1.first < text.size();
    if (i + 1 == slices.size()) {
      if (nonempty) out.push_back(s1);
      continue;
    }
    const auto& s2 = slices[i + 1];
    std::string_view second = s2.first < s2.second ? text.substr(s2.first, s2.second - s2.first) : std::string_view();
    RegexMatch rm;
    if (impl_->boundary_realignment.match_prefix(second, rm)) {
      std::string_view matched = second.substr(0, rm.end());
      out.emplace_back(s1.first, s2.first + metrics_detail::py_rstrip(matched).size());
      realign = rm.end();
    } else {
      realign = 0;
      if (nonempty) out.push_back(s1);
    }
  }
  return out;
}

std::vector<std::string> PunktSentenceTokenizer::tokenize(std::string_view text) const {
  std::vector<std::string> out;
  for (auto [s, e] : span_tokenize(text)) out.emplace_back(text.substr(s, e - s));
  return out;
}

}  // namespace dep
