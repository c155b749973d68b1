// tokenizer.json normalizer steps.
#include "dep/text/normalizer.h"

#include <nlohmann/json.hpp>

#include "dep/core/error.h"
#include "dep/text/precompiled_charsmap.h"
#include "dep/text/tokenizer_regex.h"
#include "dep/text/unicode.h"
#include "dep/text/utf8.h"

namespace dep {

namespace {

class UnicodeFormStep : public NormalizerStep {
 public:
  explicit UnicodeFormStep(NormalForm form) : form_(form) {}
  std::string apply(std::string_view text) const override { return unicode_normalize(text, form_); }

 private:
  NormalForm form_;
};

class PrecompiledStep : public NormalizerStep {
 public:
  PrecompiledStep(std::string_view blob, const std::string& where) : charsmap_(blob, where) {}
  std::string apply(std::string_view text) const override { return charsmap_.normalize(text); }

 private:
  PrecompiledCharsmap charsmap_;
};

// Removes leading and/or trailing White_Space.
class StripStep : public NormalizerStep {
 public:
  StripStep(bool left, bool right) : left_(left), right_(right) {}
  std::string apply(std::string_view text) const override {
    size_t begin = 0, end = text.size();
    if (left_) {
      while (begin < end) {
        const Utf8Step step = decode_utf8_step(text.substr(begin));
        if (!is_white_space(step.code_point)) break;
        begin += step.length;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        if (!is_white_space(decode_utf8_step(text.substr(start, end - start)).code_point)) break;
        end = start;
      }
    }
    return std::string(text.substr(begin, end - begin));
  }

 private:
  bool left_, right_;
};

class ReplaceStep : public NormalizerStep {
 public:
  ReplaceStep(std::string literal, std::unique_ptr<TokenizerRegex> regex, std::string content)
      : literal_(std::move(literal)), regex_(std::move(regex)), content_(std::move(content)) {}

  std::string apply(std::string_view text) const override {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    if (regex_) {
      TokenizerRegex::Matcher matcher(*regex_);
      size_t begin = 0, end = 0;
      while (pos <= text.size() && matcher.find(text, pos, begin, end)) {
        out.append(text.substr(pos, begin - pos));
        out.append(content_);
        if (end == begin) {  // an empty match: keep one character and move on
          if (begin >= text.size()) {
            pos = text.size() + 1;
            break;
          }
          const size_t len = decode_utf8_step(text.substr(begin)).length;
          out.append(text.substr(begin, len));
          end = begin + len;
        }
        pos = end;
      }
      if (pos < text.size()) out.append(text.substr(pos));
      return out;
    }
    if (literal_.empty()) return std::string(text);
    while (true) {
      const size_t hit = text.find(literal_, pos);
      if (hit == std::string_view::npos) break;
      out.append(text.substr(pos, hit - pos));
      out.append(content_);
      pos = hit + literal_.size();
    }
    out.append(text.substr(pos));
    return out;
  }

 private:
  std::string literal_;
  std::unique_ptr<TokenizerRegex> regex_;
  std::string content_;
};

std::string base64_decode(const std::string& text, const std::string& where) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int table[256];
  for (int& t : table) t = -1;
  for (size_t i = 0; i < alphabet.size(); ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : text) {
    if (c == '=') break;
    if (c == '\n' || c == '\r') continue;
    if (table[c] < 0) fail(where, "precompiled_charsmap is not valid base64");
    buffer = (buffer << 6) | static_cast<uint32_t>(table[c]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

const nlohmann::json& member(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) fail(where, std::string("missing key '") + key + "'");
  return *it;
}

}  // namespace

Normalizer Normalizer::from_json(const nlohmann::json& spec, const std::string& where) {
  Normalizer out;
  if (!spec.is_null()) add_steps(spec, where, out);
  return out;
}

void Normalizer::add_steps(const nlohmann::json& spec, const std::string& where, Normalizer& out) {
  if (!spec.is_object() || !spec.contains("type") || !spec["type"].is_string()) {
    fail(where, "normalizer: expected an object with a 'type'");
  }
  const std::string type = spec["type"].get<std::string>();
  const std::string here = where + ": normalizer " + type;
  if (type == "Sequence") {
    const auto& list = member(spec, "normalizers", here);
    if (!list.is_array()) fail(here, "'normalizers' must be a list");
    for (const auto& step : list) add_steps(step, where, out);
  } else if (type == "NFC") {
    out.steps_.push_back(std::make_shared<UnicodeFormStep>(NormalForm::kNfc));
  } else if (type == "NFD") {
    out.steps_.push_back(std::make_shared<UnicodeFormStep>(NormalForm::kNfd));
  } else if (type == "NFKC") {
    out.steps_.push_back(std::make_shared<UnicodeFormStep>(NormalForm::kNfkc));
  } else if (type == "NFKD") {
    out.steps_.push_back(std::make_shared<UnicodeFormStep>(NormalForm::kNfkd));
  } else if (type == "Precompiled") {
    const auto& map = member(spec, "precompiled_charsmap", here);
    if (map.is_null()) return;  // converters write null when the model has no charsmap
    if (!map.is_string()) fail(here, "'precompiled_charsmap' must be a base64 string");
    const std::string blob = base64_decode(map.get<std::string>(), here);
    if (blob.empty()) return;
    out.steps_.push_back(std::make_shared<PrecompiledStep>(blob, here));
  } else if (type == "Strip") {
    const bool left = spec.value("strip_left", true);
    const bool right = spec.value("strip_right", true);
    out.steps_.push_back(std::make_shared<StripStep>(left, right));
  } else if (type == "Replace") {
    const auto& pattern = member(spec, "pattern", here);
    const auto& content = member(spec, "content", here);
    if (!content.is_string()) fail(here, "'content' must be a string");
    if (pattern.contains("String") && pattern["String"].is_string()) {
      out.steps_.push_back(std::make_shared<ReplaceStep>(pattern["String"].get<std::string>(), nullptr,
                                                         content.get<std::string>()));
    } else if (pattern.contains("Regex") && pattern["Regex"].is_string()) {
      auto regex = std::make_unique<TokenizerRegex>(pattern["Regex"].get<std::string>(), here);
      out.steps_.push_back(std::make_shared<ReplaceStep>("", std::move(regex), content.get<std::string>()));
    } else {
      fail(here, "'pattern' must be {\"String\": ...} or {\"Regex\": ...}");
    }
  } else {
    fail(where, "unsupported normalizer '" + type +
                    "' (supported: NFC, NFD, NFKC, NFKD, Precompiled, Strip, Replace, Sequence)");
  }
}

std::string Normalizer::apply(std::string_view text) const {
  if (steps_.empty()) return std::string(text);
  std::string current = steps_[0]->apply(text);
  for (size_t i = 1; i < steps_.size(); ++i) current = steps_[i]->apply(current);
  return current;
}

}  // namespace dep
