// Length-bucketed batch planning (see length_batching.h).
#include "dep/embed/length_batching.h"

#include <algorithm>
#include <numeric>

#include "dep/core/error.h"

namespace dep {

std::vector<LengthBatch> plan_length_batches(const std::vector<int64_t>& lengths, const BatchingOptions& options) {
  if (options.max_batch_size < 1 || options.max_batch_tokens < 1) {
    fail("batching", "max_batch_size and max_batch_tokens must be at least 1");
  }
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  std::vector<LengthBatch> batches;
  for (size_t index : order) {
    // Longest first, so the batch's first member fixes its padded length.
    if (!batches.empty()) {
      LengthBatch& open = batches.back();
      const auto size = static_cast<int64_t>(open.items.size()) + 1;
      if (size <= options.max_batch_size && size * open.padded_length <= options.max_batch_tokens) {
        open.items.push_back(index);
        continue;
      }
    }
    batches.push_back(LengthBatch{{index}, lengths[index]});
  }
  return batches;
}

std::vector<int64_t> truncate_keeping_last(std::vector<int64_t> ids, int64_t max_length) {
  if (max_length < 1) fail("batching", "max_length must be at least 1");
  if (static_cast<int64_t>(ids.size()) <= max_length) return ids;
  const int64_t last = ids.back();
  ids.resize(static_cast<size_t>(max_length));
  ids.back() = last;
  return ids;
}

}  // namespace dep
