// DEP split construction (longest profile per user, seeded val sample, test order) and the
// retrieval orders (recency with ties, random, rank_bm25's BM25Okapi, dense).
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "dep/data/dep_dataset.h"
#include "dep/core/error.h"
#include "dep/data/retrieval.h"
#include "dep/data/splits.h"
#include "dep/data/synthetic_data.h"
#include "test_paths.h"

namespace {

dep::UserRow row(const std::string& user, size_t profile_size, int64_t line) {
  dep::UserRow r;
  r.user_id = user;
  r.line = line;
  for (size_t i = 0; i < profile_size; ++i) r.profile.push_back({"A" + std::to_string(i), 5.0, "t", int64_t(i), "x"});
  r.data = {"T", 4.0, "t", 99, "x"};
  return r;
}

}  // namespace

TEST_CASE("train keeps each user's longest-profile row", "[data][splits]") {
  std::vector<dep::UserRow> rows = {row("U1", 10, 1), row("U2", 8, 2), row("U1", 12, 3), row("U1", 11, 4),
                                    row("U2", 9, 5)};
  auto kept = dep::longest_profile_rows(rows, "train.jsonl");
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].user_id == "U1");
  CHECK(kept[0].profile.size() == 12);
  CHECK(kept[1].profile.size() == 9);
  std::vector<dep::UserRow> ambiguous = {row("U1", 10, 1), row("U1", 10, 7)};
  CHECK_THROWS_WITH(dep::longest_profile_rows(ambiguous, "train.jsonl"),
                    "train.jsonl:7: user U1 has two train rows with profile length 10 (the other on line 1); the "
                    "longest row is ambiguous");
}

TEST_CASE("the seeded shuffle is a deterministic permutation", "[data][splits]") {
  auto a = dep::seeded_permutation(1000, 42);
  auto b = dep::seeded_permutation(1000, 42);
  auto c = dep::seeded_permutation(1000, 43);
  CHECK(a == b);
  CHECK(a != c);
  std::set<size_t> distinct(a.begin(), a.end());
  CHECK(distinct.size() == 1000);
  CHECK(*distinct.rbegin() == 999);
  size_t fixed_points = 0;
  for (size_t i = 0; i < a.size(); ++i) fixed_points += a[i] == i;
  CHECK(fixed_points < 10);  // a shuffle, not the identity
}

TEST_CASE("the shuffle equals numpy's default_rng(seed).permutation (HF datasets.shuffle)", "[data][splits]") {
  // Values printed by numpy 2.x: np.random.default_rng(seed).permutation(n)
  CHECK(dep::seeded_permutation(10, 42) == std::vector<size_t>{5, 6, 0, 7, 3, 2, 4, 9, 1, 8});
  auto head = [](std::vector<size_t> v) { return std::vector<size_t>(v.begin(), v.begin() + 12); };
  CHECK(head(dep::seeded_permutation(17, 0)) == std::vector<size_t>{2, 10, 3, 11, 0, 4, 7, 5, 16, 12, 13, 6});
  CHECK(head(dep::seeded_permutation(4196, 42)) ==
        std::vector<size_t>{3682, 2439, 665, 1389, 1355, 2851, 3784, 1514, 2362, 2105, 2523, 3079});
  CHECK(head(dep::seeded_permutation(100000, 7)) ==
        std::vector<size_t>{45070, 71435, 99538, 45453, 95412, 41945, 31028, 51479, 73092, 36568, 90332, 63099});
  CHECK(head(dep::seeded_permutation(3000, 12345678901ull)) ==
        std::vector<size_t>{1917, 1470, 121, 756, 2844, 1238, 823, 300, 825, 213, 1942, 1265});
  CHECK(dep::seeded_permutation(1, 42) == std::vector<size_t>{0});
}

TEST_CASE("val samples val_size rows from the union of the val splits and test keeps file order", "[data][splits]") {
  dep::SynthConfig synth;
  synth.users = {7, 5, 6};
  synth.items = 40;
  const auto dir = dep::test::scratch_dir("data-splits");
  dep::write_synthetic_dpl(dep::generate_synthetic(synth), dir);
  dep::DataConfig config;
  config.data.root = dir;
  config.splits.val_size = 10;
  const auto val = dep::load_dep_data(config, dep::DepSplit::kVal);
  CHECK(val.rows.size() == 10);
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : val.rows) seen.insert({r.category, r.row.user_id});
  CHECK(seen.size() == 10);
  const auto val_again = dep::load_dep_data(config, dep::DepSplit::kVal);
  for (size_t i = 0; i < 10; ++i) CHECK(val_again.rows[i].row.user_id == val.rows[i].row.user_id);

  const auto test = dep::load_dep_data(config, dep::DepSplit::kTest);
  REQUIRE(test.rows.size() == 18);  // 10% shared users round down to none here
  CHECK(test.rows.front().category == "Books");
  CHECK(test.rows.back().category == "CDs_and_Vinyl");

  const auto train = dep::load_dep_data(config, dep::DepSplit::kTrain);
  CHECK(train.rows.size() == test.rows.size());
  for (const auto& r : train.rows) {
    // the DPL i = 7 row: profile = test profile minus 2, target = the test profile's 2nd-newest review
    const auto* t = train.test_row(r.category, r.row.user_id);
    REQUIRE(t);
    CHECK(r.row.profile.size() + 2 == t->profile.size());
    CHECK(r.row.data.asin == t->profile[t->profile.size() - 2].asin);
  }
}

TEST_CASE("recency is newest first with ties in file order", "[data][retrieval]") {
  std::vector<dep::Review> p = {{"a", 1, "t", 10, ""}, {"b", 1, "t", 30, ""}, {"c", 1, "t", 20, ""},
                                {"d", 1, "t", 30, ""}};
  CHECK(dep::recency_order(p) == std::vector<int64_t>{1, 3, 2, 0});
}

TEST_CASE("BM25Okapi matches rank_bm25's formula (negative idf floored at epsilon * mean idf)", "[data][retrieval]") {
  // Corpus [a b], [a c c], [d]: idf(a) = ln(1.5/2.5) < 0 → 0.25 · mean idf = 0.0638532030.
  dep::Bm25Okapi bm25({{"a", "b"}, {"a", "c", "c"}, {"d"}});
  CHECK(bm25.idf("a") == Approx(0.06385320297074884).epsilon(1e-12));
  CHECK(bm25.idf("b") == Approx(0.5108256237659907).epsilon(1e-12));
  auto s = bm25.scores({"c", "a"});
  CHECK(s[0] == Approx(0.06385320297074884).epsilon(1e-12));
  CHECK(s[1] == Approx(0.6808335236692719).epsilon(1e-12));
  CHECK(s[2] == 0.0);
  CHECK(dep::order_by_score(s) == std::vector<int64_t>{1, 0, 2});
  CHECK(dep::order_by_score({1.0, 2.0, 1.0}) == std::vector<int64_t>{1, 2, 0});  // ties: later index first
}

TEST_CASE("BM25 history ranks by review title + item description against the target", "[data][retrieval]") {
  dep::MetaTable meta{{"X", {"", "space opera with robots"}},
                      {"Y", {"", "a quiet garden memoir"}},
                      {"Z", {"", "robots in space again"}},
                      {"T", {"", "robots and space battles"}}};
  std::vector<dep::Review> profile = {{"X", 5, "t", 1, "Great"}, {"Y", 5, "t", 2, "Lovely"}, {"Z", 5, "t", 3, "Meh"}};
  dep::Review target{"T", 4, "t", 4, "Great fun"};
  auto order = dep::bm25_order(profile, target, meta);
  CHECK(order.front() == 0);  // "Great" + robots + space
  CHECK(order.back() == 1);
}

TEST_CASE("dense retrieval orders by cosine similarity and random retrieval is seeded", "[data][retrieval]") {
  const float rows[] = {1, 0, 0, 1, 0.6f, 0.8f};
  const float q[] = {0, 2};
  CHECK(dep::dense_order(q, rows, 3, 2) == std::vector<int64_t>{1, 2, 0});
  CHECK(dep::random_order(20, 5) == dep::random_order(20, 5));
  CHECK(dep::random_order(20, 5) != dep::random_order(20, 6));
}
