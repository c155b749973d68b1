// The trainer state file (state.json in a checkpoint) is read back with checked integers.
#include <catch2/catch.hpp>

#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/train/train_state.h"

namespace {

dep::TrainState sample_state() {
  dep::TrainState s;
  s.epoch = 2;
  s.window = 3;
  s.global_step = 17;
  s.samples_seen = 68;
  s.tokens_seen = 4096;
  s.elapsed_seconds = 1.5;
  s.data_fingerprint = 0xfedcba9876543210ull;
  s.train_samples = 40;
  s.validations.push_back({1, 9, 2.25, 2.25, "checkpoint-9"});
  s.best_checkpoint = "checkpoint-9";
  s.best_metric = 2.25;
  return s;
}

}  // namespace

TEST_CASE("trainer state: to_json and from_json round-trip", "[train][state]") {
  const dep::TrainState s = dep::TrainState::from_json(sample_state().to_json(), "state.json");
  CHECK(s.epoch == 2);
  CHECK(s.window == 3);
  CHECK(s.global_step == 17);
  CHECK(s.samples_seen == 68);
  CHECK(s.tokens_seen == 4096);
  CHECK(s.data_fingerprint == 0xfedcba9876543210ull);
  CHECK(s.train_samples == 40);
  REQUIRE(s.validations.size() == 1);
  CHECK(s.validations[0].global_step == 9);
  CHECK(s.best_checkpoint == "checkpoint-9");
}

TEST_CASE("trainer state: an integer written as a float or a fraction names the key", "[train][state][reliability]") {
  // get<int64_t>() would cast 1.2e22 out of range (undefined behaviour); 2.5 would be truncated.
  for (const char* key : {"epoch", "window", "global_step", "samples_seen", "tokens_seen", "train_samples"}) {
    for (const double bad : {1.2e22, 2.5}) {
      CAPTURE(key, bad);
      nlohmann::json j = sample_state().to_json();
      j[key] = bad;
      CHECK_THROWS_MATCHES(dep::TrainState::from_json(j, "ck/state.json"), dep::Error,
                           Catch::Predicate<dep::Error>([&](const dep::Error& e) {
                             return e.kind() == dep::ErrorKind::kBadInput &&
                                    std::string(e.what()).find("ck/state.json") != std::string::npos &&
                                    std::string(e.what()).find(std::string("'") + key + "' has the wrong type") !=
                                        std::string::npos;
                           }));
    }
  }
  for (const char* key : {"epoch", "global_step"}) {
    CAPTURE(key);
    nlohmann::json j = sample_state().to_json();
    j["validations"][0][key] = 1.2e22;
    CHECK_THROWS_WITH(dep::TrainState::from_json(j, "ck/state.json"),
                      Catch::Contains("validations") && Catch::Contains(std::string("'") + key + "' has the wrong type"));
  }
}
