// The data pipeline's config (configs/data.json): where the DPL JSONL lives, the split seeds,
// history retrieval, peer weighting, the prompt variant and one named switch per reference quirk.
// Defaults reproduce the reference DEP (docs/reference-behaviour.md §1–3, §7–8); docs/data.md explains every key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dep/core/config.h"

namespace dep {

struct DataSourceConfig {
  std::string root;  // holds {category}/{train,val,test,meta}.jsonl
  std::vector<std::string> categories = {"Books", "Movies_and_TV", "CDs_and_Vinyl"};
  bool skip_bad_lines = false;
  template <class V>
  void visit(V& v) {
    v("root", root, "directory with {category}/{train,val,test,meta}.jsonl");
    v("categories", categories,
      "categories in the reference's order (meta merge: later ones overwrite; split concatenation order)");
    v("skip_bad_lines", skip_bad_lines, "skip and count malformed rows instead of failing");
  }
};

struct SplitConfig {
  int64_t seed = 42;
  int64_t val_size = 512;
  template <class V>
  void visit(V& v) {
    v("seed", seed, "seed of the train/val shuffles (numpy default_rng permutation, as HF datasets.shuffle)");
    v("val_size", val_size, "rows sampled from the union of the val splits", Bounds::at_least(1));
  }
};

struct HistoryConfig {
  int64_t k = 8;
  std::string retrieval = "recency";
  int64_t random_seed = 42;
  int64_t max_length = 3072;
  template <class V>
  void visit(V& v) {
    v("k", k, "most reviews shown in the prompt (K); shrinks until the prompt fits", Bounds::between(0, 8));
    v.choice("retrieval", retrieval, {"recency", "random", "bm25", "dense"},
             "history order: newest first (DEP), random, BM25 over review title + item description (DPL), "
             "dense (embedding similarity to the target query)");
    v("random_seed", random_seed, "seed of the random retrieval (mixed with the sample id)");
    v("max_length", max_length, "prompt token budget of the length control", Bounds::at_least(1));
  }
};

struct EmbeddingConfig {
  int64_t slots = 8;
  std::string weighting = "reference";
  int64_t pool_drop_last = 2;
  template <class V>
  void visit(V& v) {
    v("slots", slots, "his/diff slot pairs per sample (placeholders [HIS_TOKEN_i], i < slots)", Bounds::between(1, 8));
    v.choice("weighting", weighting, {"reference", "mean"},
             "diff weights: softmax of normalised distances of users' mean embeddings (reference), "
             "or the plain mean of paper eq. 4");
    v("pool_drop_last", pool_drop_last,
      "the peer pool holds each test profile minus its last N items", Bounds::non_negative());
  }
};

struct PromptConfig {
  std::string variant = "dep";
  int64_t max_target_length = 3072;
  template <class V>
  void visit(V& v) {
    v.choice("variant", variant,
             {"dep", "no_text", "his_only", "diff_only", "his_only_no_text", "diff_only_no_text", "no_guidance", "item_only",
              "item_and_reviews", "rag", "pag", "dpl", "pplug"},
             "prompt variant: DEP, or an ablation (paper Tables 2, 6, 9) or a baseline prompt (Non-Perso, RAG = "
             "item_and_reviews, PAG, DPL, PPlug)");
    v("max_target_length", max_target_length, "training targets are truncated to this many tokens",
      Bounds::at_least(1));
  }
};

// DPL's selection (docs/methods-dpl.md): K is history.k; the rest is here.
struct DplConfig {
  int64_t min_other_reviewers = 4;
  int64_t peers = 4;
  std::string kmeans = "sklearn";
  int64_t kmeans_seed = 42;
  std::string embeddings;
  template <class V>
  void visit(V& v) {
    v("min_other_reviewers", min_other_reviewers,
      "a profile item joins the difference profile when this many other users of the split reviewed it",
      Bounds::at_least(1));
    v("peers", peers, "representative other reviews per difference item (k-means with peers + 1 clusters)",
      Bounds::at_least(1));
    v.choice("kmeans", kmeans, {"sklearn", "plain"},
             "k-means++ draws: scikit-learn's exact picks (numpy RandomState), or a plain seeded k-means++");
    v("kmeans_seed", kmeans_seed, "k-means random_state (DPL: 42; numpy takes 0 .. 2^32 - 1)",
      Bounds::between(0, 4294967295.0));
    v("embeddings", embeddings,
      "review embedding store (dep-embed output) the k-means reads; empty: no peers are chosen");
  }
};

// PPlug's conditioning block (prompt.variant pplug; docs/methods.md).
struct PplugDataConfig {
  int64_t max_history = 512;
  template <class V>
  void visit(V& v) {
    v("max_history", max_history,
      "most history embeddings per sample, newest first (the published runner's fixed 512 rows)", Bounds::at_least(1));
  }
};

// Each switch names a behaviour of the reference code that looks unintended; true reproduces it.
struct QuirkConfig {
  bool slots_skip_peerless = true;
  bool flip_embedding_rows = true;
  bool peer_rule_counts_self = true;
  bool mean_includes_next_target = true;
  bool peers_across_categories = true;
  bool truncate_long_prompts = true;
  bool no_newline_after_system = true;
  template <class V>
  void visit(V& v) {
    v("slots_skip_peerless", slots_skip_peerless,
      "slot i holds the i-th newest item WITH peers, not the review shown as 'Review i+1' (false: aligned)");
    v("flip_embedding_rows", flip_embedding_rows,
      "his rows come from the flipped embedding list, not the sorted profile (differ on tied timestamps)");
    v("peer_rule_counts_self", peer_rule_counts_self,
      "an item qualifies when its pool reviewer set has > 1 entries, the user included (false: >= 1 other)");
    v("mean_includes_next_target", mean_includes_next_target,
      "a user's mean embedding covers the test profile minus 2 (includes the train target; false: the pool rows)");
    v("peers_across_categories", peers_across_categories,
      "peers of an asin come from every category's pool (false: only the sample's category)");
    v("truncate_long_prompts", truncate_long_prompts,
      "training prompt ids are right-truncated to max_length (can cut the assistant header)");
    v("no_newline_after_system", no_newline_after_system,
      "no newline between the system <|im_end|> and <|im_start|>user (false: official ChatML)");
  }
};

struct DataConfig {
  DataSourceConfig data;
  SplitConfig splits;
  HistoryConfig history;
  EmbeddingConfig embeddings;
  PromptConfig prompt;
  QuirkConfig quirks;
  DplConfig dpl;
  PplugDataConfig pplug;
  std::string tokenizer;  // the DEP tokenizer.json (Qwen2.5 + 20 tokens)
  template <class V>
  void visit(V& v) {
    v.section("data", data, "the DPL JSONL data");
    v.section("splits", splits, "DEP's train/val/test construction");
    v.section("history", history, "history retrieval and length control");
    v.section("embeddings", embeddings, "his/diff embedding slots and peer weighting");
    v.section("prompt", prompt, "prompt variant and targets");
    v.section("quirks", quirks, "reference behaviours, reproduced by default");
    v.section("dpl", dpl, "DPL baseline: difference profile, representative peers (prompt.variant=dpl)");
    v.section("pplug", pplug, "PPlug's history block (prompt.variant pplug)");
    v("tokenizer", tokenizer, "DEP tokenizer.json (exact token counts for the length control)");
  }

  // Cross-field checks the keys' bounds cannot express (history.k vs embeddings.slots), run by
  // every parse; `prefix` is where this config sits in a larger one ("data.").
  void validate(const std::string& source, const std::string& prefix = "") const;
};

}  // namespace dep
