// safetensors ↔ torch: exact values from the fixtures, zero-copy views, dtype round trips.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstring>

#include "dep/core/error.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

TEST_CASE("BF16 fixture weights load with their exact stored values", "[tensor_io][fixtures]") {
  auto ckpt = dep::SafetensorsCheckpoint::open(dep::test::fixture("tiny-qwen2"));
  auto entry = ckpt.at("model.embed_tokens.weight");
  REQUIRE(entry.info->dtype == dep::Dtype::kBF16);
  torch::Tensor f32 = dep::load_tensor(ckpt, "model.embed_tokens.weight", torch::kFloat32);
  REQUIRE(f32.sizes() == torch::IntArrayRef({1000, 64}));
  // bf16 → fp32 is exact: the 16 stored bits become the high half of the float.
  const auto* raw = reinterpret_cast<const uint16_t*>(entry.file->data(*entry.info));
  auto acc = f32.accessor<float, 2>();
  for (int64_t i = 0; i < 1000; i += 97) {
    for (int64_t j = 0; j < 64; ++j) {
      uint32_t bits = static_cast<uint32_t>(raw[i * 64 + j]) << 16;
      float expected;
      std::memcpy(&expected, &bits, 4);
      REQUIRE(acc[i][j] == expected);
    }
  }
  torch::Tensor view = dep::tensor_view(entry.file, *entry.info);
  CHECK(view.scalar_type() == torch::kBFloat16);
  CHECK(view.data_ptr() == entry.file->data(*entry.info));  // zero-copy
}

TEST_CASE("F32 fixture weights load bit for bit", "[tensor_io][fixtures]") {
  auto tensors = dep::load_safetensors(dep::test::fixture("tiny-xlmr/model.safetensors"));
  auto file = dep::SafetensorsFile::open(dep::test::fixture("tiny-xlmr/model.safetensors"));
  const auto& info = file->at("embeddings.LayerNorm.weight");
  torch::Tensor t = tensors.at("embeddings.LayerNorm.weight");
  REQUIRE(t.numel() * 4 == static_cast<int64_t>(info.nbytes()));
  CHECK(std::memcmp(t.data_ptr(), file->data(info), info.nbytes()) == 0);
}

TEST_CASE("torch tensors round-trip through safetensors in every supported dtype", "[tensor_io]") {
  const std::string dir = dep::test::scratch_dir("tensor_io_roundtrip");
  dep::NamedTensors named;
  for (auto dtype : {torch::kFloat32, torch::kFloat64, torch::kFloat16, torch::kBFloat16, torch::kInt64,
                     torch::kInt32, torch::kInt16, torch::kInt8, torch::kUInt8, torch::kBool}) {
    torch::Tensor t = (torch::arange(24, torch::kFloat64).reshape({2, 3, 4}) * 0.37 - 3.0).to(dtype);
    named.emplace_back(std::string("t_") + c10::toString(dtype), t.transpose(0, 2));  // non-contiguous
  }
  dep::save_safetensors(dir + "/t.safetensors", named, {{"format", "pt"}});
  auto loaded = dep::load_safetensors(dir + "/t.safetensors");
  for (const auto& [name, tensor] : named) {
    INFO(name);
    REQUIRE(loaded.count(name));
    CHECK(loaded.at(name).scalar_type() == tensor.scalar_type());
    CHECK(torch::equal(loaded.at(name), tensor.contiguous()));
  }
}

TEST_CASE("dtype and device flags are validated", "[tensor_io]") {
  CHECK(dep::parse_compute_dtype("bf16", "--dtype") == torch::kBFloat16);
  CHECK_THROWS_WITH(dep::parse_compute_dtype("int4", "--dtype"), Catch::Contains("--dtype: unknown dtype 'int4'"));
  CHECK(dep::parse_device("cpu", "--device").is_cpu());
  CHECK_THROWS_WITH(dep::parse_device("tpu", "--device"), Catch::Contains("--device"));
  if (!torch::cuda::is_available()) {
    CHECK_THROWS_WITH(dep::parse_device("cuda", "--device"), Catch::Contains("no CUDA GPU"));
  }
}
