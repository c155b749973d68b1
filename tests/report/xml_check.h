// A strict little XML well-formedness check for the SVG dep writes: one root element, every tag
// closed in order, attributes quoted and unique, only the five predefined entities or character
// references, no stray '<' or '&' in text. Returns an empty string when well-formed, else why not.
#pragma once

#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace dep::test {

inline std::string xml_problem(const std::string& s) {
  size_t i = 0;
  std::vector<std::string> open;
  int roots = 0;
  auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ':' || c == '.'; };
  auto check_text = [&](size_t from, size_t to) -> std::string {
    for (size_t k = from; k < to; ++k) {
      if (s[k] == '<') return "stray '<' at " + std::to_string(k);
      if (s[k] == '&') {
        const size_t semi = s.find(';', k);
        if (semi == std::string::npos || semi > to) return "unterminated entity at " + std::to_string(k);
        const std::string ent = s.substr(k + 1, semi - k - 1);
        static const std::set<std::string> known = {"amp", "lt", "gt", "quot", "apos"};
        if (!known.count(ent) && !(ent.size() > 1 && ent[0] == '#')) return "unknown entity &" + ent + ";";
        k = semi;
      }
    }
    return "";
  };
  if (s.rfind("<?xml", 0) == 0) {
    i = s.find("?>");
    if (i == std::string::npos) return "unterminated XML declaration";
    i += 2;
  }
  while (i < s.size()) {
    const size_t lt = s.find('<', i);
    const size_t text_end = lt == std::string::npos ? s.size() : lt;
    if (open.empty()) {
      for (size_t k = i; k < text_end; ++k)
        if (!std::isspace(static_cast<unsigned char>(s[k]))) return "text outside the root element at " + std::to_string(k);
    } else if (auto p = check_text(i, text_end); !p.empty()) {
      return p;
    }
    if (lt == std::string::npos) break;
    i = lt + 1;
    if (i < s.size() && s[i] == '/') {
      size_t j = ++i;
      while (j < s.size() && is_name(s[j])) ++j;
      const std::string name = s.substr(i, j - i);
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size() || s[j] != '>') return "bad end tag </" + name;
      if (open.empty() || open.back() != name) return "end tag </" + name + "> does not close <" + (open.empty() ? "" : open.back()) + ">";
      open.pop_back();
      i = j + 1;
      continue;
    }
    size_t j = i;
    while (j < s.size() && is_name(s[j])) ++j;
    const std::string name = s.substr(i, j - i);
    if (name.empty()) return "empty tag name at " + std::to_string(i);
    std::set<std::string> attrs;
    while (true) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return "unterminated tag <" + name;
      if (s[j] == '>' || (s[j] == '/' && j + 1 < s.size() && s[j + 1] == '>')) break;
      const size_t a = j;
      while (j < s.size() && is_name(s[j])) ++j;
      const std::string attr = s.substr(a, j - a);
      if (attr.empty()) return "bad attribute in <" + name + "> at " + std::to_string(a);
      if (!attrs.insert(attr).second) return "attribute " + attr + " twice in <" + name + ">";
      if (j + 1 >= s.size() || s[j] != '=' || (s[j + 1] != '"' && s[j + 1] != '\'')) return "unquoted attribute " + attr;
      const char q = s[j + 1];
      const size_t end = s.find(q, j + 2);
      if (end == std::string::npos) return "unterminated attribute " + attr;
      if (auto p = check_text(j + 2, end); !p.empty()) return p + " in attribute " + attr;
      j = end + 1;
    }
    const bool self_closing = s[j] == '/';
    i = j + (self_closing ? 2 : 1);
    if (open.empty()) ++roots;
    if (roots > 1) return "a second root element <" + name + ">";
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  if (roots != 1) return "no root element";
  return "";
}

}  // namespace dep::test
