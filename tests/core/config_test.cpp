// Typed configs: unknown keys, wrong types, bounds, overrides and the effective-config dump.
#include <catch2/catch.hpp>

#include "dep/core/config.h"
#include "dep/core/error.h"

namespace {

struct OptimConfig {
  double lr = 1e-5;
  int64_t warmup_steps = 0;
  template <class V>
  void visit(V& v) {
    v("lr", lr, "learning rate", dep::Bounds::positive());
    v("warmup_steps", warmup_steps, "warm-up steps", dep::Bounds::non_negative());
  }
};

struct ExampleConfig {
  std::string model = "tiny";
  bool bf16 = false;
  std::string device = "cpu";
  std::vector<std::string> categories = {"Books"};
  OptimConfig optim;
  template <class V>
  void visit(V& v) {
    v("model", model, "model directory");
    v("bf16", bf16, "run in bf16");
    v.choice("device", device, {"cpu", "cuda"}, "device");
    v("categories", categories, "categories");
    v.section("optim", optim, "optimizer");
  }
};

std::string parse_error(const nlohmann::json& json) {
  try {
    dep::parse_config<ExampleConfig>(json, "train.json");
  } catch (const dep::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("configs read typed values and keep defaults for absent keys", "[config]") {
  auto c = dep::parse_config<ExampleConfig>(nlohmann::json::parse(R"({"bf16": true, "optim": {"lr": 0.5}})"), "x");
  CHECK(c.bf16);
  CHECK(c.optim.lr == 0.5);
  CHECK(c.optim.warmup_steps == 0);
  CHECK(c.model == "tiny");
}

TEST_CASE("config errors name the file, the key path and the reason", "[config]") {
  CHECK(parse_error(nlohmann::json::parse(R"({"optim": {"lrr": 1}})")) ==
        "train.json: optim.lrr: unknown key (did you mean 'optim.lr'?)");
  CHECK(parse_error(nlohmann::json::parse(R"({"bf16": "yes"})")) ==
        "train.json: bf16: expected a boolean, got string \"yes\"");
  CHECK(parse_error(nlohmann::json::parse(R"({"optim": {"lr": -1}})")) ==
        "train.json: optim.lr: value -1 out of range (must be > 0)");
  CHECK(parse_error(nlohmann::json::parse(R"({"optim": {"warmup_steps": 1.5}})")) ==
        "train.json: optim.warmup_steps: expected an integer, got number 1.5");
  CHECK(parse_error(nlohmann::json::parse(R"({"device": "cdua"})")) ==
        "train.json: device: 'cdua' is not one of cpu, cuda (did you mean 'cuda'?)");
  CHECK(parse_error(nlohmann::json::parse(R"({"categories": ["Books", 3]})")) ==
        "train.json: categories[1]: expected a string, got number 3");
  CHECK(parse_error(nlohmann::json::parse(R"({"optim": 3})")) == "train.json: optim: expected an object");
  CHECK(parse_error(nlohmann::json::parse(R"({"zzzzzz": 3})")) == "train.json: zzzzzz: unknown key");
}

TEST_CASE("command-line --set overrides apply before validation", "[config]") {
  nlohmann::json json = nlohmann::json::object();
  dep::apply_override(json, "optim.lr=0.25");
  dep::apply_override(json, "model=/models/qwen");
  dep::apply_override(json, "bf16=true");
  auto c = dep::parse_config<ExampleConfig>(json, "config");
  CHECK(c.optim.lr == 0.25);
  CHECK(c.model == "/models/qwen");
  CHECK(c.bf16);
  CHECK_THROWS_WITH(dep::apply_override(json, "optim.lr"), Catch::Contains("expected KEY.PATH=VALUE"));
  CHECK_THROWS_WITH(dep::apply_override(json, "model.x=1"), Catch::Contains("'model' is not an object"));
  nlohmann::json bad = nlohmann::json::object();
  dep::apply_override(bad, "optim.lrate=1");
  CHECK_THROWS_WITH(dep::parse_config<ExampleConfig>(bad, "config"), Catch::Contains("did you mean 'optim.lr'"));
}

TEST_CASE("the effective config round-trips and documents every key", "[config]") {
  ExampleConfig c;
  c.optim.lr = 0.125;
  auto json = dep::config_to_json(c);
  CHECK(json["optim"]["lr"] == 0.125);
  auto back = dep::parse_config<ExampleConfig>(nlohmann::json::parse(json.dump()), "dump");
  CHECK(back.optim.lr == 0.125);
  const std::string doc = dep::document_config<ExampleConfig>();
  CHECK_THAT(doc, Catch::Contains("| `optim.lr` | `1e-05` | learning rate (> 0) |"));
  CHECK_THAT(doc, Catch::Contains("`device`"));
}
