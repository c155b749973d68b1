// Byte-level BPE tokenizer: tokenizer.json loading and validation, the encode pipeline, decoding,
// run-time special tokens and saving.
#include "dep/text/bpe_tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "bpe_model.h"
#include "dep/text/added_vocabulary.h"
#include "dep/core/atomic_file.h"
#include "dep/text/byte_level.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/text/normalizer.h"
#include "dep/text/tokenizer_regex.h"
#include "dep/text/utf8.h"

namespace dep {

namespace {

// GPT-2's pattern, used by ByteLevel(use_regex=true).
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string escape_regex(const std::string& literal) {
  std::string out;
  for (char c : literal) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u)) out += '\\';
    out += c;
  }
  return out;
}

std::string type_of(const nlohmann::json& j) {
  if (!j.is_object()) return "";
  auto it = j.find("type");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool null_or_empty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty());
}

void check_byte_level(const nlohmann::json& j, const std::string& where, bool regex_allowed) {
  if (j.value("add_prefix_space", false)) fail(where, "ByteLevel with add_prefix_space=true is not supported");
  if (!regex_allowed && j.value("use_regex", true)) {
    fail(where, "ByteLevel with use_regex=true after a Split is not supported");
  }
}

}  // namespace

struct BpeTokenizer::Impl {
  std::string where;
  // Model.
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::string> id_to_token;  // model ids; "" for holes
  std::vector<std::pair<int32_t, int32_t>> merges;  // by rank
  bpe::MergeTable merge_table;
  std::array<int32_t, 256> byte_ids{};
  bool ignore_merges = false;
  // Pipeline.
  Normalizer normalizer;
  std::unique_ptr<TokenizerRegex> split_regex;
  AddedVocabulary added;
  // Decoding: bytes of every id (model and added), in one arena.
  std::string decode_arena;
  std::vector<uint32_t> decode_offsets;  // size = vocab_size + 1
  std::vector<uint8_t> special;         // per id
  // Kept verbatim for save().
  nlohmann::json normalizer_json, pre_tokenizer_json, post_processor_json, decoder_json, truncation_json,
      padding_json, model_json;
  // Word cache shared by single-threaded callers; a concurrent caller uses its own.
  mutable std::mutex cache_mutex;
  mutable bpe::WordCache cache;

  struct Scratch {
    std::vector<int32_t> symbols;
    bpe::MergeScratch merge;
    std::vector<TextSpan> spans, inner_spans;
  };

  size_t total_size() const { return decode_offsets.size() - 1; }

  void rebuild_added_and_decoder();
  void encode_pieces(std::string_view text, std::vector<int64_t>& out, bpe::WordCache& cache, Scratch& scratch) const;
  void encode_model_text(std::string_view text, std::vector<int64_t>& out, bpe::WordCache& cache,
                         Scratch& scratch) const;
  void encode_all(std::string_view text, std::vector<int64_t>& out, bpe::WordCache& cache, Scratch& scratch) const;
  std::string_view bytes_of(int64_t id) const {
    return std::string_view(decode_arena).substr(decode_offsets[static_cast<size_t>(id)],
                                                 decode_offsets[static_cast<size_t>(id) + 1] -
                                                     decode_offsets[static_cast<size_t>(id)]);
  }
};

void BpeTokenizer::Impl::rebuild_added_and_decoder() {
  added.rebuild([this](std::string_view s) { return normalizer.apply(s); });
  int64_t size = static_cast<int64_t>(id_to_token.size());
  size = std::max<int64_t>(size, added.max_id() + 1);
  const auto& alphabet = ByteLevelAlphabet::get();
  decode_arena.clear();
  decode_offsets.assign(static_cast<size_t>(size) + 1, 0);
  special.assign(static_cast<size_t>(size), 0);
  for (int64_t id = 0; id < size; ++id) {
    decode_offsets[static_cast<size_t>(id)] = static_cast<uint32_t>(decode_arena.size());
    // Hugging Face runs added-token contents through the ByteLevel decoder too.
    if (const AddedToken* t = added.find_id(static_cast<int32_t>(id))) {
      decode_arena += alphabet.decode(t->content);
      special[static_cast<size_t>(id)] = t->special ? 1 : 0;
    } else if (id < static_cast<int64_t>(id_to_token.size())) {
      decode_arena += alphabet.decode(id_to_token[static_cast<size_t>(id)]);
    }
  }
  decode_offsets[static_cast<size_t>(size)] = static_cast<uint32_t>(decode_arena.size());
}

BpeTokenizer::BpeTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpeTokenizer::BpeTokenizer(BpeTokenizer&&) noexcept = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&&) noexcept = default;
BpeTokenizer::~BpeTokenizer() = default;

BpeTokenizer BpeTokenizer::load(const std::string& path) {
  namespace fs = std::filesystem;
  std::string file = path;
  const bool is_dir = fs::is_directory(path);
  if (is_dir) file = (fs::path(path) / "tokenizer.json").string();
  if (!fs::exists(file)) fail(file, "no such tokenizer file");
  BpeTokenizer tok = from_json(read_json_file(file), file);
  // transformers also adds the tokens of tokenizer_config.json's added_tokens_decoder that the
  // tokenizer.json lacks.
  const fs::path config = fs::path(is_dir ? path : fs::path(file).parent_path().string()) / "tokenizer_config.json";
  if (fs::exists(config)) {
    const auto j = read_json_file(config.string());
    if (j.is_object() && j.contains("added_tokens_decoder") && j["added_tokens_decoder"].is_object()) {
      bool changed = false;
      for (auto it = j["added_tokens_decoder"].begin(); it != j["added_tokens_decoder"].end(); ++it) {
        const std::string where = config.string() + ": added_tokens_decoder." + it.key();
        nlohmann::json entry = it.value();
        try {
          entry["id"] = std::stoi(it.key());
        } catch (const std::exception&) {
          fail(where, "the key must be a token id");
        }
        AddedToken token = AddedToken::from_json(entry, where);
        if (tok.impl_->added.find_id(token.id) != nullptr) continue;
        if (token.id < static_cast<int32_t>(tok.impl_->id_to_token.size()) &&
            tok.impl_->id_to_token[static_cast<size_t>(token.id)] != token.content) {
          fail(where, "id " + std::to_string(token.id) + " is '" + tok.impl_->id_to_token[static_cast<size_t>(token.id)] +
                          "' in tokenizer.json, not '" + token.content + "'");
        }
        tok.impl_->added.add(token);
        changed = true;
      }
      if (changed) tok.impl_->rebuild_added_and_decoder();
    }
  }
  return tok;
}

BpeTokenizer BpeTokenizer::from_json(const nlohmann::json& j, const std::string& where) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->where = where;
    if (!j.is_object() || !j.contains("model")) fail(where, "not a tokenizer.json: no 'model'");
    const auto& model = j["model"];
    const std::string model_type = type_of(model);
    if (model_type != "BPE") {
      fail(where, "model type '" + (model_type.empty() ? std::string("(none)") : model_type) +
                      "' is not byte-level BPE");
    }
    if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"].get<double>() != 0.0) {
      fail(where, "BPE dropout is not supported");
    }
    if (!null_or_empty(model, "unk_token")) fail(where, "BPE with an unk_token is not supported (byte-level BPE has none)");
    if (!null_or_empty(model, "continuing_subword_prefix") || !null_or_empty(model, "end_of_word_suffix")) {
      fail(where, "BPE with continuing_subword_prefix/end_of_word_suffix is not supported");
    }
    if (model.value("byte_fallback", false)) fail(where, "BPE byte_fallback is not supported");
    impl->ignore_merges = model.value("ignore_merges", false);

    // Pipeline: normalizer, Split(regex, Isolated) + ByteLevel, ByteLevel decoder.
    impl->normalizer_json = j.value("normalizer", nlohmann::json());
    impl->normalizer = Normalizer::from_json(impl->normalizer_json, where);
    impl->pre_tokenizer_json = j.value("pre_tokenizer", nlohmann::json());
    const auto& pre = impl->pre_tokenizer_json;
    const std::string pre_type = type_of(pre);
    std::string pattern;
    if (pre_type == "ByteLevel") {
      check_byte_level(pre, where + ": pre_tokenizer", true);
      if (!pre.value("use_regex", true)) fail(where, "ByteLevel pre_tokenizer without a split regex is not supported");
      pattern = kGpt2Pattern;
    } else if (pre_type == "Sequence") {
      const auto& steps = pre.at("pretokenizers");
      if (steps.size() != 2 || type_of(steps[0]) != "Split" || type_of(steps[1]) != "ByteLevel") {
        fail(where, "pre_tokenizer: only Sequence[Split, ByteLevel] is supported, got " + pre.dump().substr(0, 200));
      }
      const auto& split = steps[0];
      if (split.value("behavior", "") != "Isolated") {
        fail(where, "pre_tokenizer Split behavior '" + split.value("behavior", "") + "' is not supported (only Isolated)");
      }
      if (split.value("invert", false)) fail(where, "pre_tokenizer Split with invert=true is not supported");
      const auto& p = split.at("pattern");
      if (p.contains("Regex")) {
        pattern = p["Regex"].get<std::string>();
      } else if (p.contains("String")) {
        pattern = escape_regex(p["String"].get<std::string>());
      } else {
        fail(where, "pre_tokenizer Split pattern must be Regex or String");
      }
      check_byte_level(steps[1], where + ": pre_tokenizer", false);
    } else {
      fail(where, "pre_tokenizer '" + (pre_type.empty() ? pre.dump() : pre_type) +
                      "' is not supported (byte-level BPE needs ByteLevel or Sequence[Split, ByteLevel])");
    }
    impl->split_regex = std::make_unique<TokenizerRegex>(pattern, where + ": pre_tokenizer");
    impl->decoder_json = j.value("decoder", nlohmann::json());
    if (type_of(impl->decoder_json) != "ByteLevel") {
      fail(where, "decoder '" + json_excerpt(impl->decoder_json) + "' is not supported (need ByteLevel)");
    }
    impl->post_processor_json = j.value("post_processor", nlohmann::json());
    const std::string post_type = type_of(impl->post_processor_json);
    if (!impl->post_processor_json.is_null() && post_type != "ByteLevel") {
      fail(where, "post_processor '" + post_type + "' is not supported (byte-level BPE adds no tokens)");
    }
    impl->truncation_json = j.value("truncation", nlohmann::json());
    impl->padding_json = j.value("padding", nlohmann::json());

    // Vocab.
    const auto& vocab = model.at("vocab");
    if (!vocab.is_object()) fail(where, "model.vocab must be an object");
    impl->vocab.reserve(vocab.size() * 2);
    int32_t max_id = -1;
    // Ids index a table: one far beyond the number of tokens (10^9) would allocate gigabytes.
    const size_t added_count = j.contains("added_tokens") && j["added_tokens"].is_array() ? j["added_tokens"].size() : 0;
    const int64_t id_limit = static_cast<int64_t>(vocab.size() + added_count);
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      if (!it.value().is_number_integer()) {
        fail(where, "model.vocab['" + text_excerpt(it.key()) + "'] is not an integer id");
      }
      const auto id = it.value().is_number_unsigned() && it.value().get<uint64_t>() > INT32_MAX
                          ? int64_t{-1}
                          : it.value().get<int64_t>();
      if (id < 0 || id >= id_limit) {
        fail(where, "model.vocab['" + text_excerpt(it.key()) + "'] has id " + json_excerpt(it.value()) +
                        ", outside [0, " + std::to_string(id_limit) + ") for " + std::to_string(vocab.size()) +
                        " tokens and " + std::to_string(added_count) + " added tokens");
      }
      impl->vocab.emplace(it.key(), static_cast<int32_t>(id));
      max_id = std::max(max_id, static_cast<int32_t>(id));
    }
    impl->id_to_token.assign(static_cast<size_t>(max_id + 1), std::string());
    for (const auto& [token, id] : impl->vocab) impl->id_to_token[static_cast<size_t>(id)] = token;
    const auto& alphabet = ByteLevelAlphabet::get();
    for (int b = 0; b < 256; ++b) {
      auto it = impl->vocab.find(alphabet.spelling_of(static_cast<unsigned char>(b)));
      if (it == impl->vocab.end()) {
        fail(where, "model.vocab lacks the byte-level character for byte " + std::to_string(b) +
                        " (not a byte-level BPE vocabulary)");
      }
      impl->byte_ids[static_cast<size_t>(b)] = it->second;
    }

    // Merges: "a b" strings (tokenizers < 0.20) or ["a", "b"] pairs.
    const auto& merges = model.at("merges");
    if (!merges.is_array()) fail(where, "model.merges must be a list");
    impl->merges.reserve(merges.size());
    impl->merge_table.reserve(merges.size());
    std::string left, right;
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const auto& m = merges[rank];
      const std::string here = where + ": model.merges[" + std::to_string(rank) + "]";
      if (m.is_string()) {
        const std::string& s = m.get_ref<const std::string&>();
        const size_t space = s.find(' ');
        if (space == std::string::npos) fail(here, "merge '" + s + "' is not 'left right'");
        left = s.substr(0, space);
        right = s.substr(space + 1);
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        left = m[0].get<std::string>();
        right = m[1].get<std::string>();
      } else {
        fail(here, "a merge must be \"left right\" or [\"left\", \"right\"]");
      }
      auto l = impl->vocab.find(left);
      auto r = impl->vocab.find(right);
      if (l == impl->vocab.end()) fail(here, "merge part '" + left + "' is not in the vocab");
      if (r == impl->vocab.end()) fail(here, "merge part '" + right + "' is not in the vocab");
      auto merged = impl->vocab.find(left + right);
      if (merged == impl->vocab.end()) {
        fail(here, "the result '" + left + right + "' of merge '" + left + " " + right + "' is not in the vocab");
      }
      impl->merges.emplace_back(l->second, r->second);
      impl->merge_table.insert(l->second, r->second, static_cast<int32_t>(rank), merged->second);
    }
    impl->model_json = nlohmann::json::object();
    for (auto it = model.begin(); it != model.end(); ++it) {
      if (it.key() != "vocab" && it.key() != "merges") impl->model_json[it.key()] = it.value();
    }

    // Added tokens.
    if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
      size_t index = 0;
      for (const auto& t : j["added_tokens"]) {
        const std::string here = where + ": added_tokens[" + std::to_string(index++) + "]";
        AddedToken token = AddedToken::from_json(t, here);
        check_added_token_id(token, id_limit, here);
        impl->added.add(token);
      }
    }
    impl->rebuild_added_and_decoder();
    return BpeTokenizer(std::move(impl));
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("malformed tokenizer.json: ") + e.what());
  }
}

void BpeTokenizer::Impl::encode_pieces(std::string_view text, std::vector<int64_t>& out, bpe::WordCache& word_cache,
                                       Scratch& scratch) const {
  if (text.empty()) return;
  TokenizerRegex::Matcher matcher(*split_regex);
  auto emit_piece = [&](std::string_view piece) {
    if (piece.size() == 1) {
      out.push_back(byte_ids[static_cast<unsigned char>(piece[0])]);
      return;
    }
    if (word_cache.find(piece, out)) return;
    auto& symbols = scratch.symbols;
    symbols.clear();
    bool whole = false;
    if (ignore_merges) {
      auto it = vocab.find(ByteLevelAlphabet::get().encode(piece));
      if (it != vocab.end()) {
        symbols.push_back(it->second);
        whole = true;
      }
    }
    if (!whole) {
      for (unsigned char b : piece) symbols.push_back(byte_ids[b]);
      bpe::merge_word(merge_table, symbols, scratch.merge);
    }
    word_cache.insert(piece, symbols.data(), symbols.size());
    out.insert(out.end(), symbols.begin(), symbols.end());
  };
  // Isolated: every match is a piece, and so is any text between matches.
  size_t pos = 0, begin = 0, end = 0;
  while (pos < text.size() && matcher.find(text, pos, begin, end)) {
    if (begin > pos) emit_piece(text.substr(pos, begin - pos));
    if (end == begin) {  // empty match: no piece; step over one character
      end = begin + decode_utf8_step(text.substr(begin)).length;
      emit_piece(text.substr(begin, end - begin));
    } else {
      emit_piece(text.substr(begin, end - begin));
    }
    pos = end;
  }
  if (pos < text.size()) emit_piece(text.substr(pos));
}

void BpeTokenizer::Impl::encode_model_text(std::string_view text, std::vector<int64_t>& out,
                                           bpe::WordCache& word_cache, Scratch& scratch) const {
  const std::string normalized = normalizer.apply(text);
  if (!added.has_normalized_tokens()) {
    encode_pieces(normalized, out, word_cache, scratch);
    return;
  }
  std::vector<TextSpan> spans;
  added.split_normalized(normalized, spans);
  for (const auto& span : spans) {
    if (span.token_id >= 0) {
      out.push_back(span.token_id);
    } else {
      encode_pieces(std::string_view(normalized).substr(span.begin, span.end - span.begin), out, word_cache, scratch);
    }
  }
}

void BpeTokenizer::Impl::encode_all(std::string_view input, std::vector<int64_t>& out, bpe::WordCache& word_cache,
                                    Scratch& scratch) const {
  std::string repaired;
  std::string_view text = input;
  if (!is_valid_utf8(input)) {
    repaired = to_valid_utf8(input);
    text = repaired;
  }
  auto& spans = scratch.spans;
  spans.clear();
  added.split_raw(text, spans);
  for (const auto& span : spans) {
    if (span.token_id >= 0) {
      out.push_back(span.token_id);
    } else {
      encode_model_text(text.substr(span.begin, span.end - span.begin), out, word_cache, scratch);
    }
  }
}

std::vector<int64_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> out;
  encode_into(text, out);
  return out;
}

std::vector<int64_t> BpeTokenizer::encode(std::string_view text, size_t max_length) const {
  std::vector<int64_t> out = encode(text);
  if (max_length > 0 && out.size() > max_length) out.resize(max_length);
  return out;
}

void BpeTokenizer::encode_into(std::string_view text, std::vector<int64_t>& out) const {
  thread_local Impl::Scratch scratch;
  std::unique_lock<std::mutex> lock(impl_->cache_mutex, std::try_to_lock);
  if (lock.owns_lock()) {
    impl_->encode_all(text, out, impl_->cache, scratch);
  } else {
    bpe::WordCache local(1 << 10);
    impl_->encode_all(text, out, local, scratch);
  }
}

std::vector<std::vector<int64_t>> BpeTokenizer::encode_batch(const std::vector<std::string>& texts,
                                                             size_t threads) const {
  std::vector<std::vector<int64_t>> out(texts.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<size_t>(1, texts.size()));
  if (threads <= 1) {
    for (size_t i = 0; i < texts.size(); ++i) encode_into(texts[i], out[i]);
    return out;
  }
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> errors(threads);
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        bpe::WordCache cache;
        Impl::Scratch scratch;
        for (size_t i = t; i < texts.size(); i += threads) impl_->encode_all(texts[i], out[i], cache, scratch);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& w : workers) w.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return out;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::string bytes;
  const auto size = static_cast<int64_t>(impl_->total_size());
  for (int64_t id : ids) {
    if (id < 0 || id >= size) continue;
    if (skip_special_tokens && impl_->special[static_cast<size_t>(id)]) continue;
    bytes += impl_->bytes_of(id);
  }
  return to_valid_utf8(bytes);
}

BpeTokenizer::StreamDecoder::StreamDecoder(const BpeTokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(&tokenizer), skip_special_(skip_special_tokens) {}

std::string BpeTokenizer::StreamDecoder::push(int64_t id) {
  const auto& impl = *tokenizer_->impl_;
  if (id < 0 || id >= static_cast<int64_t>(impl.total_size())) return {};
  if (skip_special_ && impl.special[static_cast<size_t>(id)]) return {};
  return buffer_.push(impl.bytes_of(id));
}

std::string BpeTokenizer::StreamDecoder::finish() { return buffer_.finish(); }

std::vector<int64_t> BpeTokenizer::add_special_tokens(const std::vector<std::string>& contents) {
  std::vector<int64_t> ids;
  for (const auto& content : contents) {
    if (content.empty()) fail("add_special_tokens", "an added token cannot be empty");
    AddedToken token;
    token.content = content;
    token.special = true;
    token.normalized = false;
    if (const AddedToken* existing = impl_->added.find_content(content)) {
      token.id = existing->id;
    } else if (auto it = impl_->vocab.find(content); it != impl_->vocab.end()) {
      token.id = it->second;
    } else {
      const auto model_size = static_cast<int32_t>(impl_->id_to_token.size());
      token.id = std::max(model_size, impl_->added.max_id() + 1);
    }
    impl_->added.add(token);
    ids.push_back(token.id);
  }
  impl_->rebuild_added_and_decoder();
  return ids;
}

void BpeTokenizer::save(const std::string& path) const {
  const auto& impl = *impl_;
  // Written by hand around nlohmann pieces: an ordered 151k-key object would be quadratic.
  auto str = [](const std::string& s) { return nlohmann::json(s).dump(); };
  std::string out;
  out.reserve(impl.id_to_token.size() * 40);
  out += "{\n  \"version\": \"1.0\",\n  \"truncation\": " + impl.truncation_json.dump();
  out += ",\n  \"padding\": " + impl.padding_json.dump() + ",\n  \"added_tokens\": [";
  std::vector<const AddedToken*> added;
  for (const auto& t : impl.added.tokens()) added.push_back(&t);
  std::sort(added.begin(), added.end(), [](const AddedToken* a, const AddedToken* b) { return a->id < b->id; });
  for (size_t i = 0; i < added.size(); ++i) out += (i ? ",\n    " : "\n    ") + added[i]->to_json().dump();
  out += "\n  ],\n  \"normalizer\": " + impl.normalizer_json.dump();
  out += ",\n  \"pre_tokenizer\": " + impl.pre_tokenizer_json.dump();
  out += ",\n  \"post_processor\": " + impl.post_processor_json.dump();
  out += ",\n  \"decoder\": " + impl.decoder_json.dump();
  out += ",\n  \"model\": {";
  for (auto it = impl.model_json.begin(); it != impl.model_json.end(); ++it) {
    out += "\n    " + str(it.key()) + ": " + it.value().dump() + ",";
  }
  out += "\n    \"vocab\": {";
  bool first = true;
  for (size_t id = 0; id < impl.id_to_token.size(); ++id) {
    if (impl.id_to_token[id].empty()) continue;
    out += first ? "\n      " : ",\n      ";
    first = false;
    out += str(impl.id_to_token[id]) + ": " + std::to_string(id);
  }
  out += "\n    },\n    \"merges\": [";
  for (size_t i = 0; i < impl.merges.size(); ++i) {
    out += i ? ",\n      [" : "\n      [";
    out += str(impl.id_to_token[static_cast<size_t>(impl.merges[i].first)]) + ", " +
           str(impl.id_to_token[static_cast<size_t>(impl.merges[i].second)]) + "]";
  }
  out += "\n    ]\n  }\n}\n";
  write_file_atomic(path, out);
}

int64_t BpeTokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* t = impl_->added.find_content(token)) return t->id;
  auto it = impl_->vocab.find(std::string(token));
  return it == impl_->vocab.end() ? -1 : it->second;
}

std::string BpeTokenizer::id_to_token(int64_t id) const {
  if (id < 0 || id > INT32_MAX) return {};
  if (const AddedToken* t = impl_->added.find_id(static_cast<int32_t>(id))) return t->content;
  if (id < static_cast<int64_t>(impl_->id_to_token.size())) return impl_->id_to_token[static_cast<size_t>(id)];
  return {};
}

bool BpeTokenizer::is_special(int64_t id) const {
  return id >= 0 && id < static_cast<int64_t>(impl_->total_size()) && impl_->special[static_cast<size_t>(id)];
}

size_t BpeTokenizer::vocab_size() const { return impl_->total_size(); }

}  // namespace dep
