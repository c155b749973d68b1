// The JSONL read loop (see jsonl.h).
#include "dep/core/jsonl.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "dep/core/error.h"
#include "dep/core/json.h"

namespace dep {

void for_each_jsonl_object(const std::string& path, const JsonlObjectCallback& each, const JsonlMessages& messages) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, messages.cannot_open);
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number);
    nlohmann::json object = parse_json(line, where);  // json.h: depth, duplicate keys, huge numbers
    if (!object.is_object()) fail(where, messages.not_an_object);
    each(object, where, number);
  }
}

}  // namespace dep
