// ChatML and DEP prompt rendering.
#include "dep/text/chat_template.h"

#include "dep/text/bpe_tokenizer.h"

namespace dep {

namespace {

void append_turn(std::string& out, const std::string& role, const std::string& content) {
  out += "<|im_start|>";
  out += role;
  out += '\n';
  out += content;
  out += "<|im_end|>\n";
}

}  // namespace

std::string render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  std::string out;
  size_t first = 0;
  if (!messages.empty() && messages[0].role == "system") {
    append_turn(out, "system", messages[0].content);
    first = 1;
  } else {
    append_turn(out, "system", kQwenDefaultSystemPrompt);
  }
  for (size_t i = first; i < messages.size(); ++i) append_turn(out, messages[i].role, messages[i].content);
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

std::string render_chatml_prompt(const std::string& system, const std::string& user) {
  return render_chatml({{"system", system}, {"user", user}}, true);
}

std::string render_chatml_prompt(const std::string& user) { return render_chatml({{"user", user}}, true); }

std::string render_dep_prompt(const std::string& system, const std::string& user) {
  std::string out;
  out.reserve(system.size() + user.size() + 80);
  out += "<|im_start|>system\n";
  out += system;
  out += "<|im_end|><|im_start|>user\n";  // the reference code has no newline here
  out += user;
  out += "<|im_end|>\n<|im_start|>assistant\n";
  return out;
}

RenderedPrompt render_chatml_ids(const BpeTokenizer& tokenizer, const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt) {
  RenderedPrompt out;
  out.text = render_chatml(messages, add_generation_prompt);
  out.ids = tokenizer.encode(out.text);
  return out;
}

RenderedPrompt render_dep_prompt_ids(const BpeTokenizer& tokenizer, const std::string& system,
                                     const std::string& user) {
  RenderedPrompt out;
  out.text = render_dep_prompt(system, user);
  out.ids = tokenizer.encode(out.text);
  return out;
}

}  // namespace dep
