// Prompt rendering for Qwen2.5-Instruct: the ChatML chat template (docs/reference-behaviour.md §B.8, no tools) and
// DEP's hand-built template (docs/reference-behaviour.md §8). Content is inserted verbatim (no trimming, no escaping).
//
//   ChatML, no system message given → Qwen's default system prompt:
//     <|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n
//     <|im_start|>user\n{USER}<|im_end|>\n<|im_start|>assistant\n
//   DEP (note: NO newline after the system <|im_end|>, unlike ChatML):
//     <|im_start|>system\n{SYS}<|im_end|><|im_start|>user\n{USER}<|im_end|>\n<|im_start|>assistant\n
//
// Tokenize the text with BpeTokenizer::encode (no BOS/EOS is added), or call the *_ids variants.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dep {

class BpeTokenizer;

inline constexpr const char* kQwenDefaultSystemPrompt =
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

struct RenderedPrompt {
  std::string text;
  std::vector<int64_t> ids;
};

// The Qwen2.5-Instruct chat template: a first "system" message becomes the system block, otherwise
// the default system block is emitted; every other message is <|im_start|>{role}\n{content}<|im_end|>\n;
// add_generation_prompt appends <|im_start|>assistant\n.
std::string render_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt = true);

// One user turn with a generation prompt, with the given system prompt (an empty string is an
// empty system block, as in the template) or, in the one-argument form, Qwen's default.
std::string render_chatml_prompt(const std::string& system, const std::string& user);
std::string render_chatml_prompt(const std::string& user);

// DEP's training/generation prompt (system prompt and user message of docs/reference-behaviour.md §8).
std::string render_dep_prompt(const std::string& system, const std::string& user);

// The same, with the ids the tokenizer gives the text.
RenderedPrompt render_chatml_ids(const BpeTokenizer& tokenizer, const std::vector<ChatMessage>& messages,
                                 bool add_generation_prompt = true);
RenderedPrompt render_dep_prompt_ids(const BpeTokenizer& tokenizer, const std::string& system,
                                     const std::string& user);

}  // namespace dep
