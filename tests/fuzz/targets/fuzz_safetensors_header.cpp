// A whole safetensors file (length, JSON header, data buffer) through the validating parser that
// SafetensorsFile::open runs on the mapped file. Accepted files must describe tensors that lie
// inside the buffer: every byte of every tensor is read, so AddressSanitizer sees any overrun.
#include <cstdint>

#include "dep/core/safetensors.h"
#include "fuzz_support.h"
#include "safetensors_input.h"

DEP_FUZZ_SAFETENSORS_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dep::fuzz::expect_bad_input_only([&] {
    const auto input = dep::fuzz::parse_safetensors_input("fuzz.safetensors", data, size);
    unsigned checksum = 0;
    uint64_t expected_begin = 0;
    for (const auto& t : input.tensors) {
      dep::fuzz::check(t.begin == expected_begin && t.end >= t.begin, "tensors contiguous from offset 0");
      dep::fuzz::check(t.nbytes() * 8 == static_cast<uint64_t>(t.numel()) * dep::dtype_bits(t.dtype),
                       "byte span = shape x dtype");
      for (uint64_t i = t.begin; i < t.end; ++i) checksum += input.file[input.data_start + i];
      expected_begin = t.end;
    }
    dep::fuzz::check(input.data_start + expected_begin == input.file.size(), "the tensors fill the data buffer");
    (void)checksum;
  });
  return 0;
}
