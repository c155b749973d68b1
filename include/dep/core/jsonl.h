// The one JSONL read loop: every non-blank line of a file parsed as a JSON object, numbered from 1
// so that each caller's errors name "file:line".
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace dep {

// The errors the loop itself raises (each caller words them for its file).
struct JsonlMessages {
  std::string cannot_open = "cannot open for reading";  // at the path
  std::string not_an_object = "expected a JSON object";  // at "path:line"
};

// Called with the parsed object (the callback may move it), its "path:line" and its line number.
using JsonlObjectCallback = std::function<void(nlohmann::json& object, const std::string& where, int64_t line)>;

// Reads `path` line by line; blank lines (spaces, tabs, \r only) are skipped. A line that is not
// valid JSON (parse_json's checks) or not an object is a dep::Error at "path:line".
void for_each_jsonl_object(const std::string& path, const JsonlObjectCallback& each, const JsonlMessages& messages = {});

}  // namespace dep
