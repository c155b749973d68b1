// Special-token ids by their strings (see dep_tokens.h).
#include "dep/data/dep_tokens.h"

#include <algorithm>

#include "dep/core/error.h"
#include "dep/text/bpe_tokenizer.h"

namespace dep {

namespace {

int slot_in(const std::vector<int64_t>& ids, int64_t id) {
  const auto at = std::find(ids.begin(), ids.end(), id);
  return at == ids.end() ? -1 : static_cast<int>(at - ids.begin());
}

}  // namespace

std::string his_placeholder(int64_t slot) { return "[HIS_TOKEN_" + std::to_string(slot) + "]"; }
std::string diff_placeholder(int64_t slot) { return "[DIFF_TOKEN_" + std::to_string(slot) + "]"; }

const std::vector<std::string>& dep_special_tokens() {
  static const std::vector<std::string> kTokens = [] {
    std::vector<std::string> t;
    for (int i = 0; i < DepTokens::kMaxSlots; ++i) t.push_back(his_placeholder(i));
    for (int i = 0; i < DepTokens::kMaxSlots; ++i) t.push_back(diff_placeholder(i));
    for (const char* s : {"<his_token_start>", "<his_token_end>", "<diff_token_start>", "<diff_token_end>"})
      t.push_back(s);
    return t;
  }();
  return kTokens;
}

int DepTokens::his_slot(int64_t id) const { return slot_in(his, id); }
int DepTokens::diff_slot(int64_t id) const { return slot_in(diff, id); }

DepTokens DepTokens::resolve(const std::function<int64_t(std::string_view)>& id_of, const std::string& source) {
  auto required = [&](const char* token) {
    const int64_t id = id_of(token);
    if (id < 0) fail(source, std::string("the tokenizer has no ") + token + " token");
    return id;
  };
  DepTokens out;
  out.im_end = required(kImEndToken);
  out.pad = required(kEndOfTextToken);
  const auto& dep = dep_special_tokens();
  std::vector<int64_t> ids;
  for (const auto& token : dep) ids.push_back(id_of(token));
  const auto absent = static_cast<size_t>(std::count(ids.begin(), ids.end(), int64_t{-1}));
  if (absent == ids.size()) return out;
  if (absent > 0) {
    const auto first = std::find(ids.begin(), ids.end(), int64_t{-1}) - ids.begin();
    fail(source, "the tokenizer has some of DEP's tokens but not " + dep[static_cast<size_t>(first)]);
  }
  out.his.assign(ids.begin(), ids.begin() + kMaxSlots);
  out.diff.assign(ids.begin() + kMaxSlots, ids.begin() + 2 * kMaxSlots);
  return out;
}

DepTokens DepTokens::of(const BpeTokenizer& tokenizer, const std::string& source) {
  return resolve([&tokenizer](std::string_view token) { return tokenizer.token_to_id(token); }, source);
}

}  // namespace dep
