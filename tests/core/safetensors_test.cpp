// safetensors: round trips, sharded checkpoints, and every corruption the reference rejects.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dep/core/error.h"
#include "dep/core/safetensors.h"
#include "dep/core/safetensors_parse.h"
#include "test_paths.h"

using dep::Dtype;

namespace {

// Writes a raw file: 8-byte length, header text, then `data_bytes` zero bytes.
std::string write_raw(const std::string& dir, const std::string& name, const std::string& header,
                      size_t data_bytes, int64_t declared_length = -1) {
  const std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary);
  uint64_t n = declared_length >= 0 ? static_cast<uint64_t>(declared_length) : header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
  out << header;
  out << std::string(data_bytes, '\0');
  return path;
}

std::string open_error(const std::string& path) {
  try {
    dep::SafetensorsFile::open(path);
  } catch (const dep::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("safetensors round trip keeps every dtype's bytes, shape and metadata", "[safetensors]") {
  const std::string dir = dep::test::scratch_dir("safetensors_roundtrip");
  const std::vector<std::pair<Dtype, int>> dtypes = {
      {Dtype::kBool, 1}, {Dtype::kU8, 1},  {Dtype::kI8, 1},   {Dtype::kI16, 2},  {Dtype::kU16, 2},
      {Dtype::kF16, 2},  {Dtype::kBF16, 2}, {Dtype::kI32, 4}, {Dtype::kU32, 4},  {Dtype::kF32, 4},
      {Dtype::kF64, 8},  {Dtype::kI64, 8}, {Dtype::kU64, 8},  {Dtype::kC64, 8},  {Dtype::kF8_E4M3, 1},
      {Dtype::kF8_E5M2, 1}};
  std::vector<std::vector<uint8_t>> storage;
  std::vector<dep::TensorBytes> tensors;
  for (size_t i = 0; i < dtypes.size(); ++i) {
    const std::vector<int64_t> shape = {2, static_cast<int64_t>(i + 1)};
    std::vector<uint8_t> bytes(static_cast<size_t>(2 * (i + 1) * dtypes[i].second));
    for (size_t b = 0; b < bytes.size(); ++b) bytes[b] = static_cast<uint8_t>((b * 31 + i * 7) & 0xff);
    storage.push_back(bytes);
    tensors.push_back({std::string("t_") + dep::dtype_name(dtypes[i].first), dtypes[i].first, shape, nullptr,
                       bytes.size()});
  }
  for (size_t i = 0; i < tensors.size(); ++i) tensors[i].data = storage[i].data();
  tensors.push_back({"scalar", Dtype::kF32, {}, storage[9].data(), 4});
  tensors.push_back({"empty", Dtype::kF32, {0, 3}, nullptr, 0});
  const std::string path = dir + "/all.safetensors";
  dep::write_safetensors(path, tensors, {{"format", "pt"}, {"note", "round trip"}});

  auto file = dep::SafetensorsFile::open(path);
  CHECK(file->metadata().at("format") == "pt");
  CHECK(file->metadata().at("note") == "round trip");
  REQUIRE(file->tensors().size() == tensors.size());
  for (size_t i = 0; i < dtypes.size(); ++i) {
    const auto& info = file->at(tensors[i].name);
    CHECK(info.dtype == dtypes[i].first);
    CHECK(info.shape == tensors[i].shape);
    REQUIRE(info.nbytes() == storage[i].size());
    CHECK(std::memcmp(file->data(info), storage[i].data(), storage[i].size()) == 0);
  }
  CHECK(file->at("scalar").shape.empty());
  CHECK(file->at("empty").nbytes() == 0);
  // The writer pads the header to 8 bytes and orders by descending alignment.
  std::ifstream raw(path, std::ios::binary);
  uint64_t n = 0;
  raw.read(reinterpret_cast<char*>(&n), 8);
  CHECK(n % 8 == 0);
  CHECK(dep::dtype_bits(file->tensors().front().dtype) == 64);
}

TEST_CASE("safetensors rejects corrupt files with a message naming the problem", "[safetensors]") {
  const std::string dir = dep::test::scratch_dir("safetensors_corrupt");
  auto header = [](const std::string& tensors) { return "{" + tensors + "}"; };
  const std::string good_a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

  SECTION("too small") {
    std::ofstream(dir + "/tiny.safetensors") << "abc";
    CHECK_THAT(open_error(dir + "/tiny.safetensors"), Catch::Contains("too small"));
  }
  SECTION("header length past the end") {
    auto p = write_raw(dir, "long.safetensors", header(good_a), 8, 5000);
    CHECK_THAT(open_error(p), Catch::Contains("runs past the end"));
  }
  SECTION("header length over 100 MB") {
    auto p = write_raw(dir, "huge.safetensors", header(good_a), 8, 200'000'000);
    CHECK_THAT(open_error(p), Catch::Contains("100 MB"));
  }
  SECTION("truncated data") {
    auto p = write_raw(dir, "trunc.safetensors", header(good_a), 4);
    CHECK_THAT(open_error(p), Catch::Contains("truncated"));
  }
  SECTION("trailing bytes") {
    auto p = write_raw(dir, "trail.safetensors", header(good_a), 12);
    CHECK_THAT(open_error(p), Catch::Contains("trailing"));
  }
  SECTION("overlapping offsets") {
    auto p = write_raw(dir, "overlap.safetensors",
                       header(good_a + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]})"), 12);
    CHECK_THAT(open_error(p), Catch::Contains("'b'") && Catch::Contains("overlap"));
  }
  SECTION("gapped offsets") {
    auto p = write_raw(dir, "gap.safetensors",
                       header(good_a + R"(,"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]})"), 20);
    CHECK_THAT(open_error(p), Catch::Contains("'b'") && Catch::Contains("gap"));
  }
  SECTION("unknown dtype") {
    auto p = write_raw(dir, "dtype.safetensors", header(R"("a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]})"), 8);
    CHECK_THAT(open_error(p), Catch::Contains("unknown dtype 'F17'") && Catch::Contains("'a'"));
  }
  SECTION("shape and byte span disagree") {
    auto p = write_raw(dir, "shape.safetensors", header(R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), 8);
    CHECK_THAT(open_error(p), Catch::Contains("needs 12 bytes") && Catch::Contains("'a'"));
  }
  SECTION("header is not JSON") {
    auto p = write_raw(dir, "json.safetensors", "{not json", 0);
    CHECK_THAT(open_error(p), Catch::Contains("not valid JSON"));
  }
  SECTION("metadata values must be strings") {
    auto p = write_raw(dir, "meta.safetensors", header(R"("__metadata__":{"n":1},)" + good_a), 8);
    CHECK_THAT(open_error(p), Catch::Contains("__metadata__['n']"));
  }
  SECTION("unknown field in a tensor entry") {
    auto p = write_raw(dir, "field.safetensors",
                       header(R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1})"), 8);
    CHECK_THAT(open_error(p), Catch::Contains("unknown field 'x'"));
  }
  SECTION("every error names the file") {
    auto p = write_raw(dir, "named.safetensors", "{not json", 0);
    CHECK_THAT(open_error(p), Catch::StartsWith(p));
  }
}

TEST_CASE("sharded checkpoints load through the index and report a missing shard", "[safetensors]") {
  const std::string dir = dep::test::scratch_dir("safetensors_sharded");
  const float a[2] = {1.0f, 2.0f}, b[3] = {3.0f, 4.0f, 5.0f};
  dep::write_safetensors(dir + "/model-00001-of-00002.safetensors", {{"a", Dtype::kF32, {2}, a, 8}});
  dep::write_safetensors(dir + "/model-00002-of-00002.safetensors", {{"b", Dtype::kF32, {3}, b, 12}});
  nlohmann::json index = {{"metadata", {{"total_size", 20}}},
                          {"weight_map", {{"a", "model-00001-of-00002.safetensors"},
                                          {"b", "model-00002-of-00002.safetensors"}}}};
  std::ofstream(dir + "/model.safetensors.index.json") << index.dump();

  auto ckpt = dep::SafetensorsCheckpoint::open(dir);
  CHECK(ckpt.files().size() == 2);
  auto entry = ckpt.at("b");
  float got[3];
  std::memcpy(got, entry.file->data(*entry.info), 12);
  CHECK(got[2] == 5.0f);
  CHECK_THROWS_WITH(ckpt.at("c"), Catch::Contains("tensor 'c' not found"));

  std::filesystem::remove(dir + "/model-00002-of-00002.safetensors");
  CHECK_THROWS_WITH(dep::SafetensorsCheckpoint::open(dir),
                    Catch::Contains("shard 'model-00002-of-00002.safetensors'") && Catch::Contains("missing"));
}

TEST_CASE("an index's shard names stay inside the model directory", "[safetensors][reliability]") {
  // "../x" or "/etc/x" would open a file elsewhere; the reference indexes name plain files.
  auto index_error = [](const std::string& shard) {
    const nlohmann::json index = {{"weight_map", {{"a", shard}}}};
    try {
      dep::parse_safetensors_index("m/model.safetensors.index.json", index.dump());
    } catch (const dep::Error& e) {
      CHECK(e.kind() == dep::ErrorKind::kBadInput);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  for (const std::string& shard : std::vector<std::string>{"../model.safetensors", "/etc/passwd", "sub/x.safetensors", "", "..",
                                  std::string("a\0b", 3)}) {
    INFO(shard);
    CHECK_THAT(index_error(shard), Catch::StartsWith("m/model.safetensors.index.json: weight_map['a']: shard \"") &&
                                       Catch::Contains("is not a file name in the model directory"));
  }
  CHECK_THAT(index_error(std::string("a\0b", 3)), Catch::Contains("shard \"a\\u0000b\" is not a file name"));
  CHECK(index_error("model-00001-of-00002.safetensors") == "accepted");
  CHECK_THROWS_WITH(dep::parse_safetensors_index("i.json", "[1]"), Catch::Contains("i.json: expected a JSON object"));
  CHECK_THROWS_WITH(dep::parse_safetensors_index("i.json", R"({"weight_map": {"a": "x", "a": "y"}})"),
                    Catch::Contains("i.json: malformed JSON: duplicate key \"a\""));
}

TEST_CASE("fixture checkpoints validate", "[safetensors][fixtures]") {
  for (const char* dir : {"tiny-qwen2", "tiny-xlmr", "tiny-dep-step/decoder"}) {
    auto ckpt = dep::SafetensorsCheckpoint::open(dep::test::fixture(dir));
    CHECK(!ckpt.names().empty());
  }
  auto ref = dep::SafetensorsFile::open(dep::test::fixture("tiny-qwen2/reference.safetensors"));
  CHECK(ref->at("input_ids").shape == std::vector<int64_t>{3, 16});
}
