// Bounded, strict JSON parsing through nlohmann's parser callback: the callback sees every container
// start, key and value as the parser reaches it, so a bad document is refused before anything
// recursive (copy, dump, destruction of a deep tree) touches it.
#include "dep/core/json.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"

namespace dep {
namespace {

// Thrown from inside the callback (nlohmann lets it propagate) and turned into a dep::Error by the
// caller, which knows `where`.
struct Refusal {
  std::string what;
};

template <typename Json>
Json parse_strict(std::string_view text, const std::string& where) {
  // Keys seen so far in each open object, innermost last.
  std::vector<std::unordered_set<std::string>> open_objects;
  int depth = 0;
  typename Json::parser_callback_t check = [&](int, nlohmann::json::parse_event_t event, Json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (++depth > kMaxJsonDepth) {
          throw Refusal{"nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
        }
        if (event == Event::object_start) open_objects.emplace_back();
        break;
      case Event::object_end:
        open_objects.pop_back();
        --depth;
        break;
      case Event::array_end:
        --depth;
        break;
      case Event::key: {
        const auto& key = parsed.template get_ref<const std::string&>();
        if (!open_objects.empty() && !open_objects.back().insert(key).second) {
          throw Refusal{"duplicate key \"" + text_excerpt(key, 60) + "\""};
        }
        break;
      }
      case Event::value:
        if (parsed.is_number_float() && !std::isfinite(parsed.template get<double>())) {
          throw Refusal{"number out of range (beyond a 64-bit float)"};
        }
        break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), check);
  } catch (const Refusal& r) {
    fail(where, "malformed JSON: " + r.what);
  } catch (const nlohmann::json::out_of_range& e) {
    // 1e400, a 5000-digit integer: nlohmann's "number overflow" quotes the whole token.
    fail(where, "malformed JSON: number out of range (beyond a 64-bit float): " + text_excerpt(e.what(), 120));
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message quotes the offending token; keep it short.
    fail(where, "malformed JSON: " + text_excerpt(e.what(), 200));
  }
}

template <typename Json>
std::string excerpt(const Json& value, size_t max_chars) {
  // Values reach this function only through parse_json, so their depth is bounded and the dump is
  // safe; its length is not, hence the cut.
  return text_excerpt(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), max_chars);
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& where) {
  return parse_strict<nlohmann::json>(text, where);
}

nlohmann::ordered_json parse_ordered_json(std::string_view text, const std::string& where) {
  return parse_strict<nlohmann::ordered_json>(text, where);
}

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

nlohmann::ordered_json read_ordered_json_file(const std::string& path) {
  return parse_ordered_json(read_file(path), path);
}

std::string json_excerpt(const nlohmann::json& value, size_t max_chars) { return excerpt(value, max_chars); }

std::string json_excerpt(const nlohmann::ordered_json& value, size_t max_chars) {
  return excerpt(value, max_chars);
}

int64_t json_int64(const nlohmann::json& value, const std::string& where, const std::string& what) {
  if (value.is_number_unsigned() && value.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<int64_t>();
  fail(where, what + " has the wrong type: expected an integer within 64 bits, got " + json_excerpt(value, 40));
}

std::vector<int64_t> json_int64_list(const nlohmann::json& value, const std::string& where, const std::string& key) {
  const std::string what = "key '" + key + "'";
  if (!value.is_array()) return {json_int64(value, where, what)};
  std::vector<int64_t> out;
  for (size_t i = 0; i < value.size(); ++i) out.push_back(json_int64(value[i], where, what + " entry " + std::to_string(i)));
  return out;
}

int64_t json_int64(const nlohmann::json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) fail(where, std::string("key '") + key + "' is missing");
  return json_int64(*it, where, std::string("key '") + key + "'");
}

int64_t json_int64_or(const nlohmann::json& object, const char* key, int64_t fallback, const std::string& where) {
  return object.contains(key) ? json_int64(object, key, where) : fallback;
}

std::string text_excerpt(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  // Cut on a UTF-8 character boundary.
  size_t cut = max_chars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

}  // namespace dep
