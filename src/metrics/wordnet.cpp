// WordNet dictionary files and nltk's morphy. Data files are loaded whole and synset lines are
// parsed on demand by byte offset, as nltk seeks into them.
#include "dep/metrics/wordnet.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "python_text.h"

namespace dep {

namespace {

constexpr std::array<char, 4> kPosOrder = {'n', 'v', 'a', 'r'};  // nltk's POS_LIST

int pos_slot(char pos) {
  switch (pos) {
    case 'n': return 0;
    case 'v': return 1;
    case 'a': return 2;
    case 'r': return 3;
  }
  fail_internal("wordnet", std::string("unknown part of speech '") + pos + "'");
}

const char* pos_file(int slot) {
  static const char* names[] = {"noun", "verb", "adj", "adv"};
  return names[slot];
}

struct Substitution {
  const char* old_suffix;
  const char* new_suffix;
};

// nltk's MORPHOLOGICAL_SUBSTITUTIONS, per part of speech.
const std::vector<Substitution>& substitutions(int slot) {
  static const std::vector<Substitution> noun = {{"s", ""},      {"ses", "s"},    {"ves", "f"},
                                                 {"xes", "x"},   {"zes", "z"},    {"ches", "ch"},
                                                 {"shes", "sh"}, {"men", "man"},  {"ies", "y"}};
  static const std::vector<Substitution> verb = {{"s", ""},   {"ies", "y"}, {"es", "e"},
                                                 {"es", ""},  {"ed", "e"},  {"ed", ""},
                                                 {"ing", "e"}, {"ing", ""}};
  static const std::vector<Substitution> adj = {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}};
  static const std::vector<Substitution> adv = {};
  switch (slot) {
    case 0: return noun;
    case 1: return verb;
    case 2: return adj;
    default: return adv;
  }
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

long parse_long(std::string_view s, int base, const std::string& where) {
  std::string tmp(s);
  char* end = nullptr;
  long v = std::strtol(tmp.c_str(), &end, base);
  if (tmp.empty() || *end != '\0') fail(where, "expected a number, got '" + tmp + "'");
  return v;
}

}  // namespace

struct WordNet::Impl {
  std::string dir;
  // lemma -> offsets per part of speech (nltk's _lemma_pos_offset_map).
  std::unordered_map<std::string, std::array<std::vector<long>, 4>> index;
  std::array<std::unordered_map<std::string, std::vector<std::string>>, 4> exceptions;
  std::array<std::string, 4> data;
  mutable std::unordered_map<std::string, std::unordered_set<std::string>> synonym_cache;
  mutable std::array<std::unordered_map<long, std::vector<std::string>>, 4> synset_cache;

  void load_index(int slot) {
    std::string path = dir + "/index." + pos_file(slot);
    std::string text = read_file(path);
    size_t pos = 0;
    long line_no = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string_view line(text.data() + pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      if (line.empty() || line[0] == ' ') continue;  // license header lines start with spaces
      std::string where = path + ":" + std::to_string(line_no);
      auto f = split_ws(line);
      if (f.size() < 4) fail(where, "too few fields");
      size_t k = 0;
      std::string lemma(f[k++]);
      std::string pos_tag(f[k++]);
      long n_synsets = parse_long(f[k++], 10, where);
      long n_pointers = parse_long(f[k++], 10, where);
      k += static_cast<size_t>(n_pointers);
      if (k + 2 > f.size()) fail(where, "truncated line");
      long n_senses = parse_long(f[k++], 10, where);
      if (n_senses != n_synsets || n_synsets <= 0) fail(where, "synset count mismatch");
      ++k;  // tagsense_cnt
      if (k + static_cast<size_t>(n_synsets) > f.size()) fail(where, "truncated synset offsets");
      std::vector<long> offsets;
      offsets.reserve(static_cast<size_t>(n_synsets));
      for (long i = 0; i < n_synsets; ++i) offsets.push_back(parse_long(f[k++], 10, where));
      if (pos_tag.size() != 1) fail(where, "bad part of speech '" + pos_tag + "'");
      // The tag inside index.adj is 'a'; nltk keys by that tag (and mirrors 'a' to 's').
      index[lemma][static_cast<size_t>(pos_slot(pos_tag[0]))] = std::move(offsets);
    }
  }

  void load_exceptions(int slot) {
    std::string path = dir + "/" + pos_file(slot) + ".exc";
    std::string text = read_file(path);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      auto f = split_ws(std::string_view(text.data() + pos, nl - pos));
      pos = nl + 1;
      if (f.empty()) continue;
      std::vector<std::string> bases;
      for (size_t i = 1; i < f.size(); ++i) bases.emplace_back(f[i]);
      exceptions[static_cast<size_t>(slot)][std::string(f[0])] = std::move(bases);
    }
  }

  bool in_index(const std::string& form, int slot) const {
    auto it = index.find(form);
    return it != index.end() && !it->second[static_cast<size_t>(slot)].empty();
  }

  const std::vector<std::string>& lemma_names(int slot, long offset) const {
    auto& cache = synset_cache[static_cast<size_t>(slot)];
    auto hit = cache.find(offset);
    if (hit != cache.end()) return hit->second;
    const std::string& text = data[static_cast<size_t>(slot)];
    std::string where = dir + "/data." + pos_file(slot) + " @" + std::to_string(offset);
    if (offset < 0 || static_cast<size_t>(offset) >= text.size()) fail(where, "offset past end of file");
    size_t nl = text.find('\n', static_cast<size_t>(offset));
    std::string_view line(text.data() + offset, (nl == std::string::npos ? text.size() : nl) - static_cast<size_t>(offset));
    size_t bar = line.find('|');
    auto f = split_ws(line.substr(0, bar));
    if (f.size() < 4 || parse_long(f[0], 10, where) != offset) fail(where, "no synset starts here");
    long n_lemmas = parse_long(f[3], 16, where);
    if (4 + 2 * static_cast<size_t>(n_lemmas) > f.size()) fail(where, "truncated lemma list");
    std::vector<std::string> names;
    for (long i = 0; i < n_lemmas; ++i) {
      std::string name(f[4 + 2 * static_cast<size_t>(i)]);
      // Adjective lemmas may carry a syntactic marker such as "(a)" or "(ip)".
      size_t paren = name.find('(');
      if (paren != std::string::npos && name.back() == ')') name.erase(paren);
      names.push_back(std::move(name));
    }
    return cache.emplace(offset, std::move(names)).first->second;
  }
};

WordNet::WordNet(const std::string& dict_dir) : impl_(std::make_unique<Impl>()) {
  impl_->dir = dict_dir;
  if (!std::filesystem::is_directory(dict_dir)) {
    fail(dict_dir, "WordNet dictionary directory not found (install Debian's wordnet-base)");
  }
  for (int slot = 0; slot < 4; ++slot) {
    impl_->load_index(slot);
    impl_->load_exceptions(slot);
    impl_->data[static_cast<size_t>(slot)] = read_file(dict_dir + "/data." + pos_file(slot));
  }
}

WordNet::~WordNet() = default;

std::string WordNet::default_dir() {
  const char* env = std::getenv("DEP_WORDNET_DIR");
  return env && *env ? std::string(env) : std::string("/usr/share/wordnet");
}

std::vector<std::string> WordNet::morphy(const std::string& form, char pos) const {
  int slot = pos_slot(pos);
  const auto& subs = substitutions(slot);
  auto filter = [&](const std::vector<std::string>& forms) {
    std::vector<std::string> out;
    for (const auto& f : forms) {
      if (impl_->in_index(f, slot) && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    }
    return out;
  };
  auto apply_rules = [&](const std::vector<std::string>& forms) {
    std::vector<std::string> out;
    for (const auto& f : forms) {
      for (const auto& s : subs) {
        if (ends_with(f, s.old_suffix)) {
          out.push_back(f.substr(0, f.size() - std::string_view(s.old_suffix).size()) + s.new_suffix);
        }
      }
    }
    return out;
  };
  const auto& exc = impl_->exceptions[static_cast<size_t>(slot)];
  auto it = exc.find(form);
  if (it != exc.end()) {
    std::vector<std::string> forms{form};
    forms.insert(forms.end(), it->second.begin(), it->second.end());
    return filter(forms);
  }
  std::vector<std::string> forms = apply_rules({form});
  std::vector<std::string> first{form};
  first.insert(first.end(), forms.begin(), forms.end());
  auto results = filter(first);
  if (!results.empty()) return results;
  while (!forms.empty()) {
    forms = apply_rules(forms);
    results = filter(forms);
    if (!results.empty()) return results;
  }
  return {};
}

std::vector<std::string> WordNet::synset_lemma_names(const std::string& word) const {
  std::string lemma = metrics_detail::py_lower(word);
  std::vector<std::string> out;
  for (char pos : kPosOrder) {
    int slot = pos_slot(pos);
    for (const auto& form : morphy(lemma, pos)) {
      const auto& offsets = impl_->index.at(form)[static_cast<size_t>(slot)];
      for (long offset : offsets) {
        const auto& names = impl_->lemma_names(slot, offset);
        out.insert(out.end(), names.begin(), names.end());
      }
    }
  }
  return out;
}

const std::unordered_set<std::string>& WordNet::meteor_synonyms(const std::string& word) const {
  auto hit = impl_->synonym_cache.find(word);
  if (hit != impl_->synonym_cache.end()) return hit->second;
  std::unordered_set<std::string> syns;
  for (auto& name : synset_lemma_names(word)) {
    if (name.find('_') == std::string::npos) syns.insert(std::move(name));
  }
  syns.insert(word);
  return impl_->synonym_cache.emplace(word, std::move(syns)).first->second;
}

}  // namespace dep
