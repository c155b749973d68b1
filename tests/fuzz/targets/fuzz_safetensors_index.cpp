// model.safetensors.index.json text: the shard map a sharded checkpoint opens. Accepted shard
// names must stay inside the model directory.
#include <string>

#include "dep/core/safetensors.h"
#include "dep/core/safetensors_parse.h"
#include "fuzz_support.h"

DEP_FUZZ_JSON_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dep::fuzz::expect_bad_input_only([&] {
    const auto shards = dep::parse_safetensors_index("model.safetensors.index.json",
                                                     std::string(reinterpret_cast<const char*>(data), size));
    for (const auto& [shard, names] : shards) {
      dep::fuzz::check(!shard.empty() && shard.find('/') == std::string::npos && shard != "..",
                       "shard names are file names in the model directory");
      dep::fuzz::check(!names.empty(), "every shard holds a tensor");
    }
  });
  return 0;
}
