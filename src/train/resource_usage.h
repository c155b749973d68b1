// Memory figures for training logs: the process's resident set and, on CUDA, the caching
// allocator's peak.
#pragma once

#include <torch/types.h>

namespace dep {

struct ResourceUsage {
  double rss_mb = 0;
  double gpu_peak_mb = -1;  // -1 when not on CUDA (or no CUDA in this LibTorch)
};

ResourceUsage resource_usage(torch::Device device);

}  // namespace dep
