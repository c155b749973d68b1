// A synthetic dataset in the DPL schema for demos, tests and benchmarks: users with distinct,
// learnable writing styles (signature vocabulary, review length, sentiment that follows the
// rating), items reviewed by several users, several categories, built into train/val/test the
// way DPL builds its splits (docs/reference-behaviour.md §1.1). Deterministic for a given config (seed included).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dep/core/config.h"
#include "dep/data/dataset.h"

namespace dep {

struct SynthConfig {
  std::vector<std::string> categories = {"Books", "Movies_and_TV", "CDs_and_Vinyl"};
  std::vector<int64_t> users = {12, 12, 12};     // users per category
  int64_t items = 60;                            // items per category
  int64_t min_profile = 8;                       // profile_reviews per user (DPL: >= 8)
  int64_t max_profile = 24;
  double mean_extra_profile = 8.0;               // profile sizes: min + Exp(mean), capped at max
  int64_t long_users = 0;                        // users per category whose profile has max_profile reviews
  int64_t min_sentences = 0;                     // 0: each user's own length preference decides
  std::vector<int64_t> review_sentences = {2, 12};  // range of users' typical body length (sentences)
  int64_t min_review_chars = 200;                // reviews grow body sentences up to this length
  std::vector<int64_t> description_chars = {100, 499};  // range of item description lengths (characters)
  double shared_user_fraction = 0.1;             // users who also review in the next category
  int64_t seed = 7;
  template <class V>
  void visit(V& v) {
    v("categories", categories, "category names");
    v("users", users, "users per category (one number per category)");
    v("items", items, "items per category", Bounds::at_least(2));
    v("min_profile", min_profile, "fewest profile reviews per user (before the 10 input reviews)", Bounds::at_least(1));
    v("max_profile", max_profile, "most profile reviews per user", Bounds::at_least(1));
    v("mean_extra_profile", mean_extra_profile, "mean of the exponential extra profile length",
      Bounds::non_negative());
    v("long_users", long_users, "users per category with exactly max_profile profile reviews (long-tail users)",
      Bounds::non_negative());
    v("min_sentences", min_sentences, "floor on sentences per review (0: the user's style decides)",
      Bounds::non_negative());
    v("review_sentences", review_sentences, "[fewest, most] body sentences a user typically writes");
    v("min_review_chars", min_review_chars, "shortest review text: body sentences are added up to it",
      Bounds::non_negative());
    v("description_chars", description_chars, "[shortest, longest] item description in characters");
    v("shared_user_fraction", shared_user_fraction, "fraction of users who also review in the next category",
      Bounds::between(0, 1));
    v("seed", seed, "random seed");
  }
};

// One category of generated data: meta rows and each user's reviews, oldest first.
struct SyntheticCategory {
  std::string name;
  std::vector<std::pair<std::string, ItemMeta>> meta;                  // (asin, meta)
  std::vector<std::pair<std::string, std::vector<Review>>> user_reviews;  // (user_id, P + 10 reviews)
};

std::vector<SyntheticCategory> generate_synthetic(const SynthConfig& config);

// DPL splits of one user's P + 10 reviews: train i = 0..7, val, test (profile, data).
std::vector<UserRow> dpl_train_rows(const std::string& user_id, const std::vector<Review>& reviews);
UserRow dpl_val_row(const std::string& user_id, const std::vector<Review>& reviews);
UserRow dpl_test_row(const std::string& user_id, const std::vector<Review>& reviews);

// JSONL of one DPL row / meta row (the schema dep reads).
std::string user_row_json(const UserRow& row);
std::string meta_row_json(const std::string& asin, const ItemMeta& meta);

// Writes {dir}/{category}/{train,val,test,meta}.jsonl atomically.
void write_synthetic_dpl(const std::vector<SyntheticCategory>& data, const std::string& dir);

}  // namespace dep
