// ChatML and DEP prompt rendering against the fixtures' rendered prompts and ids.
#include <catch2/catch.hpp>

#include "dep/text/chat_template.h"
#include "test_paths.h"
#include "text_test_support.h"

namespace {

using dep::test::fixture;
using dep::test::ids_of;
using dep::test::read_jsonl;

TEST_CASE("ChatML rendering reproduces every conversation in prompts.jsonl", "[text][chat]") {
  const auto prompts = read_jsonl(fixture("qwen2.5-tokenizer/prompts.jsonl"));
  REQUIRE(prompts.size() == 5);
  for (const auto& p : prompts) {
    std::vector<dep::ChatMessage> messages;
    for (const auto& m : p["messages"]) messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    const bool generation = p["add_generation_prompt"].get<bool>();
    const auto rendered = dep::render_chatml_ids(dep::test::qwen_tokenizer(), messages, generation);
    CHECK(rendered.text == p["text"].get<std::string>());
    CHECK(rendered.ids == ids_of(p["ids"]));
    CHECK(dep::render_chatml_ids(dep::test::dep_tokenizer(), messages, generation).ids == ids_of(p["dep_ids"]));
  }
}

TEST_CASE("ChatML prompt helpers: default system prompt and generation prompt", "[text][chat]") {
  const std::string user = "What is the capital of France?";
  const std::string expected_default =
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
      "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n";
  CHECK(dep::render_chatml_prompt(user) == expected_default);
  // docs/reference-behaviour.md §B.7 golden ids.
  const std::vector<int64_t> golden = {151644, 8948,  198,   2610,   525,    1207,  16948, 11,     3465,
                                       553,    54364, 14817, 13,     1446,   525,   264,   10950,  17847,
                                       13,     151645, 198,  151644, 872,    198,   3838,  374,    279,
                                       6722,   315,   9625,  30,     151645, 198,   151644, 77091, 198};
  CHECK(dep::test::qwen_tokenizer().encode(expected_default) == golden);
  CHECK(dep::render_chatml_prompt("Be brief.", "Hi") ==
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  // An explicit empty system prompt is kept as an empty block (the template tests the role only).
  CHECK(dep::render_chatml_prompt("", "Hi") ==
        "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  CHECK(dep::render_chatml({{"user", "a"}, {"assistant", "b"}}, false) ==
        std::string("<|im_start|>system\n") + dep::kQwenDefaultSystemPrompt +
            "<|im_end|>\n<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\nb<|im_end|>\n");
}

TEST_CASE("DEP template: no newline after the system <|im_end|>, ids match the fixture DEP prompts",
          "[text][chat]") {
  const auto cases = read_jsonl(fixture("qwen2.5-tokenizer/cases.jsonl"));
  const std::string head = "<|im_start|>system\n";
  const std::string middle = "<|im_end|><|im_start|>user\n";
  const std::string tail = "<|im_end|>\n<|im_start|>assistant\n";
  size_t checked = 0;
  for (const auto& c : cases) {
    const std::string text = c["text"].get<std::string>();
    const size_t mid = text.find(middle);
    if (text.rfind(head, 0) != 0 || mid == std::string::npos) continue;
    const std::string system = text.substr(head.size(), mid - head.size());
    REQUIRE(text.size() >= mid + middle.size() + tail.size());
    const std::string user = text.substr(mid + middle.size(), text.size() - tail.size() - mid - middle.size());
    const auto rendered = dep::render_dep_prompt_ids(dep::test::dep_tokenizer(), system, user);
    CHECK(rendered.text == text);
    CHECK(rendered.ids == ids_of(c["dep_ids"]));
    CHECK(dep::render_dep_prompt_ids(dep::test::qwen_tokenizer(), system, user).ids == ids_of(c["ids"]));
    ++checked;
  }
  CHECK(checked == 3);
  CHECK(dep::render_dep_prompt("S\n", "U\n") ==
        "<|im_start|>system\nS\n<|im_end|><|im_start|>user\nU\n<|im_end|>\n<|im_start|>assistant\n");
}

}  // namespace
