// How well the review embeddings tell writers apart: nearest-centroid identification of the
// writer of held-out reviews from their review (his) embeddings and from their difference (diff)
// embeddings, e − mean(e_peer) over the other reviewers of the same item (the paper's eq. 4 with
// equal weights). In a world where reviews share their item's vocabulary, his mixes item and
// writer and diff isolates the writer; this measures whether the embedder keeps that apart.
#pragma once

#include <cstdint>

#include "dep/data/dep_dataset.h"

namespace dep {

class ReviewEmbeddings;

struct UserIdentification {
  int64_t users = 0;         // candidate writers (summed over categories)
  int64_t heldout = 0;       // held-out reviews scored (those with at least one peer)
  double his_accuracy = 0;   // share identified from the his embedding
  double diff_accuracy = 0;  // share identified from the diff embedding
  double chance = 0;         // expected accuracy of a uniform guess among the category's users
};

// Per category, every user of the test split: their test profile's newest `heldout_per_user`
// reviews that have peers are held out; the user's centroid is the mean of their other reviews'
// vectors (his or diff); a held-out review is assigned to the nearest centroid (Euclidean) among
// the category's users.
UserIdentification identify_users(const DepData& test, const ReviewEmbeddings& embeddings, int64_t heldout_per_user = 3);

}  // namespace dep
