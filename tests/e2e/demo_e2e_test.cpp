// The demo pipeline end to end (scripts/demo_pipeline.sh --quick): tiny models and synthetic data
// made by dep, embed -> train -> generate -> evaluate; DEP must beat Non-Perso on held-out loss
// and on METEOR of the sampled test-split reviews.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "dep/core/config.h"
#include "test_paths.h"

TEST_CASE("DEP beats Non-Perso on the synthetic demo", "[e2e]") {
  const std::string out = dep::test::scratch_dir("e2e-demo");
  const std::string command = "DEP_BUILD_DIR='" + std::string(DEP_BINARY_DIR) + "' DEP_DEMO_THREADS=2 '" +
                              std::string(DEP_SOURCE_DIR) + "/scripts/demo_pipeline.sh' --quick --out '" + out +
                              "' > '" + out + "/../e2e-demo.log' 2>&1";
  const int rc = std::system(command.c_str());
  INFO("pipeline log: " << out << "/../e2e-demo.log");
  REQUIRE(rc == 0);
  const auto summary = dep::read_json_file(out + "/summary.json");
  const auto& dep_result = summary.at("methods").at("dep");
  const auto& non_perso = summary.at("methods").at("non_perso");
  REQUIRE(dep_result.at("heldout_loss").is_number());
  REQUIRE(non_perso.at("heldout_loss").is_number());
  CHECK(dep_result.at("heldout_loss").get<double>() < non_perso.at("heldout_loss").get<double>());
  REQUIRE(dep_result.at("meteor").is_number());
  REQUIRE(non_perso.at("meteor").is_number());
  CHECK(dep_result.at("meteor").get<double>() > non_perso.at("meteor").get<double>());
  CHECK(dep_result.at("samples") == non_perso.at("samples"));
  CHECK(dep_result.at("samples").get<int64_t>() > 0);
}
