// nltk's Porter stemmer (NLTK_EXTENSIONS) on code points: the paper's five steps plus nltk's
// irregular-form pool and its modified rules (ies/ied, y->i, alli, fulli, logi, 2-letter cvc).
#include "dep/metrics/porter_stemmer.h"

#include <unordered_map>

#include "python_text.h"

namespace dep {

namespace {

using U32 = std::u32string;

bool ends_with(const U32& w, const char* suffix) {
  size_t n = 0;
  while (suffix[n]) ++n;
  if (w.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (w[w.size() - n + i] != static_cast<char32_t>(static_cast<unsigned char>(suffix[i])))
      return false;
  }
  return true;
}

size_t length(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

U32 from_ascii(const char* s) {
  U32 out;
  while (*s) out.push_back(static_cast<char32_t>(static_cast<unsigned char>(*s++)));
  return out;
}

bool is_vowel_letter(char32_t c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

bool is_consonant(const U32& w, size_t i) {
  // Iterative form of "y is a consonant unless preceded by a consonant".
  if (is_vowel_letter(w[i])) return false;
  if (w[i] != 'y') return true;
  if (i == 0) return true;
  return !is_consonant(w, i - 1);
}

// Number of VC sequences in [C](VC){m}[V].
int measure(const U32& stem) {
  int m = 0;
  bool prev_vowel = false;
  for (size_t i = 0; i < stem.size(); ++i) {
    bool cons = is_consonant(stem, i);
    if (cons && prev_vowel) ++m;
    prev_vowel = !cons;
  }
  return m;
}

bool contains_vowel(const U32& stem) {
  for (size_t i = 0; i < stem.size(); ++i) {
    if (!is_consonant(stem, i)) return true;
  }
  return false;
}

bool ends_double_consonant(const U32& w) {
  return w.size() >= 2 && w[w.size() - 1] == w[w.size() - 2] && is_consonant(w, w.size() - 1);
}

bool ends_cvc(const U32& w) {
  size_t n = w.size();
  if (n >= 3 && is_consonant(w, n - 3) && !is_consonant(w, n - 2) && is_consonant(w, n - 1) &&
      w[n - 1] != 'w' && w[n - 1] != 'x' && w[n - 1] != 'y')
    return true;
  return n == 2 && !is_consonant(w, 0) && is_consonant(w, 1);
}

U32 drop(const U32& w, size_t n) { return w.substr(0, w.size() - n); }

enum class Cond { kNone, kMeasurePositive, kMeasureAbove1, kIonStem, kLogi };

struct Rule {
  const char* suffix;
  const char* replacement;
  Cond cond;
};

bool holds(Cond c, const U32& stem, const U32& word) {
  switch (c) {
    case Cond::kNone: return true;
    case Cond::kMeasurePositive: return measure(stem) > 0;
    case Cond::kMeasureAbove1: return measure(stem) > 1;
    case Cond::kIonStem:
      return measure(stem) > 1 && !stem.empty() && (stem.back() == 's' || stem.back() == 't');
    case Cond::kLogi: return measure(drop(word, 3)) > 0;
  }
  return false;
}

// The first rule whose suffix matches decides: replaced if its condition holds, else unchanged.
template <size_t N>
U32 apply_rules(const U32& word, const Rule (&rules)[N]) {
  for (const Rule& r : rules) {
    if (ends_with(word, r.suffix)) {
      U32 stem = drop(word, length(r.suffix));
      if (holds(r.cond, stem, word)) return stem + from_ascii(r.replacement);
      return word;
    }
  }
  return word;
}

U32 step1a(const U32& w) {
  if (ends_with(w, "ies") && w.size() == 4) return drop(w, 3) + from_ascii("ie");
  static const Rule rules[] = {{"sses", "ss", Cond::kNone},
                               {"ies", "i", Cond::kNone},
                               {"ss", "ss", Cond::kNone},
                               {"s", "", Cond::kNone}};
  return apply_rules(w, rules);
}

U32 step1b(const U32& w) {
  if (ends_with(w, "ied")) return drop(w, 3) + from_ascii(w.size() == 4 ? "ie" : "i");
  if (ends_with(w, "eed")) {
    U32 stem = drop(w, 3);
    return measure(stem) > 0 ? stem + from_ascii("ee") : w;
  }
  U32 stem;
  bool cut = false;
  for (const char* suffix : {"ed", "ing"}) {
    if (ends_with(w, suffix)) {
      U32 s = drop(w, length(suffix));
      if (contains_vowel(s)) {
        stem = s;
        cut = true;
        break;
      }
    }
  }
  if (!cut) return w;
  if (ends_with(stem, "at")) return stem + U'e';
  if (ends_with(stem, "bl")) return stem + U'e';
  if (ends_with(stem, "iz")) return stem + U'e';
  if (ends_double_consonant(stem)) {
    char32_t last = stem.back();
    if (last != 'l' && last != 's' && last != 'z') return drop(stem, 1);
    return stem;
  }
  if (measure(stem) == 1 && ends_cvc(stem)) return stem + U'e';
  return stem;
}

U32 step1c(const U32& w) {
  if (ends_with(w, "y")) {
    U32 stem = drop(w, 1);
    if (stem.size() > 1 && is_consonant(stem, stem.size() - 1)) return stem + U'i';
  }
  return w;
}

U32 step2(const U32& w) {
  if (ends_with(w, "alli") && measure(drop(w, 4)) > 0) return step2(drop(w, 4) + from_ascii("al"));
  static const Rule rules[] = {
      {"ational", "ate", Cond::kMeasurePositive}, {"tional", "tion", Cond::kMeasurePositive},
      {"enci", "ence", Cond::kMeasurePositive},   {"anci", "ance", Cond::kMeasurePositive},
      {"izer", "ize", Cond::kMeasurePositive},    {"bli", "ble", Cond::kMeasurePositive},
      {"alli", "al", Cond::kMeasurePositive},     {"entli", "ent", Cond::kMeasurePositive},
      {"eli", "e", Cond::kMeasurePositive},       {"ousli", "ous", Cond::kMeasurePositive},
      {"ization", "ize", Cond::kMeasurePositive}, {"ation", "ate", Cond::kMeasurePositive},
      {"ator", "ate", Cond::kMeasurePositive},    {"alism", "al", Cond::kMeasurePositive},
      {"iveness", "ive", Cond::kMeasurePositive}, {"fulness", "ful", Cond::kMeasurePositive},
      {"ousness", "ous", Cond::kMeasurePositive}, {"aliti", "al", Cond::kMeasurePositive},
      {"iviti", "ive", Cond::kMeasurePositive},   {"biliti", "ble", Cond::kMeasurePositive},
      {"fulli", "ful", Cond::kMeasurePositive},   {"logi", "log", Cond::kLogi}};
  return apply_rules(w, rules);
}

U32 step3(const U32& w) {
  static const Rule rules[] = {
      {"icate", "ic", Cond::kMeasurePositive}, {"ative", "", Cond::kMeasurePositive},
      {"alize", "al", Cond::kMeasurePositive}, {"iciti", "ic", Cond::kMeasurePositive},
      {"ical", "ic", Cond::kMeasurePositive},  {"ful", "", Cond::kMeasurePositive},
      {"ness", "", Cond::kMeasurePositive}};
  return apply_rules(w, rules);
}

U32 step4(const U32& w) {
  static const Rule rules[] = {
      {"al", "", Cond::kMeasureAbove1},   {"ance", "", Cond::kMeasureAbove1},
      {"ence", "", Cond::kMeasureAbove1}, {"er", "", Cond::kMeasureAbove1},
      {"ic", "", Cond::kMeasureAbove1},   {"able", "", Cond::kMeasureAbove1},
      {"ible", "", Cond::kMeasureAbove1}, {"ant", "", Cond::kMeasureAbove1},
      {"ement", "", Cond::kMeasureAbove1}, {"ment", "", Cond::kMeasureAbove1},
      {"ent", "", Cond::kMeasureAbove1},  {"ion", "", Cond::kIonStem},
      {"ou", "", Cond::kMeasureAbove1},   {"ism", "", Cond::kMeasureAbove1},
      {"ate", "", Cond::kMeasureAbove1},  {"iti", "", Cond::kMeasureAbove1},
      {"ous", "", Cond::kMeasureAbove1},  {"ive", "", Cond::kMeasureAbove1},
      {"ize", "", Cond::kMeasureAbove1}};
  return apply_rules(w, rules);
}

U32 step5a(const U32& w) {
  if (ends_with(w, "e")) {
    U32 stem = drop(w, 1);
    int m = measure(stem);
    if (m > 1) return stem;
    if (m == 1 && !ends_cvc(stem)) return stem;
  }
  return w;
}

U32 step5b(const U32& w) {
  if (ends_with(w, "ll") && measure(drop(w, 1)) > 1) return drop(w, 1);
  return w;
}

const std::unordered_map<std::string, std::string>& irregular_forms() {
  static const std::unordered_map<std::string, std::string> pool = {
      {"sky", "sky"},         {"skies", "sky"},       {"dying", "die"},     {"lying", "lie"},
      {"tying", "tie"},       {"news", "news"},       {"innings", "inning"}, {"inning", "inning"},
      {"outings", "outing"},  {"outing", "outing"},   {"cannings", "canning"},
      {"canning", "canning"}, {"howe", "howe"},       {"proceed", "proceed"},
      {"exceed", "exceed"},   {"succeed", "succeed"}};
  return pool;
}

}  // namespace

namespace {

std::string stem_uncached(std::string_view word) {
  // nltk looks the pool up with the word as given (pool keys are lowercase).
  auto it = irregular_forms().find(std::string(word));
  if (it != irregular_forms().end()) return it->second;
  U32 original = metrics_detail::utf8_to_u32(word, "porter_stem");
  U32 w = metrics_detail::py_lower(original);
  if (original.size() <= 2) return metrics_detail::u32_to_utf8(w);
  w = step1a(w);
  w = step1b(w);
  w = step1c(w);
  w = step2(w);
  w = step3(w);
  w = step4(w);
  w = step5a(w);
  w = step5b(w);
  return metrics_detail::u32_to_utf8(w);
}

}  // namespace

std::string porter_stem(std::string_view word) {
  // Review vocabularies repeat heavily; a bounded per-thread memo avoids re-stemming.
  thread_local std::unordered_map<std::string, std::string> memo;
  std::string key(word);
  auto hit = memo.find(key);
  if (hit != memo.end()) return hit->second;
  if (memo.size() >= (1u << 18)) memo.clear();
  std::string stem = stem_uncached(word);
  memo.emplace(std::move(key), stem);
  return stem;
}

}  // namespace dep
