// Picks BpeTokenizer or UnigramTokenizer for a path and wraps it in the common interface.
#include "dep/text/tokenizer.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "dep/text/bpe_tokenizer.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/text/sentencepiece_model.h"
#include "dep/text/unigram_tokenizer.h"

namespace dep {

namespace {

class BpeAdapter : public Tokenizer {
 public:
  explicit BpeAdapter(BpeTokenizer tok) : tok_(std::move(tok)) {}
  std::vector<int64_t> encode(std::string_view text, bool) const override { return tok_.encode(text); }
  std::string decode(const std::vector<int64_t>& ids, bool skip) const override { return tok_.decode(ids, skip); }
  size_t vocab_size() const override { return tok_.vocab_size(); }
  void save(const std::string& path) const override { tok_.save(path); }

 private:
  BpeTokenizer tok_;
};

class UnigramAdapter : public Tokenizer {
 public:
  explicit UnigramAdapter(UnigramTokenizer tok) : tok_(std::move(tok)) {}
  std::vector<int64_t> encode(std::string_view text, bool specials) const override {
    return specials ? tok_.encode(text) : tok_.encode_plain(text);
  }
  std::string decode(const std::vector<int64_t>& ids, bool skip) const override { return tok_.decode(ids, skip); }
  size_t vocab_size() const override { return tok_.vocab_size(); }
  void save(const std::string& path) const override { tok_.save(path); }

 private:
  UnigramTokenizer tok_;
};

std::unique_ptr<Tokenizer> from_model_file(const std::string& file) {
  return std::make_unique<UnigramAdapter>(
      UnigramTokenizer::from_json(xlmr_tokenizer_json(SentencePieceModel::read(file), file), file));
}

}  // namespace

std::string resolve_tokenizer_file(const std::string& path) {
  namespace fs = std::filesystem;
  if (!fs::exists(path)) fail(path, "no such tokenizer file or directory");
  if (!fs::is_directory(path)) return path;
  const fs::path dir(path);
  for (const char* name : {"tokenizer.json", "sentencepiece.bpe.model"}) {
    if (fs::exists(dir / name)) return (dir / name).string();
  }
  fail(path, "no tokenizer.json or sentencepiece.bpe.model in this directory");
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  const std::string file = resolve_tokenizer_file(path);
  if (std::filesystem::path(file).extension() == ".model") return from_model_file(file);
  const nlohmann::json j = read_json_file(file);
  const bool typed = j.is_object() && j.contains("model") && j["model"].is_object() &&
                     j["model"].contains("type");
  if (typed && !j["model"]["type"].is_string()) {
    fail(file, "model.type must be a string, got " + json_excerpt(j["model"]["type"]));
  }
  const std::string type = typed ? j["model"]["type"].get<std::string>() : std::string();
  if (type == "BPE") return std::make_unique<BpeAdapter>(BpeTokenizer::from_json(j, file));
  if (type == "Unigram") return std::make_unique<UnigramAdapter>(UnigramTokenizer::from_json(j, file));
  fail(file, "model type '" + type + "' is not supported (BPE or Unigram)");
}

}  // namespace dep
