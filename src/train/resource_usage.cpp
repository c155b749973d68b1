// /proc/self/statm for the RSS; c10's CUDA caching-allocator stats when LibTorch has CUDA.
#include "resource_usage.h"

#include <unistd.h>

#include <fstream>

#ifdef DEP_HAVE_C10_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace dep {

ResourceUsage resource_usage(torch::Device device) {
  ResourceUsage out;
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (statm >> pages_total >> pages_resident) {
    out.rss_mb = static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
  }
#ifdef DEP_HAVE_C10_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.has_index() ? device.index() : 0);
    // Index 0 is the aggregate over pools in every LibTorch version.
    out.gpu_peak_mb = static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
  }
#else
  (void)device;
#endif
  return out;
}

}  // namespace dep
