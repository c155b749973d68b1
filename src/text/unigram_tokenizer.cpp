// Unigram tokenizer: tokenizer.json / sentencepiece loading, Metaspace, Viterbi, specials.
#include "dep/text/unigram_tokenizer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "dep/text/added_vocabulary.h"
#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/text/normalizer.h"
#include "dep/text/post_processor.h"
#include "dep/text/sentencepiece_model.h"
#include "dep/text/tokenizer.h"
#include "dep/text/utf8.h"

namespace dep {

namespace {

constexpr double kUnknownPenalty = 10.0;  // Hugging Face / sentencepiece K_UNK_PENALTY

enum class PrependScheme { kAlways, kFirst, kNever };

struct Metaspace {
  std::string replacement = "\u2581";
  PrependScheme prepend = PrependScheme::kAlways;
  bool split = true;

  // Both spellings: {"prepend_scheme": ..., "split": ...} and the older {"add_prefix_space": bool}.
  static Metaspace from_json(const nlohmann::json& j, const std::string& where) {
    Metaspace m;
    if (j.contains("replacement")) {
      m.replacement = j["replacement"].get<std::string>();
      if (m.replacement.empty()) fail(where, "Metaspace replacement is empty");
    }
    if (j.contains("prepend_scheme") && !j["prepend_scheme"].is_null()) {
      const std::string s = j["prepend_scheme"].get<std::string>();
      if (s == "always") {
        m.prepend = PrependScheme::kAlways;
      } else if (s == "first") {
        m.prepend = PrependScheme::kFirst;
      } else if (s == "never") {
        m.prepend = PrependScheme::kNever;
      } else {
        fail(where, "Metaspace prepend_scheme '" + s + "' (expected always, first or never)");
      }
    } else if (j.contains("add_prefix_space") && !j["add_prefix_space"].is_null()) {
      m.prepend = j["add_prefix_space"].get<bool>() ? PrependScheme::kAlways : PrependScheme::kNever;
    }
    if (j.contains("split") && !j["split"].is_null()) m.split = j["split"].get<bool>();
    return m;
  }
};

// Byte trie over the pieces for common-prefix search: (node, byte) → child in one hash table.
class PieceTrie {
 public:
  void build(const std::vector<std::string>& pieces) {
    size_t total = 0;
    for (const auto& p : pieces) total += p.size();
    size_t capacity = 16;
    while (capacity < total * 2 + 16) capacity <<= 1;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    piece_at_.assign(1, -1);
    for (size_t id = 0; id < pieces.size(); ++id) {
      uint32_t node = 0;
      for (unsigned char c : pieces[id]) node = child_or_insert(node, c);
      if (!pieces[id].empty() && piece_at_[node] < 0) piece_at_[node] = static_cast<int32_t>(id);
    }
  }
  // Calls on_piece(id, length) for each piece that is a prefix of `text`, shortest first.
  template <class F>
  void prefixes(std::string_view text, F on_piece) const {
    uint32_t node = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      node = child(node, static_cast<unsigned char>(text[i]));
      if (node == kNone) return;
      if (piece_at_[node] >= 0) on_piece(piece_at_[node], i + 1);
    }
  }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  struct Slot {
    uint64_t key = ~0ULL;
    uint32_t child = kNone;
  };
  static uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
  }
  uint32_t child(uint32_t node, unsigned char c) const {
    const uint64_t key = (static_cast<uint64_t>(node) << 8) | c;
    for (uint64_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].child;
      if (slots_[i].key == ~0ULL) return kNone;
    }
  }
  uint32_t child_or_insert(uint32_t node, unsigned char c) {
    const uint64_t key = (static_cast<uint64_t>(node) << 8) | c;
    for (uint64_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i].child;
      if (slots_[i].key == ~0ULL) {
        slots_[i].key = key;
        slots_[i].child = static_cast<uint32_t>(piece_at_.size());
        piece_at_.push_back(-1);
        return slots_[i].child;
      }
    }
  }
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  std::vector<int32_t> piece_at_;
};

}  // namespace

struct UnigramTokenizer::Impl {
  std::string where;
  nlohmann::json json;
  std::vector<std::string> pieces;
  std::vector<double> scores;
  std::unordered_map<std::string, int32_t> piece_ids;
  PieceTrie trie;
  int32_t unk_id = -1;
  double unk_score = 0.0;
  Normalizer normalizer;
  Metaspace pre_tokenizer;
  Metaspace decoder;
  bool has_decoder = false;
  AddedVocabulary added;
  SpecialTokenWrap wrap;

  void viterbi(std::string_view text, std::vector<int64_t>& out) const;
  void encode_model_text(std::string_view text, bool at_start, std::vector<int64_t>& out) const;
  void encode_normalized(std::string_view normalized, bool at_start, std::vector<int64_t>& out) const;
};

UnigramTokenizer::UnigramTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UnigramTokenizer::UnigramTokenizer(UnigramTokenizer&&) noexcept = default;
UnigramTokenizer& UnigramTokenizer::operator=(UnigramTokenizer&&) noexcept = default;
UnigramTokenizer::~UnigramTokenizer() = default;

UnigramTokenizer UnigramTokenizer::load(const std::string& path) {
  const std::string file = resolve_tokenizer_file(path);
  if (std::filesystem::path(file).extension() == ".model") {
    return from_json(xlmr_tokenizer_json(SentencePieceModel::read(file), file), file);
  }
  return from_json(read_json_file(file), file);
}

UnigramTokenizer UnigramTokenizer::from_json(const nlohmann::json& j, const std::string& where) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->where = where;
    impl->json = j;
    if (!j.is_object() || !j.contains("model")) fail(where, "not a tokenizer.json: no 'model'");
    const auto& model = j["model"];
    const std::string type = model.value("type", "");
    if (type != "Unigram") fail(where, "model type '" + type + "' is not Unigram");
    if (model.value("byte_fallback", false)) fail(where, "Unigram byte_fallback is not supported");
    const auto& vocab = model.at("vocab");
    if (!vocab.is_array() || vocab.empty()) fail(where, "model.vocab must be a non-empty list");
    double min_score = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < vocab.size(); ++i) {
      const auto& entry = vocab[i];
      if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number()) {
        fail(where, "model.vocab[" + std::to_string(i) + "] must be [piece, score]");
      }
      impl->pieces.push_back(entry[0].get<std::string>());
      impl->scores.push_back(entry[1].get<double>());
      min_score = std::min(min_score, impl->scores.back());
      impl->piece_ids.emplace(impl->pieces.back(), static_cast<int32_t>(i));
    }
    impl->unk_score = min_score - kUnknownPenalty;
    if (model.contains("unk_id") && !model["unk_id"].is_null()) {
      const int64_t unk_id = json_int64(model["unk_id"], where, "model.unk_id");
      if (unk_id < 0 || static_cast<size_t>(unk_id) >= impl->pieces.size()) {
        fail(where, "model.unk_id is outside the vocab");
      }
      impl->unk_id = static_cast<int32_t>(unk_id);
    }
    impl->trie.build(impl->pieces);

    impl->normalizer = Normalizer::from_json(j.value("normalizer", nlohmann::json()), where);
    const auto pre = j.value("pre_tokenizer", nlohmann::json());
    if (pre.is_object() && pre.value("type", "") == "Sequence" && pre.contains("pretokenizers") &&
        pre["pretokenizers"].size() == 1) {
      impl->pre_tokenizer = Metaspace::from_json(pre["pretokenizers"][0], where);
    } else if (pre.is_object() && pre.value("type", "") == "Metaspace") {
      impl->pre_tokenizer = Metaspace::from_json(pre, where);
    } else {
      fail(where, "pre_tokenizer " + json_excerpt(pre, 200) + " is not supported (need Metaspace)");
    }
    const auto dec = j.value("decoder", nlohmann::json());
    if (dec.is_object() && dec.value("type", "") == "Metaspace") {
      impl->decoder = Metaspace::from_json(dec, where);
      impl->has_decoder = true;
    } else if (!dec.is_null()) {
      fail(where, "decoder " + json_excerpt(dec, 200) + " is not supported (need Metaspace)");
    }
    impl->wrap = SpecialTokenWrap::from_json(j.value("post_processor", nlohmann::json()), where);
    if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
      const int64_t id_limit = static_cast<int64_t>(impl->pieces.size() + j["added_tokens"].size());
      size_t index = 0;
      for (const auto& t : j["added_tokens"]) {
        const std::string here = where + ": added_tokens[" + std::to_string(index++) + "]";
        AddedToken token = AddedToken::from_json(t, here);
        check_added_token_id(token, id_limit, here);
        impl->added.add(token);
      }
    }
    Impl* raw = impl.get();
    impl->added.rebuild([raw](std::string_view s) { return raw->normalizer.apply(s); });
    return UnigramTokenizer(std::move(impl));
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("malformed tokenizer.json: ") + e.what());
  }
}

// Best segmentation by total score (Hugging Face unigram/model.rs encode_optimized).
void UnigramTokenizer::Impl::viterbi(std::string_view text, std::vector<int64_t>& out) const {
  struct Node {
    int32_t id = -1;
    double score = 0.0;
    int64_t starts_at = -1;
  };
  const size_t n = text.size();
  std::vector<Node> best(n + 1);
  size_t start = 0;
  while (start < n) {
    const double base = best[start].score;
    const size_t char_len = decode_utf8_step(text.substr(start)).length;
    bool has_single = false;
    trie.prefixes(text.substr(start), [&](int32_t id, size_t len) {
      Node& target = best[start + len];
      const double candidate = scores[static_cast<size_t>(id)] + base;
      if (target.starts_at < 0 || candidate > target.score) {
        target = {id, candidate, static_cast<int64_t>(start)};
      }
      if (len == char_len) has_single = true;
    });
    if (!has_single) {
      Node& target = best[start + char_len];
      const double candidate = unk_score + base;
      if (target.starts_at < 0 || candidate > target.score) {
        target = {unk_id, candidate, static_cast<int64_t>(start)};
      }
    }
    start += char_len;
  }
  // Walk back; runs of unknown pieces fuse into one token (looked up again, as HF does).
  std::vector<std::pair<size_t, size_t>> spans;  // (begin, end), reversed
  std::vector<int32_t> ids;
  size_t end = n;
  size_t unk_end = 0;
  bool in_unk = false;
  auto flush_unk = [&](size_t begin) {
    if (!in_unk) return;
    const std::string fused(text.substr(begin, unk_end - begin));
    auto it = piece_ids.find(fused);
    ids.push_back(it != piece_ids.end() ? it->second : unk_id);
    in_unk = false;
  };
  size_t unk_begin = 0;
  while (end > 0) {
    const Node& node = best[end];
    const auto begin = static_cast<size_t>(node.starts_at);
    if (unk_id >= 0 && node.id == unk_id) {
      if (!in_unk) {
        in_unk = true;
        unk_end = end;
      }
      unk_begin = begin;
    } else {
      flush_unk(unk_begin);
      ids.push_back(node.id);
    }
    end = begin;
  }
  flush_unk(unk_begin);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) out.push_back(*it);
}

void UnigramTokenizer::Impl::encode_normalized(std::string_view normalized, bool at_start,
                                               std::vector<int64_t>& out) const {
  if (normalized.empty()) return;
  // Metaspace: spaces become the replacement, which is prepended, then split before each one.
  const std::string& rep = pre_tokenizer.replacement;
  std::string text;
  text.reserve(normalized.size() + rep.size() * 4);
  const bool prepend = pre_tokenizer.prepend == PrependScheme::kAlways ||
                       (pre_tokenizer.prepend == PrependScheme::kFirst && at_start);
  if (prepend && normalized.compare(0, rep.size(), rep) != 0 && normalized[0] != ' ') text += rep;
  for (char c : normalized) {
    if (c == ' ') {
      text += rep;
    } else {
      text += c;
    }
  }
  if (!pre_tokenizer.split) {
    viterbi(text, out);
    return;
  }
  size_t piece_begin = 0;
  size_t pos = text.find(rep, rep.size() > 0 ? 1 : 0);
  while (pos != std::string::npos) {
    if (pos > piece_begin) viterbi(std::string_view(text).substr(piece_begin, pos - piece_begin), out);
    piece_begin = pos;
    pos = text.find(rep, pos + rep.size());
  }
  if (piece_begin < text.size()) viterbi(std::string_view(text).substr(piece_begin), out);
}

void UnigramTokenizer::Impl::encode_model_text(std::string_view text, bool at_start, std::vector<int64_t>& out) const {
  const std::string normalized = normalizer.apply(text);
  if (!added.has_normalized_tokens()) {
    encode_normalized(normalized, at_start, out);
    return;
  }
  std::vector<TextSpan> spans;
  added.split_normalized(normalized, spans);
  for (const auto& span : spans) {
    if (span.token_id >= 0) {
      out.push_back(span.token_id);
    } else {
      encode_normalized(std::string_view(normalized).substr(span.begin, span.end - span.begin),
                        at_start && span.begin == 0, out);
    }
  }
}

std::vector<int64_t> UnigramTokenizer::encode_plain(std::string_view input) const {
  std::string repaired;
  std::string_view text = input;
  if (!is_valid_utf8(input)) {
    repaired = to_valid_utf8(input);
    text = repaired;
  }
  std::vector<int64_t> out;
  std::vector<TextSpan> spans;
  impl_->added.split_raw(text, spans);
  for (const auto& span : spans) {
    if (span.token_id >= 0) {
      out.push_back(span.token_id);
    } else {
      impl_->encode_model_text(text.substr(span.begin, span.end - span.begin), span.begin == 0, out);
    }
  }
  return out;
}

std::vector<int64_t> UnigramTokenizer::encode(std::string_view text, size_t max_length) const {
  std::vector<int64_t> body = encode_plain(text);
  const auto& wrap = impl_->wrap;
  if (max_length > 0) {
    if (max_length < wrap.added_count()) {
      fail("encode", "max_length " + std::to_string(max_length) + " cannot hold the " +
                         std::to_string(wrap.added_count()) + " special tokens");
    }
    body.resize(std::min(body.size(), max_length - wrap.added_count()));
  }
  std::vector<int64_t> out;
  out.reserve(body.size() + wrap.added_count());
  out.insert(out.end(), wrap.prefix.begin(), wrap.prefix.end());
  out.insert(out.end(), body.begin(), body.end());
  out.insert(out.end(), wrap.suffix.begin(), wrap.suffix.end());
  return out;
}

std::string UnigramTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  for (int64_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= vocab_size()) continue;
    if (skip_special_tokens && is_special(id)) continue;
    tokens.push_back(id_to_token(id));
  }
  std::string out;
  const Metaspace& m = impl_->decoder;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (!impl_->has_decoder) {
      if (i > 0) out += ' ';
      out += token;
      continue;
    }
    // Every replacement becomes a space, except in the first token when a prefix was prepended.
    size_t pos = 0;
    while (pos < token.size()) {
      if (token.compare(pos, m.replacement.size(), m.replacement) == 0) {
        if (!(i == 0 && m.prepend != PrependScheme::kNever)) out += ' ';
        pos += m.replacement.size();
      } else {
        out += token[pos++];
      }
    }
  }
  return out;
}

int64_t UnigramTokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* t = impl_->added.find_content(token)) return t->id;
  auto it = impl_->piece_ids.find(std::string(token));
  return it == impl_->piece_ids.end() ? -1 : it->second;
}

std::string UnigramTokenizer::id_to_token(int64_t id) const {
  if (id < 0 || id > INT32_MAX) return {};
  if (const AddedToken* t = impl_->added.find_id(static_cast<int32_t>(id))) return t->content;
  return static_cast<size_t>(id) < impl_->pieces.size() ? impl_->pieces[static_cast<size_t>(id)] : std::string();
}

bool UnigramTokenizer::is_special(int64_t id) const {
  if (id < 0 || id > INT32_MAX) return false;
  const AddedToken* t = impl_->added.find_id(static_cast<int32_t>(id));
  return t != nullptr && t->special;
}

size_t UnigramTokenizer::vocab_size() const {
  return std::max<size_t>(impl_->pieces.size(), static_cast<size_t>(impl_->added.max_id() + 1));
}

size_t UnigramTokenizer::special_tokens_added() const { return impl_->wrap.added_count(); }

const nlohmann::json& UnigramTokenizer::to_json() const { return impl_->json; }

void UnigramTokenizer::save(const std::string& path) const { write_file_atomic(path, impl_->json.dump(2) + "\n"); }

}  // namespace dep
