// Adapter metadata (adapter_file_info.h): what a file says about its method, config and hidden size.
// Damaged metadata is bad input naming the file, never an internal error (seen when its parsing was
// split out for the fuzz target: a config that was a JSON array, or a string hidden_size, escaped
// as nlohmann's type_error; "64abc" passed std::stoll as 64).
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "dep/adapter/adapter_file_info.h"
#include "bad_input.h"

namespace {
std::string error_of(const std::map<std::string, std::string>& metadata) {
  return dep::test::bad_input_message([&] { dep::adapter_file_info(metadata, "a.safetensors"); });
}
}  // namespace

TEST_CASE("adapter metadata round-trips and damaged metadata is bad input", "[adapter][reliability]") {
  const auto metadata = dep::adapter_file_metadata("dep", nlohmann::ordered_json{{"hidden_size", 0}, {"latent_dim", 2}}, 64);
  const auto info = dep::adapter_file_info(metadata, "a.safetensors");
  REQUIRE(info);
  CHECK(info->method == "dep");
  CHECK(info->hidden_size == 64);
  CHECK(info->config.at("latent_dim") == 2);
  CHECK_FALSE(dep::adapter_file_info({{"format", "pt"}}, "a.safetensors"));  // a reference checkpoint

  CHECK_THAT(error_of({{"dep.adapter", "[1]"}}),
             Catch::StartsWith("a.safetensors: dep.adapter metadata: expected a JSON object, got [1]"));
  CHECK_THAT(error_of({{"dep.adapter", R"({"hidden_size": "64"})"}}),
             Catch::Contains("hidden_size must be an integer >= 0, got \"64\""));
  CHECK_THAT(error_of({{"dep.adapter", R"({"hidden_size": -3})"}}), Catch::Contains("hidden_size must be an integer >= 0"));
  CHECK_THAT(error_of({{"dep.adapter", "{}"}, {"dep.adapter_hidden_size", "64abc"}}),
             Catch::StartsWith("a.safetensors: dep.adapter_hidden_size metadata is not a non-negative integer: 64abc"));
  CHECK_THAT(error_of({{"dep.adapter", "{}"}, {"dep.adapter_hidden_size", "-1"}}),
             Catch::Contains("is not a non-negative integer"));
  CHECK_THAT(error_of({{"dep.adapter", R"({"a": 1, "a": 2})"}}), Catch::Contains("malformed JSON: duplicate key"));
}
