// A whole safetensors file (length, JSON header, data buffer) through the validating parser that
// SafetensorsFile::open runs on the mapped file. Accepted files must describe tensors that lie
// inside the buffer: every byte of every tensor is read, so AddressSanitizer sees any overrun.
#include <map>
#include <string>
#include <vector>

#include "dep/core/safetensors.h"
#include "dep/core/safetensors_parse.h"
#include "fuzz_support.h"

DEP_FUZZ_SAFETENSORS_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dep::fuzz::expect_bad_input_only([&] {
    // A copy of exactly `size` bytes: reads past the end of the buffer hit ASan's redzone.
    std::vector<uint8_t> file(data, data + size);
    std::map<std::string, std::string> metadata;
    std::vector<dep::TensorInfo> tensors;
    const uint64_t start = dep::parse_safetensors_buffer("fuzz.safetensors", file.data(), file.size(), metadata, tensors);
    unsigned checksum = 0;
    uint64_t expected_begin = 0;
    for (const auto& t : tensors) {
      dep::fuzz::check(t.begin == expected_begin && t.end >= t.begin, "tensors contiguous from offset 0");
      dep::fuzz::check(t.nbytes() * 8 == static_cast<uint64_t>(t.numel()) * dep::dtype_bits(t.dtype),
                       "byte span = shape x dtype");
      for (uint64_t i = t.begin; i < t.end; ++i) checksum += file[start + i];
      expected_begin = t.end;
    }
    dep::fuzz::check(start + expected_begin == file.size(), "the tensors fill the data buffer");
    (void)checksum;
  });
  return 0;
}
