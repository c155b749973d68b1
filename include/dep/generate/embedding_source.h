// Where dep-generate reads review embeddings from (the data pipeline's ReviewEmbeddings): a
// safetensors file holding one F32 tensor [rows, dim] per user, named "{category}/{user_id}", rows
// in the reference layout (test profile oldest first, then the target; docs/reference-behaviour.md §1.3). This is the
// minimal reader generation needs until the embedder's store (issue 5) is available to link.
#pragma once

#include <memory>
#include <string>

#include "dep/data/review_embeddings.h"

namespace dep {

std::unique_ptr<ReviewEmbeddings> open_review_embeddings(const std::string& path);

// The tensor name of one user's rows.
std::string review_embedding_key(const std::string& category, const std::string& user_id);

}  // namespace dep
