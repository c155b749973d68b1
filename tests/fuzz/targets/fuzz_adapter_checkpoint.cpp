// An adapter checkpoint as dep-generate and dep-train --resume open it: the safetensors file, the
// adapter metadata it carries (method, config JSON, hidden size) and the config through the
// adapter's typed schema. The tensors themselves go to LibTorch, which this torch-free build
// leaves out; their table is fuzz_safetensors_header's.
#include "dep/adapter/adapter_config.h"
#include "dep/adapter/adapter_file_info.h"
#include "dep/core/config.h"
#include "fuzz_support.h"
#include "safetensors_input.h"

DEP_FUZZ_SAFETENSORS_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dep::fuzz::expect_bad_input_only([&] {
    const auto input = dep::fuzz::parse_safetensors_input("adapter.safetensors", data, size);
    const auto info = dep::adapter_file_info(input.metadata, "adapter.safetensors");
    if (!info) return;
    dep::fuzz::check(info->config.is_object() && info->hidden_size >= 0, "an adapter config object, hidden size >= 0");
    if (info->method == "dep") dep::parse_config<dep::AdapterConfig>(info->config, "adapter.safetensors: dep.adapter");
  });
  return 0;
}
