// Reads a sentencepiece ModelProto (`sentencepiece.bpe.model`) with a small protobuf wire-format
// reader, so no process links libsentencepiece (its embedded protobuf clashes with Debian's
// LibTorch), and converts a Unigram model to the tokenizer.json transformers' XLMRobertaConverter
// writes (fairseq ids; normalizer Precompiled + Replace(" {2,}" → "▁"), the layout of bge-m3's hub file).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dep {

struct SentencePieceModel {
  struct Piece {
    std::string piece;
    float score = 0.0f;
    int type = 1;  // 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte
  };
  std::vector<Piece> pieces;
  int model_type = 1;  // 1 unigram, 2 bpe, 3 word, 4 char
  bool byte_fallback = false;
  int unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
  std::string precompiled_charsmap;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;

  static SentencePieceModel read(const std::string& path);
};

// XLM-RoBERTa layout: <s> <pad> </s> <unk>, pieces[3:], <mask>. A model that is not Unigram or
// whose first pieces are not <unk> <s> </s> is a dep::Error naming `where`.
nlohmann::json xlmr_tokenizer_json(const SentencePieceModel& model, const std::string& where);

}  // namespace dep
