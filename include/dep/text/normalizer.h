// The "normalizer" of a tokenizer.json as a list of steps: NFC/NFD/NFKC/NFKD, Precompiled
// (sentencepiece charsmap), Strip, Replace (string or regex) and Sequence. Any other step is a
// load error naming it.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace dep {

class NormalizerStep {
 public:
  virtual ~NormalizerStep() = default;
  virtual std::string apply(std::string_view text) const = 0;
};

class Normalizer {
 public:
  Normalizer() = default;
  // `spec` is the "normalizer" value (null = identity); `where` names the file for errors.
  static Normalizer from_json(const nlohmann::json& spec, const std::string& where);

  std::string apply(std::string_view text) const;
  bool is_identity() const { return steps_.empty(); }

 private:
  static void add_steps(const nlohmann::json& spec, const std::string& where, Normalizer& out);
  std::vector<std::shared_ptr<const NormalizerStep>> steps_;
};

}  // namespace dep
