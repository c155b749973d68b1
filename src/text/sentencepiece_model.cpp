// sentencepiece ModelProto reader (protobuf wire format, the fields of sentencepiece_model.proto
// that tokenization needs) and its conversion to the XLM-RoBERTa tokenizer.json layout.
#include "dep/text/sentencepiece_model.h"

#include <cstring>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"

namespace dep {

namespace {

// Minimal protobuf reader: varints, fixed32/64 and length-delimited fields.
class WireReader {
 public:
  WireReader(std::string_view data, std::string where) : data_(data), where_(std::move(where)) {}
  bool done() const { return pos_ >= data_.size(); }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) fail(where_, "truncated protobuf varint at byte " + std::to_string(pos_));
      const auto b = static_cast<unsigned char>(data_[pos_++]);
      value |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return value;
    }
    fail(where_, "protobuf varint longer than 10 bytes");
  }
  std::string_view bytes() {
    const uint64_t n = varint();
    if (n > data_.size() - pos_) fail(where_, "protobuf field runs past the end of the file");
    const std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  float fixed32_float() {
    if (data_.size() - pos_ < 4) fail(where_, "truncated protobuf fixed32");
    float f = 0;
    std::memcpy(&f, data_.data() + pos_, 4);
    pos_ += 4;
    return f;
  }
  void skip(int wire_type) {
    switch (wire_type) {
      case 0: varint(); break;
      case 1:
        if (data_.size() - pos_ < 8) fail(where_, "truncated protobuf fixed64");
        pos_ += 8;
        break;
      case 2: bytes(); break;
      case 5:
        if (data_.size() - pos_ < 4) fail(where_, "truncated protobuf fixed32");
        pos_ += 4;
        break;
      default: fail(where_, "unsupported protobuf wire type " + std::to_string(wire_type));
    }
  }

 private:
  std::string_view data_;
  std::string where_;
  size_t pos_ = 0;
};

template <class OnField>
void for_each_field(std::string_view message, const std::string& where, OnField on_field) {
  WireReader reader(message, where);
  while (!reader.done()) {
    const uint64_t tag = reader.varint();
    on_field(static_cast<int>(tag >> 3), static_cast<int>(tag & 7), reader);
  }
}

}  // namespace

SentencePieceModel SentencePieceModel::read(const std::string& path) {
  const std::string data = read_file(path);
  SentencePieceModel model;
  for_each_field(data, path, [&](int field, int wire, WireReader& r) {
    if (field == 1 && wire == 2) {
      Piece piece;
      for_each_field(r.bytes(), path, [&](int f, int w, WireReader& pr) {
        if (f == 1 && w == 2) {
          piece.piece = std::string(pr.bytes());
        } else if (f == 2 && w == 5) {
          piece.score = pr.fixed32_float();
        } else if (f == 3 && w == 0) {
          piece.type = static_cast<int>(pr.varint());
        } else {
          pr.skip(w);
        }
      });
      model.pieces.push_back(std::move(piece));
    } else if (field == 2 && wire == 2) {
      for_each_field(r.bytes(), path, [&](int f, int w, WireReader& tr) {
        if (w != 0) return tr.skip(w);
        const auto v = static_cast<int64_t>(tr.varint());
        if (f == 3) model.model_type = static_cast<int>(v);
        if (f == 35) model.byte_fallback = v != 0;
        if (f == 40) model.unk_id = static_cast<int>(v);
        if (f == 41) model.bos_id = static_cast<int>(v);
        if (f == 42) model.eos_id = static_cast<int>(v);
        if (f == 43) model.pad_id = static_cast<int>(static_cast<int32_t>(v));
      });
    } else if (field == 3 && wire == 2) {
      for_each_field(r.bytes(), path, [&](int f, int w, WireReader& nr) {
        if (f == 2 && w == 2) {
          model.precompiled_charsmap = std::string(nr.bytes());
        } else if (f == 3 && w == 0) {
          model.add_dummy_prefix = nr.varint() != 0;
        } else if (f == 4 && w == 0) {
          model.remove_extra_whitespaces = nr.varint() != 0;
        } else {
          nr.skip(w);
        }
      });
    } else {
      r.skip(wire);
    }
  });
  if (model.pieces.empty()) fail(path, "not a sentencepiece model: no pieces");
  return model;
}

namespace {

std::string base64_encode(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

nlohmann::json special(int id, const char* content, bool lstrip) {
  return {{"id", id},          {"content", content},   {"single_word", false}, {"lstrip", lstrip},
          {"rstrip", false},   {"normalized", false},  {"special", true}};
}

}  // namespace

nlohmann::json xlmr_tokenizer_json(const SentencePieceModel& model, const std::string& where) {
  if (model.model_type != 1) {
    fail(where, "sentencepiece model type " + std::to_string(model.model_type) + " is not Unigram (1)");
  }
  if (model.byte_fallback) fail(where, "sentencepiece byte_fallback is not supported");
  if (model.pieces.size() < 3 || model.unk_id != 0 || model.bos_id != 1 || model.eos_id != 2) {
    fail(where, "not the XLM-RoBERTa layout: pieces 0, 1, 2 must be <unk>, <s>, </s>");
  }
  nlohmann::json vocab = nlohmann::json::array();
  for (const char* s : {"<s>", "<pad>", "</s>", "<unk>"}) vocab.push_back(nlohmann::json::array({s, 0.0}));
  for (size_t i = 3; i < model.pieces.size(); ++i) {
    vocab.push_back(nlohmann::json::array({model.pieces[i].piece, static_cast<double>(model.pieces[i].score)}));
  }
  vocab.push_back(nlohmann::json::array({"<mask>", 0.0}));
  const int mask_id = static_cast<int>(vocab.size()) - 1;

  nlohmann::json normalizers = nlohmann::json::array();
  if (!model.precompiled_charsmap.empty()) {
    normalizers.push_back({{"type", "Precompiled"}, {"precompiled_charsmap", base64_encode(model.precompiled_charsmap)}});
  }
  if (model.remove_extra_whitespaces) {
    normalizers.push_back({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", "\u2581"}});
  }
  const std::string scheme = model.add_dummy_prefix ? "always" : "never";
  const nlohmann::json metaspace = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme},
                                    {"split", true}};
  auto special_ref = [](const char* name) {
    return nlohmann::json{{"SpecialToken", {{"id", name}, {"type_id", 0}}}};
  };
  const nlohmann::json seq_a = {{"Sequence", {{"id", "A"}, {"type_id", 0}}}};
  const nlohmann::json seq_b = {{"Sequence", {{"id", "B"}, {"type_id", 0}}}};
  nlohmann::json post = {
      {"type", "TemplateProcessing"},
      {"single", {special_ref("<s>"), seq_a, special_ref("</s>")}},
      {"pair", {special_ref("<s>"), seq_a, special_ref("</s>"), special_ref("</s>"), seq_b, special_ref("</s>")}},
      {"special_tokens",
       {{"<s>", {{"id", "<s>"}, {"ids", {0}}, {"tokens", {"<s>"}}}},
        {"</s>", {{"id", "</s>"}, {"ids", {2}}, {"tokens", {"</s>"}}}}}}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens",
           {special(0, "<s>", false), special(1, "<pad>", false), special(2, "</s>", false),
            special(3, "<unk>", false), special(mask_id, "<mask>", true)}},
          {"normalizer", {{"type", "Sequence"}, {"normalizers", normalizers}}},
          {"pre_tokenizer", metaspace},
          {"post_processor", post},
          {"decoder", metaspace},
          {"model", {{"type", "Unigram"}, {"unk_id", 3}, {"vocab", vocab}, {"byte_fallback", false}}}};
}

}  // namespace dep
