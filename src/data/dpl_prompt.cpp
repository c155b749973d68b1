// DPL's stage prompts (see dpl_prompt.h): SnowCharmQ/DPL model-infer.py (system prompts) and
// utils/preprocess.py create_data (create_diff_inp, create_summ_inp, create_inp).
#include "dep/data/dpl_prompt.h"

#include "dep/core/error.h"
#include "dep/data/dep_prompt.h"
#include "dep/text/python_whitespace.h"

namespace dep {

namespace {

const ItemMeta& item_of(const MetaTable& meta, const std::string& asin) {
  auto it = meta.find(asin);
  if (it == meta.end()) fail("dpl", "no meta for asin " + asin);
  return it->second;
}

// "[Review n]:" entries of the BM25 history (stages 2 and 3 share them).
std::string past_reviews(const DplSelection& selection, const MetaTable& meta) {
  std::string out;
  for (size_t i = 0; i < selection.history.size(); ++i) {
    const auto& r = selection.history[i];
    const auto& item = item_of(meta, r.asin);
    out += "[Review " + std::to_string(i + 1) + "]:\n";
    out += "- [Item Title]: " + item.title + "\n";
    out += "- [Item Description]: " + item.description + "\n";
    out += "- [Review Rating]: " + python_float_repr(r.rating) + "\n";
    out += "- [Review Title]: " + r.title + "\n";
    out += "- [Review Text]: " + r.text + "\n";
  }
  return out;
}

std::string review_block(const std::string& header, const Review& r) {
  return "\n" + header + ":\n- [User's Rating]: " + python_float_repr(r.rating) + "\n- [Review Title]: " + r.title +
         "\n- [Review Text]: " + r.text + "\n";
}


}  // namespace

std::string dpl_stage1_system() {
  return "Given the title and description of an item, along with the current user's review and 4 other users' "
         "reviews for the same item, analyze and output the differences between the current user and other users "
         "by considering the following aspects:\n"
         "[Writing Style]: word choice and sentence structure.\n"
         "[Emotional Style]: sentiment tone (positive, negative, or neutral).\n"
         "[Semantic Style]: information density and contextual coherence.\n";
}

std::string dpl_stage2_system(int64_t k) {
  const std::string items = k == 1 ? "an item" : std::to_string(k) + " items";
  return "Given titles and descriptions of " + items +
         ", along with the differences in writing style, emotional style, and semantic style between the current "
         "user's review and other users' reviews for each item, and the current user's past reviews, generate a "
         "profile summary of the current user.\n"
         "The summary should be formatted as follows:\n"
         "[Summary]: <summary>";
}

std::string dpl_stage3_system() {
  return "Given the title and description of an item, along with the current user's past reviews and profile "
         "summary, and the output review rating and review title, generate a personalized item review for the "
         "current user.\n"
         "The review should be formatted as follows:\n"
         "[Review]: <review>";
}

std::vector<std::string> dpl_stage1_messages(const DplSelection& selection, const MetaTable& meta) {
  std::vector<std::string> out;
  for (size_t i = 0; i < selection.diff.size(); ++i) {
    const auto& own = selection.diff[i];
    const auto& item = item_of(meta, own.asin);
    std::string m = "[Item Information]:\n- [Item Title]: " + item.title + "\n- [Item Description]: " +
                    item.description + "\n";
    m += review_block("[Review by the current user]", own);
    if (i < selection.peer_reviews.size())
      for (size_t p = 0; p < selection.peer_reviews[i].size(); ++p)
        m += review_block("[Review by the other user " + std::to_string(p + 1) + "]", selection.peer_reviews[i][p]);
    out.push_back(std::move(m));
  }
  return out;
}

std::string dpl_stage2_message(const DplSelection& selection, const MetaTable& meta,
                               const std::vector<std::string>& stage1_outputs) {
  std::string out;
  const size_t n = std::min(selection.diff.size(), stage1_outputs.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& item = item_of(meta, selection.diff[i].asin);
    if (i > 0) out += "\n";
    out += "[Item Title]: " + item.title + "\n[Item Description]: " + item.description +
           "\n[Differences between the current user's review and the other user's reviews]:\n" + stage1_outputs[i] +
           "\n";
  }
  return out + "\n[User's Past Reviews]:\n" + past_reviews(selection, meta) + "\n";
}

std::string dpl_stage3_message(const SplitRow& sample, const DplSelection& selection, const MetaTable& meta,
                               const std::string& summary_output) {
  const auto& target = sample.row.data;
  const auto& item = item_of(meta, target.asin);
  return "[Item Title]: " + item.title + "\n[Item Description]: " + item.description + "\n[User's Past Reviews]:\n" +
         past_reviews(selection, meta) + "\n[User's Profile Summary]:\n" +
         strip_dpl_prefix(summary_output, "[Summary]:") + "\n[Output Review Rating]: " +
         python_float_repr(target.rating) + "\n[Output Review Title]: " + target.title + "\n";
}

std::string strip_dpl_prefix(const std::string& text, const std::string& prefix) {
  if (text.compare(0, prefix.size(), prefix) == 0) return python_strip(text.substr(prefix.size()));
  return text;
}

std::string dpl_chat_prompt(const std::string& system, const std::string& user) {
  return chat_prompt(system, user, /*newline_after_system=*/false);
}

}  // namespace dep
