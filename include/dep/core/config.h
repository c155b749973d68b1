// Typed JSON configs. A config is a struct with a `visit` template that names each field once,
// with its help text and bounds; the same description reads a JSON file (unknown keys, wrong
// types and out-of-range values are errors naming the full key path), dumps the effective
// config, and documents the defaults (the struct's member initialisers).
//
//   struct OptimConfig {
//     double lr = 1e-5;
//     template <class V> void visit(V& v) { v("lr", lr, "AdamW learning rate", Bounds::positive()); }
//   };
//   struct TrainConfig {
//     OptimConfig optim;
//     template <class V> void visit(V& v) { v.section("optim", optim, "optimizer"); }
//   };
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace dep {

struct Bounds {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;

  static Bounds any() { return {}; }
  static Bounds positive() { return {0.0, std::numeric_limits<double>::infinity(), true}; }
  static Bounds non_negative() { return {0.0}; }
  static Bounds at_least(double v) { return {v}; }
  static Bounds between(double lo, double hi) { return {lo, hi}; }
  bool contains(double v) const { return (min_exclusive ? v > min : v >= min) && v <= max; }
  std::string describe() const;
};

// The JSON names of an enum's values, in documentation order: `v.choice(key, member, names, help)`
// reads and writes the names, so configs keep their strings and code switches over the enum.
template <class E>
using EnumNames = std::vector<std::pair<E, const char*>>;

template <class E>
const char* enum_name(const EnumNames<E>& names, E value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return "?";
}

// Closest candidate by edit distance, or "" when none is close: for "did you mean" hints.
std::string closest_match(const std::string& key, const std::vector<std::string>& candidates);

// --set a.b.c=value: the value is parsed as JSON when it is valid JSON, else taken as a string.
void apply_override(nlohmann::json& config, const std::string& assignment);

// Reads a JSON config file (errors name the file and the parse position).
nlohmann::json read_json_file(const std::string& path);

namespace config_detail {

// A value type written as a string in JSON (e.g. DeviceName): `static T parse(const std::string&)`
// throwing std::invalid_argument, and `std::string str() const`.
template <class T, class = void>
struct is_string_value : std::false_type {};
template <class T>
struct is_string_value<T, std::void_t<decltype(T::parse(std::string())), decltype(std::declval<const T&>().str())>>
    : std::true_type {};

// A config with cross-field checks: `void validate(const std::string& source) const`.
template <class T, class = void>
struct has_validate : std::false_type {};
template <class T>
struct has_validate<T, std::void_t<decltype(std::declval<const T&>().validate(std::string()))>> : std::true_type {};

template <class E>
std::vector<std::string> names_of(const EnumNames<E>& names) {
  std::vector<std::string> out;
  for (const auto& entry : names) out.push_back(entry.second);
  return out;
}

// "'x' is not one of a, b, c (did you mean 'b'?)"
std::string not_one_of(const std::string& value, const std::vector<std::string>& choices);

[[noreturn]] void fail_at(const std::string& source, const std::string& path, const std::string& what);
std::string join_path(const std::string& prefix, const std::string& key);

// Reads fields from JSON, remembering which keys the schema knows.
class Reader {
 public:
  Reader(const nlohmann::json& object, std::string source, std::string prefix);
  template <class T>
  void operator()(const char* key, T& member, const char* help, Bounds bounds = Bounds::any()) {
    known_.push_back(key);
    auto it = object_.find(key);
    if (it == object_.end()) return;
    if constexpr (is_string_value<T>::value) {
      std::string text;
      read_value(*it, text, join_path(prefix_, key), bounds);
      try {
        member = T::parse(text);
      } catch (const std::invalid_argument& e) {
        fail_at(source_, join_path(prefix_, key), e.what());
      }
    } else {
      read_value(*it, member, join_path(prefix_, key), bounds);
    }
  }
  // An optional field: absent keeps it, null unsets it ("not set here: someone else decides").
  template <class T>
  void operator()(const char* key, std::optional<T>& member, const char*, Bounds bounds = Bounds::any()) {
    known_.push_back(key);
    auto it = object_.find(key);
    if (it == object_.end()) return;
    if (it->is_null()) {
      member.reset();
      return;
    }
    T value{};
    read_value(*it, value, join_path(prefix_, key), bounds);
    member = value;
  }
  void choice(const char* key, std::string& member, const std::vector<std::string>& choices,
              const char* help);
  template <class E>
  void choice(const char* key, E& member, const EnumNames<E>& names, const char*) {
    known_.push_back(key);
    auto it = object_.find(key);
    if (it == object_.end()) return;
    std::string text;
    read_value(*it, text, join_path(prefix_, key), Bounds::any());
    for (const auto& [value, name] : names) {
      if (text == name) {
        member = value;
        return;
      }
    }
    fail_at(source_, join_path(prefix_, key), not_one_of(text, names_of(names)));
  }
  template <class C>
  void section(const char* key, C& member, const char* help) {
    known_.push_back(key);
    auto it = object_.find(key);
    if (it == object_.end()) return;
    const std::string path = join_path(prefix_, key);
    if (!it->is_object()) fail_at(source_, path, "expected an object");
    Reader nested(*it, source_, path);
    member.visit(nested);
    nested.finish();
  }
  // Unknown keys become an error with a "did you mean" suggestion.
  void finish() const;

 private:
  void read_value(const nlohmann::json& v, bool& out, const std::string& path, Bounds);
  void read_value(const nlohmann::json& v, int64_t& out, const std::string& path, Bounds bounds);
  void read_value(const nlohmann::json& v, int& out, const std::string& path, Bounds bounds);
  void read_value(const nlohmann::json& v, double& out, const std::string& path, Bounds bounds);
  void read_value(const nlohmann::json& v, std::string& out, const std::string& path, Bounds);
  void read_value(const nlohmann::json& v, std::vector<std::string>& out, const std::string& path, Bounds);
  void read_value(const nlohmann::json& v, std::vector<int64_t>& out, const std::string& path, Bounds bounds);
  void read_value(const nlohmann::json& v, std::vector<double>& out, const std::string& path, Bounds bounds);

  const nlohmann::json& object_;
  std::string source_;
  std::string prefix_;
  std::vector<std::string> known_;
};

// Writes the effective values, in declaration order.
class Writer {
 public:
  explicit Writer(nlohmann::ordered_json& out) : out_(out) {}
  template <class T>
  void operator()(const char* key, const T& member, const char*, Bounds = Bounds::any()) {
    if constexpr (is_string_value<T>::value) {
      out_[key] = member.str();
    } else {
      out_[key] = member;
    }
  }
  template <class T>
  void operator()(const char* key, const std::optional<T>& member, const char*, Bounds = Bounds::any()) {
    out_[key] = member ? nlohmann::ordered_json(*member) : nlohmann::ordered_json(nullptr);
  }
  void choice(const char* key, const std::string& member, const std::vector<std::string>&, const char*) {
    out_[key] = member;
  }
  template <class E>
  void choice(const char* key, const E& member, const EnumNames<E>& names, const char*) {
    out_[key] = enum_name(names, member);
  }
  template <class C>
  void section(const char* key, C& member, const char*) {
    nlohmann::ordered_json nested = nlohmann::ordered_json::object();
    Writer writer(nested);
    member.visit(writer);
    out_[key] = std::move(nested);
  }

 private:
  nlohmann::ordered_json& out_;
};

// Writes one Markdown table row per field: key path, default, help.
class Documenter {
 public:
  Documenter(std::string& out, std::string prefix) : out_(out), prefix_(std::move(prefix)) {}
  template <class T>
  void operator()(const char* key, const T& member, const char* help, Bounds bounds = Bounds::any()) {
    if constexpr (is_string_value<T>::value) {
      row(key, nlohmann::json(member.str()).dump(), help);
    } else {
      row(key, nlohmann::json(member).dump(), help + bounds_note(bounds));
    }
  }
  template <class T>
  void operator()(const char* key, const std::optional<T>& member, const char* help, Bounds bounds = Bounds::any()) {
    row(key, member ? nlohmann::json(*member).dump() : "null", help + bounds_note(bounds));
  }
  void choice(const char* key, const std::string& member, const std::vector<std::string>& choices,
              const char* help);
  template <class E>
  void choice(const char* key, const E& member, const EnumNames<E>& names, const char* help) {
    choice(key, std::string(enum_name(names, member)), names_of(names), help);
  }
  template <class C>
  void section(const char* key, C& member, const char*) {
    Documenter nested(out_, join_path(prefix_, key));
    member.visit(nested);
  }

 private:
  static std::string bounds_note(const Bounds& bounds);
  void row(const char* key, const std::string& value, const std::string& help);
  std::string& out_;
  std::string prefix_;
};

}  // namespace config_detail

// Runs the config's cross-field checks (`validate`), when it has any.
template <class Config>
void validate_config(const Config& config, const std::string& source) {
  if constexpr (config_detail::has_validate<Config>::value) config.validate(source);
}

// JSON → config, validated: the schema's types and bounds, then the config's cross-field checks.
// `source` names the file in errors.
template <class Config>
Config parse_config(const nlohmann::json& json, const std::string& source) {
  Config config;
  if (!json.is_object()) config_detail::fail_at(source, "", "the config must be a JSON object");
  config_detail::Reader reader(json, source, "");
  config.visit(reader);
  reader.finish();
  validate_config(config, source);
  return config;
}

// Reads `path` (or starts from {} when empty), applies --set overrides, parses.
template <class Config>
Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  nlohmann::json json = path.empty() ? nlohmann::json::object() : read_json_file(path);
  for (const auto& assignment : overrides) apply_override(json, assignment);
  return parse_config<Config>(json, path.empty() ? "config" : path);
}

template <class Config>
nlohmann::ordered_json config_to_json(Config config) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  config_detail::Writer writer(out);
  config.visit(writer);
  return out;
}

// Markdown table of every key with its default and help.
template <class Config>
std::string document_config() {
  std::string out = "| key | default | meaning |\n|---|---|---|\n";
  Config config;
  config_detail::Documenter documenter(out, "");
  config.visit(documenter);
  return out;
}

// Writes the effective config as pretty JSON, atomically (every run does this next to its outputs).
void write_effective_config(const std::string& path, const nlohmann::ordered_json& config);

}  // namespace dep
