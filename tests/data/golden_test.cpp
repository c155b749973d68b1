// A hand-made 6-user dataset with every expected value written out: retrieval order, slot items
// and peer sets, weights and difference vectors (computed independently with numpy from the
// reference's formulas), the full prompt text and the length control at a tiny max length.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>

#include "dep/data/dep_dataset.h"
#include "dep/core/error.h"
#include "dep/data/sample_builder.h"
#include "test_paths.h"

namespace {

struct Item {
  const char* asin;
  int64_t timestamp;
};
struct User {
  const char* id;
  std::vector<Item> profile;
  Item data;
};

// Test profiles (oldest first) and targets. The peer pool holds each profile minus its last 2.
const std::vector<User> kUsers = {
    {"U1", {{"I1", 1}, {"I2", 2}, {"I3", 3}, {"I4", 4}, {"I5", 5}}, {"I6", 6}},
    {"U2", {{"I1", 1}, {"I2", 2}, {"I4", 3}, {"I7", 4}}, {"I8", 5}},
    {"U3", {{"I2", 1}, {"I3", 2}, {"I5", 3}, {"I6", 4}}, {"I1", 5}},
    {"U4", {{"I1", 10}, {"I5", 20}, {"I7", 20}, {"I8", 30}}, {"I2", 40}},  // a timestamp tie
    {"U5", {{"I3", 1}, {"I4", 2}, {"I6", 3}}, {"I7", 4}},
    {"U6", {{"I5", 1}, {"I8", 2}, {"I2", 3}, {"I4", 4}}, {"I3", 5}},
};

std::string review_json(const std::string& user, const Item& item, double rating) {
  nlohmann::json j = {{"asin", item.asin},
                      {"rating", rating},
                      {"text", user + " wrote about " + item.asin},
                      {"timestamp", item.timestamp},
                      {"title", user + " title " + item.asin}};
  return j.dump();
}

// Writes Books/{test,meta}.jsonl; ratings are (timestamp % 5) + 1, targets 4.5.
std::string write_dataset() {
  const auto root = dep::test::scratch_dir("data-golden");
  std::filesystem::create_directories(root + "/Books");
  std::ofstream test(root + "/Books/test.jsonl");
  for (const auto& u : kUsers) {
    test << "{\"user_id\":\"" << u.id << "\",\"profile\":[";
    for (size_t i = 0; i < u.profile.size(); ++i)
      test << (i ? "," : "") << review_json(u.id, u.profile[i], double(u.profile[i].timestamp % 5) + 1.0);
    test << "],\"data\":" << review_json(u.id, u.data, 4.5) << "}\n";
  }
  std::ofstream meta(root + "/Books/meta.jsonl");
  for (int i = 1; i <= 8; ++i)
    meta << "{\"asin\":\"I" << i << "\",\"title\":\"Item I" << i << "\",\"description\":\"About item I" << i
         << ".\"}\n";
  return root;
}

// Embedding row r of user k (1-based): [k + 0.1 r, 0.5 r − k, (r mod 3) − 1].
dep::InMemoryReviewEmbeddings embeddings() {
  dep::InMemoryReviewEmbeddings e(3);
  for (size_t k = 0; k < kUsers.size(); ++k) {
    std::vector<float> rows;
    const double uk = double(k + 1);
    for (size_t r = 0; r <= kUsers[k].profile.size(); ++r) {
      rows.push_back(float(uk + 0.1 * double(r)));
      rows.push_back(float(0.5 * double(r) - uk));
      rows.push_back(float(double(r % 3) - 1.0));
    }
    e.add("Books", kUsers[k].id, rows);
  }
  return e;
}

// A toy tokenizer whose counts are easy by hand: one id (0) per line, plus each placeholder's id
// (Qwen2.5's DEP ids).
std::vector<int64_t> encode_lines(std::string_view text) {
  std::vector<int64_t> ids;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ids.push_back(0);
    const std::string_view line = text.substr(start, end - start);
    for (int i = 0; i < 8; ++i) {
      if (line.find("[HIS_TOKEN_" + std::to_string(i) + "]") != std::string_view::npos) ids.push_back(151665 + i);
      if (line.find("[DIFF_TOKEN_" + std::to_string(i) + "]") != std::string_view::npos) ids.push_back(151673 + i);
    }
    start = end + 1;
  }
  return ids;
}

// The toy tokenizer with Qwen2.5's special-token ids, as the DEP tokenizer gives them.
dep::DepTokens qwen_tokens() {
  const auto& dep_tokens = dep::dep_special_tokens();
  return dep::DepTokens::resolve(
      [&](std::string_view token) -> int64_t {
        if (token == "<|endoftext|>") return 151643;
        if (token == "<|im_end|>") return 151645;
        const auto at = std::find(dep_tokens.begin(), dep_tokens.end(), token);
        return at == dep_tokens.end() ? -1 : 151665 + (at - dep_tokens.begin());
      },
      "toy tokenizer");
}
const dep::TokenEncoder line_encoder{encode_lines, qwen_tokens()};

dep::DataConfig golden_config(const std::string& root) {
  dep::DataConfig c;
  c.data.root = root;
  c.data.categories = {"Books"};
  return c;
}

const dep::SplitRow& row_of(const dep::DepData& data, const std::string& user) {
  for (const auto& r : data.rows)
    if (r.row.user_id == user) return r;
  FAIL("no row for " << user);
  throw 0;
}

void check_vec(const float* got, std::vector<double> want) {
  for (size_t d = 0; d < want.size(); ++d) CHECK(got[d] == Approx(want[d]).margin(1e-6));
}

const char kSystem[] =
    "Given the title and description of an item, along with the user's past reviews (including item title, item "
    "description, review rating, review title, review text, review embedding, review difference embedding), and the "
    "output review rating and review title, generate a personalized item review for the user.\nNote: [Review "
    "Embedding] denotes a soft prompt of the review text and [Review Difference Embedding] denotes a soft prompt "
    "showing the difference between the review text and other reviews on the same item. [Review Embedding] and "
    "[Review Difference Embedding] should serve as hints for personalized review text generation.\n";

}  // namespace

TEST_CASE("golden: slot items, peers and his/diff vectors follow the reference rules", "[data][golden]") {
  const auto root = write_dataset();
  auto config = golden_config(root);
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  REQUIRE(data.rows.size() == 6);
  auto e = embeddings();
  dep::DepSampleBuilder builder(config, data, line_encoder, &e);

  // U1: newest first I5 I4 I3 I2 I1. I4 has no pool reviewer and is skipped for the slots.
  auto u1 = builder.plan(row_of(data, "U1"));
  CHECK(u1.history == std::vector<int64_t>{4, 3, 2, 1, 0});
  CHECK(u1.embedding_asins == std::vector<std::string>{"I5", "I3", "I2", "I1"});
  CHECK(u1.peer_counts == std::vector<int64_t>{2, 2, 2, 2});
  REQUIRE(u1.slots.size() == 4);
  // peers of I5: U4 (row 1) and U6 (row 0), sorted by user id
  CHECK(data.pool.user(u1.slots[0].peers[0].user).user_id == "U4");
  CHECK(u1.slots[0].peers[0].row == 1);
  CHECK(data.pool.user(u1.slots[0].peers[1].user).user_id == "U6");
  CHECK(u1.slots[0].peers[1].row == 0);

  auto s1 = builder.build(row_of(data, "U1"), false);
  REQUIRE(s1.his_diff.size() == 2 * 8 * 3);
  CHECK(s1.slot_filled == std::vector<uint8_t>{1, 1, 1, 1, 0, 0, 0, 0});
  check_vec(s1.row(0), {1.4, 1.0, 0.0});  // his I5 = U1 row 4
  check_vec(s1.row(1), {1.2, 0.0, 1.0});  // his I3 = U1 row 2
  check_vec(s1.row(3), {1.0, -1.0, -1.0});
  check_vec(s1.row(4), {0.0, 0.0, 0.0});  // empty slot
  // diff I5: weights softmax(a/Σa) = [0.4395284049, 0.5604715951] over U4, U6
  check_vec(s1.row(8), {-3.7648960307, 5.9011789878, 0.5604715951});
  check_vec(s1.row(9), {-3.0063425643, 3.9557139004, 1.5822855602});
  check_vec(s1.row(10), {-1.5181882660, 1.8636471099, 0.5757647400});
  check_vec(s1.row(11), {-2.2302154046, 2.2302154046, 0.0});
  check_vec(s1.row(12), {0.0, 0.0, 0.0});

  // U4: I8 has one other reviewer but U4 is not in the set (size 1): skipped. The tie between
  // I5 and I7 (t=20) makes the flipped rows differ: slot I5 takes row 2 (I7's review).
  auto s4 = builder.build(row_of(data, "U4"), false);
  CHECK(s4.embedding_asins == std::vector<std::string>{"I5", "I1"});
  CHECK(s4.peer_counts == std::vector<int64_t>{1, 2});
  check_vec(s4.row(0), {4.2, -3.0, 1.0});
  check_vec(s4.row(8), {-1.8, 3.0, 2.0});
  check_vec(s4.row(1), {4.0, -4.0, -1.0});
  check_vec(s4.row(9), {2.5540419196, -2.5540419196, 0.0});

  // U6: three peers on I2 (weights 0.3632256705, 0.3315304614, 0.3052438681), I8 skipped.
  auto s6 = builder.build(row_of(data, "U6"), false);
  CHECK(s6.embedding_asins == std::vector<std::string>{"I2", "I5"});
  CHECK(s6.peer_counts == std::vector<int64_t>{3, 1});
  check_vec(s6.row(8), {4.1885061891, -3.4053598683, 1.3052438681});
  check_vec(s6.row(9), {1.9, -2.5, -1.0});

  auto s3 = builder.build(row_of(data, "U3"), false);
  CHECK(s3.embedding_asins == std::vector<std::string>{"I5", "I3", "I2"});
  check_vec(s3.row(9), {-0.0049363838, 0.0064952418, 0.0025980967});
  check_vec(s3.row(10), {1.4884310408, -2.0884310408, -1.0});

  auto s5 = builder.build(row_of(data, "U5"), false);
  CHECK(s5.embedding_asins == std::vector<std::string>{"I3"});
  check_vec(s5.row(8), {3.0042016552, -3.9528969147, -1.5811587659});

  auto s2 = builder.build(row_of(data, "U2"), false);
  CHECK(s2.embedding_asins == std::vector<std::string>{"I2", "I1"});
  check_vec(s2.row(8), {0.0777578221, 0.2134765498, 0.4853906199});
}

TEST_CASE("golden: peer weights are the softmax of normalised mean distances", "[data][golden]") {
  // μ_U1 = mean of U1 rows 0..3 = [1.15, -0.25, -0.25]; μ_U4, μ_U6 = mean of rows 0..2.
  const float mu1[] = {1.15f, -0.25f, -0.25f};
  const float mu4[] = {4.1f, -3.5f, 0.0f};
  const float mu6[] = {6.1f, -5.5f, 0.0f};
  auto w = dep::peer_weights(mu1, {mu4, mu6}, 3, dep::PeerWeighting::kReference);
  CHECK(w[0] == Approx(0.4395284049).margin(1e-6));
  CHECK(w[1] == Approx(0.5604715951).margin(1e-6));
  auto m = dep::peer_weights(mu1, {mu4, mu6}, 3, dep::PeerWeighting::kMean);
  CHECK(m == std::vector<double>{0.5, 0.5});
  // identical means: the reference divides 0 by 0; dep falls back to uniform weights
  auto u = dep::peer_weights(mu1, {mu1, mu1}, 3, dep::PeerWeighting::kReference);
  CHECK(u == std::vector<double>{0.5, 0.5});
}

TEST_CASE("golden: each quirk switch changes exactly its behaviour", "[data][golden]") {
  const auto root = write_dataset();
  auto e = embeddings();

  auto config = golden_config(root);
  config.embeddings.weighting = "mean";  // paper eq. 4
  {
    const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
    dep::DepSampleBuilder builder(config, data, line_encoder, &e);
    auto s1 = builder.build(row_of(data, "U1"), false);
    check_vec(s1.row(8), {-3.65, 5.75, 0.5});
    check_vec(s1.row(11), {-2.0, 2.0, 0.0});
  }
  config = golden_config(root);
  config.quirks.peer_rule_counts_self = false;  // one other reviewer suffices
  {
    const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
    dep::DepSampleBuilder builder(config, data, line_encoder, &e);
    auto s4 = builder.build(row_of(data, "U4"), false);
    CHECK(s4.embedding_asins == std::vector<std::string>{"I8", "I5", "I1"});
    CHECK(s4.peer_counts == std::vector<int64_t>{1, 1, 2});
    check_vec(s4.row(0), {4.3, -2.5, -1.0});        // I8 = U4 row 3
    check_vec(s4.row(8), {4.3 - 6.1, -2.5 + 5.5, -1.0 - 0.0});  // minus U6 row 1
  }
  config = golden_config(root);
  config.quirks.flip_embedding_rows = false;  // the row of the review itself
  {
    const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
    dep::DepSampleBuilder builder(config, data, line_encoder, &e);
    auto s4 = builder.build(row_of(data, "U4"), false);
    check_vec(s4.row(0), {4.1, -3.5, 0.0});  // I5 = U4 row 1
    check_vec(s4.row(8), {4.1 - 6.0, -3.5 + 6.0, 0.0 + 1.0});
  }
  config = golden_config(root);
  config.quirks.slots_skip_peerless = false;  // aligned: slot i is "Review i+1"
  {
    const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
    dep::DepSampleBuilder builder(config, data, line_encoder, &e);
    auto s1 = builder.build(row_of(data, "U1"), false);
    CHECK(s1.embedding_asins == std::vector<std::string>{"I5", "I4", "I3", "I2", "I1"});
    CHECK(s1.peer_counts == std::vector<int64_t>{2, 0, 2, 2, 2});
    CHECK(s1.slot_filled == std::vector<uint8_t>{1, 1, 1, 1, 1, 0, 0, 0});
    check_vec(s1.row(1), {1.3, 0.5, -1.0});  // his I4 = U1 row 3
    check_vec(s1.row(9), {0.0, 0.0, 0.0});   // no peers: zero difference
    check_vec(s1.row(10), {-3.0063425643, 3.9557139004, 1.5822855602});
  }
  config = golden_config(root);
  config.quirks.mean_includes_next_target = false;  // means over the pool rows only
  {
    const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
    dep::DepSampleBuilder builder(config, data, line_encoder, &e);
    auto s6 = builder.build(row_of(data, "U6"), false);
    // one peer: weight 1 whatever the means
    check_vec(s6.row(9), {1.9, -2.5, -1.0});
  }
}

TEST_CASE("golden: the DEP prompt equals the spec's template character for character", "[data][golden]") {
  const auto root = write_dataset();
  auto config = golden_config(root);
  // One line per token: base prompt 10, header 1, each review 8 lines + 2 placeholders = 10.
  // 41 leaves 31 for the history: k = 3 fits exactly.
  config.history.max_length = 41;
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  dep::DepSampleBuilder builder(config, data, line_encoder);
  auto plan = builder.plan(row_of(data, "U1"));
  CHECK(plan.base_tokens == 10);
  CHECK(plan.k == 3);
  CHECK(plan.tried == std::vector<std::pair<int64_t, int64_t>>{{5, 51}, {4, 41}, {3, 31}});
  CHECK(plan.history_asins == std::vector<std::string>{"I5", "I4", "I3"});
  const std::string expected = std::string("<|im_start|>system\n") + kSystem +
                               "<|im_end|><|im_start|>user\n"
                               "[Item Title]: Item I6\n"
                               "[Item Description]: About item I6.\n"
                               "[User's Past Reviews]:\n"
                               "- [Review 1]:\n"
                               "  - [Item Title]: Item I5\n"
                               "  - [Item Description]: About item I5.\n"
                               "  - [Review Rating]: 1.0\n"
                               "  - [Review Title]: U1 title I5\n"
                               "  - [Review Text]: U1 wrote about I5\n"
                               "  - [Review Embedding]: <his_token_start>[HIS_TOKEN_0]<his_token_end>\n"
                               "  - [Review Difference Embedding]: <diff_token_start>[DIFF_TOKEN_0]<diff_token_end>\n"
                               "- [Review 2]:\n"
                               "  - [Item Title]: Item I4\n"
                               "  - [Item Description]: About item I4.\n"
                               "  - [Review Rating]: 5.0\n"
                               "  - [Review Title]: U1 title I4\n"
                               "  - [Review Text]: U1 wrote about I4\n"
                               "  - [Review Embedding]: <his_token_start>[HIS_TOKEN_1]<his_token_end>\n"
                               "  - [Review Difference Embedding]: <diff_token_start>[DIFF_TOKEN_1]<diff_token_end>\n"
                               "- [Review 3]:\n"
                               "  - [Item Title]: Item I3\n"
                               "  - [Item Description]: About item I3.\n"
                               "  - [Review Rating]: 4.0\n"
                               "  - [Review Title]: U1 title I3\n"
                               "  - [Review Text]: U1 wrote about I3\n"
                               "  - [Review Embedding]: <his_token_start>[HIS_TOKEN_2]<his_token_end>\n"
                               "  - [Review Difference Embedding]: <diff_token_start>[DIFF_TOKEN_2]<diff_token_end>\n"
                               "[Output Review Rating]: 4.5\n"
                               "[Output Review Title]: U1 title I6\n"
                               "<|im_end|>\n<|im_start|>assistant\n";
  CHECK(plan.prompt == expected);

  // Training ids: prompt + target + <|im_end|>, labels −100 over the prompt; placeholders located.
  auto s = builder.build(row_of(data, "U1"), true);
  CHECK(s.prompt_length == 41);
  REQUIRE(s.input_ids.size() == 43);
  CHECK(s.input_ids[41] == 0);
  CHECK(s.input_ids[42] == 151645);
  CHECK(std::count(s.labels.begin(), s.labels.begin() + 41, -100) == 41);
  CHECK(s.labels[41] == 0);
  CHECK(s.labels[42] == 151645);
  CHECK(s.pad_id == 151643);
  CHECK(s.his_positions == std::vector<int64_t>{14, 24, 34, -1, -1, -1, -1, -1});
  CHECK(s.diff_positions == std::vector<int64_t>{16, 26, 36, -1, -1, -1, -1, -1});
  CHECK(s.his_diff.empty());  // no embeddings given

  // One token less: k = 2.
  config.history.max_length = 40;
  dep::DepSampleBuilder tighter(config, data, line_encoder);
  CHECK(tighter.plan(row_of(data, "U1")).k == 2);
}

TEST_CASE("golden: when no history fits, k = 1 stays and training ids are cut at max_length", "[data][golden]") {
  const auto root = write_dataset();
  auto config = golden_config(root);
  config.history.max_length = 15;  // base 10 + header 1 + one review 10 = 21 > 15
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  dep::DepSampleBuilder builder(config, data, line_encoder);
  auto plan = builder.plan(row_of(data, "U1"));
  CHECK(plan.k == 1);
  auto train = builder.build(row_of(data, "U1"), true);
  CHECK(train.prompt_length == 15);  // the reference's right truncation (cuts the assistant header)
  CHECK(train.input_ids.size() == 17);
  auto gen = builder.build(row_of(data, "U1"), false);
  CHECK(gen.prompt_length == 21);  // generation sees the untruncated prompt, as vLLM did
  config.quirks.truncate_long_prompts = false;
  dep::DepSampleBuilder untruncated(config, data, line_encoder);
  CHECK(untruncated.build(row_of(data, "U1"), true).prompt_length == 21);
}

TEST_CASE("golden: prompt variants for the ablations and baselines", "[data][golden]") {
  const auto root = write_dataset();
  auto config = golden_config(root);
  config.history.k = 1;
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  auto prompt_of = [&](const std::string& variant) {
    config.prompt.variant = variant;
    dep::DepSampleBuilder builder(config, data, line_encoder);
    return builder.plan(row_of(data, "U1")).prompt;
  };
  const std::string item_lines = "[Item Title]: Item I6\n[Item Description]: About item I6.\n";
  const std::string output_lines = "[Output Review Rating]: 4.5\n[Output Review Title]: U1 title I6\n";
  const std::string text_lines =
      "  - [Item Title]: Item I5\n  - [Item Description]: About item I5.\n  - [Review Rating]: 1.0\n"
      "  - [Review Title]: U1 title I5\n  - [Review Text]: U1 wrote about I5\n";
  const std::string his_line = "  - [Review Embedding]: <his_token_start>[HIS_TOKEN_0]<his_token_end>\n";
  const std::string diff_line =
      "  - [Review Difference Embedding]: <diff_token_start>[DIFF_TOKEN_0]<diff_token_end>\n";
  auto wrap = [&](const std::string& system, const std::string& history) {
    return "<|im_start|>system\n" + system + "<|im_end|><|im_start|>user\n" + item_lines + history + output_lines +
           "<|im_end|>\n<|im_start|>assistant\n";
  };
  const std::string header = "[User's Past Reviews]:\n- [Review 1]:\n";
  CHECK(prompt_of("no_text") == wrap(kSystem, header + his_line + diff_line));
  CHECK(prompt_of("his_only") == wrap(kSystem, header + text_lines + his_line));
  CHECK(prompt_of("diff_only") == wrap(kSystem, header + text_lines + diff_line));
  const std::string task_only = std::string(kSystem).substr(0, std::string(kSystem).find("Note:"));
  CHECK(prompt_of("no_guidance") == wrap(task_only, header + text_lines + his_line + diff_line));
  CHECK(prompt_of("item_only") == wrap("Given the title and description of an item, and the output review rating "
                                       "and review title, generate a personalized item review for the user.\n",
                                       ""));
  CHECK(prompt_of("item_and_reviews") ==
        wrap("Given the title and description of an item, along with the user's past reviews (including item title, "
             "item description, review rating, review title, review text), and the output review rating and review "
             "title, generate a personalized item review for the user.\n",
             header + text_lines));
  config.prompt.variant = "dep";
  config.quirks.no_newline_after_system = false;
  dep::DepSampleBuilder official(config, data, line_encoder);
  CHECK(official.plan(row_of(data, "U1")).prompt.find("<|im_end|>\n<|im_start|>user\n") != std::string::npos);
}

TEST_CASE("golden: the PPlug prompt and block (newest history rows, the task text's vector)", "[data][golden][pplug]") {
  const auto root = write_dataset();
  auto config = golden_config(root);
  config.prompt.variant = "pplug";
  config.pplug.max_history = 3;
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  auto e = embeddings();
  // The task text of U4's target item I2, stored under its key.
  CHECK(dep::pplug_task_key("I2") == "item/I2");
  CHECK(dep::pplug_task_text(data.meta.at("I2")) == "[Item Title]: Item I2\n[Item Description]: About item I2.\n");
  e.add_keyed("item/I2", {0.25f, -0.5f, 1.0f});
  dep::DepSampleBuilder builder(config, data, line_encoder, &e);
  const auto sample = builder.build(row_of(data, "U4"), /*training=*/false);
  CHECK(sample.prompt ==
        "<|im_start|>system\nGiven the title and description of an item, and the output review rating and review "
        "title, generate a personalized item review for the user.\n<|im_end|><|im_start|>user\n"
        "[HIS_TOKEN_0][HIS_TOKEN_1]\n[Item Title]: Item I2\n[Item Description]: About item I2.\n"
        "[Output Review Rating]: 4.5\n[Output Review Title]: U4 title I2\n<|im_end|>\n<|im_start|>assistant\n");
  CHECK(sample.history_asins.empty());
  // The two tokens sit on the fourth line of the toy encoding: ids 0 (line), 151665, 151666.
  CHECK(sample.his_positions[0] == 4);
  CHECK(sample.his_positions[1] == 5);
  CHECK(sample.his_diff.empty());
  // U4 (user 4): profile I1@10 I5@20 I7@20 I8@30 = rows 0..3; newest first I8, I5, I7 (the tie
  // keeps profile order); row r = [4 + 0.1 r, 0.5 r − 4, (r mod 3) − 1].
  REQUIRE(sample.pplug_rows == 3);
  REQUIRE(sample.pplug_history.size() == 9);
  check_vec(sample.pplug_history.data(), {4.3, -2.5, -1.0});
  check_vec(sample.pplug_history.data() + 3, {4.1, -3.5, 0.0});
  check_vec(sample.pplug_history.data() + 6, {4.2, -3.0, 1.0});
  check_vec(sample.pplug_task.data(), {0.25, -0.5, 1.0});
  // All four rows without the cap; never the target's row 4.
  config.pplug.max_history = 512;
  dep::DepSampleBuilder all(config, data, line_encoder, &e);
  CHECK(all.build(row_of(data, "U4"), false).pplug_rows == 4);
  // A store without the task text is an error naming its key.
  CHECK_THROWS_WITH(all.build(row_of(data, "U1"), false), Catch::Contains("item/I6"));
}

TEST_CASE("golden: dense retrieval without a caller's query asks with the target item's stored text vector",
          "[data][golden][retrieval]") {
  const auto root = write_dataset();
  auto config = golden_config(root);
  config.prompt.variant = "item_and_reviews";
  config.history.retrieval = "dense";
  const auto data = dep::load_dep_data(config, dep::DepSplit::kTest);
  auto e = embeddings();
  // U4's rows r = [4 + 0.1 r, 0.5 r − 4, (r mod 3) − 1]; the query (0, 0, 1) ranks them by their
  // last component over their norm: row 2 (+0.197), row 1 (0), row 0 (−0.174), row 3 (−0.197).
  e.add_keyed("item/I2", {0.0f, 0.0f, 1.0f});
  dep::DepSampleBuilder builder(config, data, line_encoder, &e);
  CHECK(builder.plan(row_of(data, "U4")).history == std::vector<int64_t>{2, 1, 0, 3});
  // Another target item's vector is missing from the store: an error naming its key.
  CHECK_THROWS_WITH(builder.plan(row_of(data, "U1")), Catch::Contains("item/I6"));
  // Without a store there is nothing to ask with.
  CHECK_THROWS_WITH(dep::DepSampleBuilder(config, data, line_encoder), Catch::Contains("dense retrieval"));
}
