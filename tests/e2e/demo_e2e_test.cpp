// The demo pipeline end to end (scripts/demo_pipeline.sh --quick): tiny models and synthetic data
// made by dep, embed -> pretrain -> train (DEP and the no-text ablations) -> held-out loss ->
// generate -> evaluate every method on the same test samples. The soft prompts must personalize:
// the trained his+diff soft prompts alone (no review text) beat Non-Perso on held-out loss and on
// METEOR, each with its paired-bootstrap 95% interval above 0. The demo's stricter goals (a >= 3%
// loss reduction; DEP's trained vectors beating zeros in their place with the interval above 0) are
// printed here and tracked in docs/demo.md: the quick run meets the first only barely and not the
// second, so they are reported, not asserted.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "dep/core/config.h"
#include "test_paths.h"

TEST_CASE("the demo's trained soft prompts alone beat Non-Perso, intervals above 0", "[e2e]") {
  const std::string out = dep::test::scratch_dir("e2e-demo");
  const std::string command = "DEP_BUILD_DIR='" + std::string(DEP_BINARY_DIR) + "' DEP_DEMO_THREADS=2 '" +
                              std::string(DEP_SOURCE_DIR) + "/scripts/demo_pipeline.sh' --quick --out '" + out +
                              "' > '" + out + "/../e2e-demo.log' 2>&1";
  const int rc = std::system(command.c_str());
  INFO("pipeline log: " << out << "/../e2e-demo.log");
  REQUIRE(rc == 0);
  const auto summary = dep::read_json_file(out + "/summary.json");
  const auto& methods = summary.at("methods");
  for (const char* name : {"non_perso", "rag", "dep", "dep_no_text", "his_only_no_text", "diff_only_no_text", "dep_zero_soft"}) {
    INFO(name);
    REQUIRE(methods.contains(name));
    for (const char* metric : {"meteor", "rouge1", "bleu", "heldout_loss"}) REQUIRE(methods.at(name).at(metric).is_number());
    CHECK(methods.at(name).at("samples") == methods.at("non_perso").at("samples"));
  }
  CHECK(methods.at("non_perso").at("samples").get<int64_t>() > 0);
  const auto& intervals = summary.at("intervals");
  const double non_perso_loss = methods.at("non_perso").at("heldout_loss").get<double>();
  const double no_text_loss = methods.at("dep_no_text").at("heldout_loss").get<double>();
  INFO("dep_no_text loss " << no_text_loss << " vs non_perso " << non_perso_loss);
  // Soft prompts alone: lower held-out loss and higher METEOR than Non-Perso, intervals above 0.
  const auto no_text_loss_gain = intervals.at("dep_no_text_vs_non_perso").at("heldout_loss");
  INFO("loss reduction interval [" << no_text_loss_gain[0].get<double>() << ", " << no_text_loss_gain[1].get<double>()
                                   << "]");
  CHECK(no_text_loss_gain[0].get<double>() > 0);
  const auto meteor = intervals.at("dep_no_text_vs_non_perso").at("meteor");
  INFO("METEOR gain interval [" << meteor[0].get<double>() << ", " << meteor[1].get<double>() << "]");
  CHECK(meteor[0].get<double>() > 0);
  // Reported goals (docs/demo.md).
  const auto zero_soft = intervals.at("dep_vs_dep_zero_soft").at("heldout_loss");
  WARN("dep_no_text vs non_perso: " << 100 * (non_perso_loss - no_text_loss) / non_perso_loss
                                    << "% lower held-out loss (goal >= 3%); dep vs dep_zero_soft loss reduction ["
                                    << zero_soft[0].get<double>() << ", " << zero_soft[1].get<double>()
                                    << "] (goal: above 0)");
  CHECK(std::filesystem::exists(out + "/summary.md"));
  CHECK(std::filesystem::exists(out + "/summary.svg"));
}
