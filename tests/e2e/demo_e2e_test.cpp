// The demo pipeline end to end (scripts/demo_pipeline.sh --quick): tiny models and synthetic data
// made by dep, embed -> pretrain -> train (DEP and the no-text ablations) -> held-out loss ->
// generate -> evaluate every method on the same test samples. The soft prompts must personalize
// (issue 14's goals 1 and 2, docs/demo.md): (1) the trained his+diff soft prompts alone (no review
// text) beat Non-Perso on held-out loss by at least 3% and on METEOR, both paired-bootstrap 95%
// intervals above 0; (2) DEP's trained vectors beat zeros in their place (the same prompt and
// adapter) on held-out loss, the interval above 0. Goals 3 and 4 are printed, not asserted.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "dep/core/config.h"
#include "test_paths.h"

TEST_CASE("the demo's soft prompts alone beat Non-Perso by 3 percent and beside text beat zeros, intervals above 0", "[e2e]") {
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
  const auto loss_of = [&](const char* name) { return methods.at(name).at("heldout_loss").get<double>(); };
  const auto interval = [&](const std::string& comparison, const char* metric) {
    const auto& i = intervals.at(comparison).at(metric);
    return std::pair<double, double>{i[0].get<double>(), i[1].get<double>()};
  };
  // Goal 1: soft prompts alone vs Non-Perso.
  const double relative = (loss_of("non_perso") - loss_of("dep_no_text")) / loss_of("non_perso");
  const auto [loss_low, loss_high] = interval("dep_no_text_vs_non_perso", "heldout_loss");
  const auto [meteor_low, meteor_high] = interval("dep_no_text_vs_non_perso", "meteor");
  INFO("goal 1: dep_no_text loss " << loss_of("dep_no_text") << " vs non_perso " << loss_of("non_perso") << " ("
                                   << 100 * relative << "% lower; reduction interval [" << loss_low << ", "
                                   << loss_high << "]; METEOR gain interval [" << meteor_low << ", " << meteor_high
                                   << "])");
  CHECK(relative >= 0.03);
  CHECK(loss_low > 0);
  CHECK(meteor_low > 0);
  // Goal 2: DEP's trained vectors vs zeros in their place.
  const auto [zero_low, zero_high] = interval("dep_vs_dep_zero_soft", "heldout_loss");
  INFO("goal 2: dep loss " << loss_of("dep") << " vs dep_zero_soft " << loss_of("dep_zero_soft")
                           << "; reduction interval [" << zero_low << ", " << zero_high << "]");
  CHECK(zero_low > 0);
  // Goals 3 and 4, reported (docs/demo.md).
  WARN("goal 3 (no text): loss his+diff " << loss_of("dep_no_text") << ", his only " << loss_of("his_only_no_text")
                                          << ", diff only " << loss_of("diff_only_no_text") << ", non_perso "
                                          << loss_of("non_perso") << "; goal 4 (with text): dep " << loss_of("dep")
                                          << " vs rag " << loss_of("rag") << "; METEOR dep "
                                          << methods.at("dep").at("meteor").get<double>() << " vs rag "
                                          << methods.at("rag").at("meteor").get<double>());
  CHECK(std::filesystem::exists(out + "/summary.md"));
  CHECK(std::filesystem::exists(out + "/summary.svg"));
}
