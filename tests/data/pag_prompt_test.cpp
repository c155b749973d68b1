// PAG's prompts from configs/prompts/pag.json against prompts written out by hand, and the template
// checks that make a bad prompts file fail at load.
#include <catch2/catch.hpp>

#include "dep/core/error.h"
#include "dep/data/dep_prompt.h"
#include "dep/data/pag_prompt.h"

using namespace dep;

namespace {

Review review(std::string asin, double rating, std::string text, int64_t timestamp, std::string title) {
  Review r;
  r.asin = std::move(asin);
  r.rating = rating;
  r.text = std::move(text);
  r.timestamp = timestamp;
  r.title = std::move(title);
  return r;
}

UserRow known_user() {
  UserRow row;
  row.user_id = "u1";
  row.profile = {review("A1", 4.0, "Good read.", 100, "Nice"), review("A2", 2.0, "Too long.", 300, "Meh"),
                 review("A3", 5.0, "Loved it.", 200, "Great")};
  row.data = review("T", 5.0, "The review to write.", 400, "Wonderful");
  return row;
}

MetaTable known_meta() {
  return {{"A1", {"Book One", "First desc"}},
          {"A2", {"Book Two", "Second desc"}},
          {"A3", {"Book Three", "Third desc"}},
          {"T", {"Target Book", "Target desc"}}};
}

}  // namespace

TEST_CASE("pag: the profile prompt shows the user's most recent reviews, newest first", "[data][pag]") {
  const auto prompts = PagPrompts::load("configs/prompts/pag.json");
  const auto m = pag_profile_messages(prompts, known_user(), known_meta(), 2);
  CHECK(m.system ==
        "Given the current user's past reviews (including item title, item description, review rating, review title, "
        "review text), generate a profile summary of the current user that describes the items they like and "
        "dislike, how they rate, and how they write: their writing style (word choice and sentence structure), "
        "emotional style (sentiment tone) and semantic style (information density and contextual coherence).\n"
        "The summary should be formatted as follows:\n[Summary]: <summary>");
  CHECK(m.user ==
        "[User's Past Reviews]:\n"
        "- [Review 1]:\n"
        "  - [Item Title]: Book Two\n"
        "  - [Item Description]: Second desc\n"
        "  - [Review Rating]: 2.0\n"
        "  - [Review Title]: Meh\n"
        "  - [Review Text]: Too long.\n"
        "- [Review 2]:\n"
        "  - [Item Title]: Book Three\n"
        "  - [Item Description]: Third desc\n"
        "  - [Review Rating]: 5.0\n"
        "  - [Review Title]: Great\n"
        "  - [Review Text]: Loved it.\n");
  // More reviews asked than the user has: all of them.
  CHECK(pag_profile_messages(prompts, known_user(), known_meta(), 8).user.find("- [Review 3]:\n  - [Item Title]: Book One") !=
        std::string::npos);
}

TEST_CASE("pag: the generation prompt for a known sample, as the model sees it", "[data][pag]") {
  const auto prompts = PagPrompts::load("configs/prompts/pag.json");
  const auto m = pag_generation_messages(prompts, known_user(), known_meta(), {2, 0}, "[Summary]: Terse reviewer.");
  const std::string expected =
      "<|im_start|>system\n"
      "Given the title and description of an item, along with the user's past reviews (including item title, item "
      "description, review rating, review title, review text) and profile summary, and the output review rating and "
      "review title, generate a personalized item review for the user.\n"
      "<|im_end|><|im_start|>user\n"
      "[Item Title]: Target Book\n"
      "[Item Description]: Target desc\n"
      "[User's Past Reviews]:\n"
      "- [Review 1]:\n"
      "  - [Item Title]: Book Three\n"
      "  - [Item Description]: Third desc\n"
      "  - [Review Rating]: 5.0\n"
      "  - [Review Title]: Great\n"
      "  - [Review Text]: Loved it.\n"
      "- [Review 2]:\n"
      "  - [Item Title]: Book One\n"
      "  - [Item Description]: First desc\n"
      "  - [Review Rating]: 4.0\n"
      "  - [Review Title]: Nice\n"
      "  - [Review Text]: Good read.\n"
      "[User's Profile Summary]: Terse reviewer.\n"
      "[Output Review Rating]: 5.0\n"
      "[Output Review Title]: Wonderful\n"
      "<|im_end|>\n<|im_start|>assistant\n";
  CHECK(chat_prompt(m.system, m.user, false) == expected);
  // No retrieved reviews: no review block at all.
  const auto bare = pag_generation_messages(prompts, known_user(), known_meta(), {}, "x");
  CHECK(bare.user ==
        "[Item Title]: Target Book\n[Item Description]: Target desc\n[User's Profile Summary]: x\n"
        "[Output Review Rating]: 5.0\n[Output Review Title]: Wonderful\n");
}

TEST_CASE("pag: the profile's prefix is stripped only at the front", "[data][pag]") {
  const auto prompts = PagPrompts::load("configs/prompts/pag.json");
  CHECK(pag_clean_profile(prompts, "[Summary]:  Likes jazz.\n") == "Likes jazz.");
  CHECK(pag_clean_profile(prompts, "Likes jazz. [Summary]: no") == "Likes jazz. [Summary]: no");
  CHECK(pag_clean_profile(prompts, "  \n") == "");
}

TEST_CASE("pag: templates and prompts files are checked at load", "[data][pag]") {
  CHECK(fill_template("{a} {{b}} {c}", {{"a", "1"}, {"c", "{x}"}}, "t") == "1 {b} {x}");
  CHECK_THROWS_WITH(fill_template("{nope}", {{"a", "1"}}, "where"),
                    Catch::Contains("where") && Catch::Contains("unknown field {nope}") && Catch::Contains("{a}"));
  CHECK_THROWS_WITH(fill_template("a { b", {}, "t"), Catch::Contains("without its '}'"));
  CHECK_THROWS_WITH(fill_template("a } b", {}, "t"), Catch::Contains("without its '{'"));

  const std::string good =
      R"({"profile": {"system": "S", "user": "{reviews}"},
          "generate": {"system": "S", "user": "{item_title}{profile}"}, "strip_prefix": ""})";
  CHECK(PagPrompts::parse(good, "p.json").generate.user == "{item_title}{profile}");
  CHECK_THROWS_WITH(PagPrompts::parse(R"({"profile": {"system": "S", "user": "{profile}"}})", "p.json"),
                    Catch::Contains("p.json: profile.user") && Catch::Contains("unknown field {profile}"));
  CHECK_THROWS_WITH(PagPrompts::parse(R"({"profile": {"system": "S", "user": "U"}})", "p.json"),
                    Catch::Contains("missing object 'generate'"));
  CHECK_THROWS_WITH(PagPrompts::parse("[", "p.json"), Catch::Contains("p.json: malformed JSON"));
  CHECK_THROWS_WITH(PagPrompts::parse("{\"profile\": \"a\", \"profile\": \"b\"}", "p.json"),
                    Catch::Contains("p.json: malformed JSON: duplicate key \"profile\""));
}
