// Reading DPL JSONL splits and meta with per-line validation (see dataset.h).
#include "dep/data/dataset.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <exception>
#include <thread>
#include <unordered_map>

#include "dep/core/error.h"
#include "dep/core/json.h"
#include "fast_row_parser.h"

namespace dep {

std::vector<const Review*> reviews_oldest_first(const UserRow& row) {
  std::vector<const Review*> out;
  for (const auto& review : row.profile) out.push_back(&review);
  std::stable_sort(out.begin(), out.end(), [](const Review* a, const Review* b) { return a->timestamp < b->timestamp; });
  out.push_back(&row.data);
  return out;
}

void ReadReport::note(const std::string& problem) {
  if (problems.size() < kMaxProblems) problems.push_back(problem);
}

namespace {

using nlohmann::json;

const json& field(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) fail(where, std::string("missing field '") + key + "'");
  return *it;
}

std::string string_field(const json& object, const char* key, const std::string& where) {
  const json& v = field(object, key, where);
  if (!v.is_string()) fail(where, std::string("field '") + key + "' must be a string, got " + json_excerpt(v));
  return v.get<std::string>();
}

Review parse_review(const json& object, const std::string& where) {
  if (!object.is_object()) fail(where, "a review must be an object, got " + json_excerpt(object));
  Review review;
  review.asin = string_field(object, "asin", where);
  if (review.asin.empty()) fail(where, "empty asin");
  const json& rating = field(object, "rating", where);
  if (!rating.is_number()) fail(where, "non-numeric rating " + json_excerpt(rating) + " (asin " + review.asin + ")");
  review.rating = rating.get<double>();
  if (!std::isfinite(review.rating)) fail(where, "rating is not finite (asin " + review.asin + ")");
  review.text = string_field(object, "text", where);
  if (review.text.empty()) fail(where, "empty review text (asin " + review.asin + ")");
  const json& ts = field(object, "timestamp", where);
  // A timestamp beyond int64 would wrap (2^63 -> INT64_MIN) and reorder the user's history.
  const auto out_of_range = [&] {
    fail(where, "timestamp " + json_excerpt(ts) + " is outside the 64-bit range (asin " + review.asin + ")");
  };
  if (ts.is_number_unsigned()) {
    if (ts.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) out_of_range();
    review.timestamp = static_cast<int64_t>(ts.get<uint64_t>());
  } else if (ts.is_number_integer()) {
    review.timestamp = ts.get<int64_t>();
  } else if (ts.is_number_float() && std::floor(ts.get<double>()) == ts.get<double>()) {
    const double value = ts.get<double>();
    // [-2^63, 2^63): the doubles that convert to int64 exactly.
    if (!(value >= -9223372036854775808.0 && value < 9223372036854775808.0)) out_of_range();
    review.timestamp = static_cast<int64_t>(value);
  } else {
    fail(where, "timestamp must be an integer (ms), got " + json_excerpt(ts) + " (asin " + review.asin + ")");
  }
  review.title = string_field(object, "title", where);
  return review;
}

json parse_json_line(std::string_view line, const std::string& where) { return parse_json(line, where); }

bool blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

// Calls `handle(line_text, where, line_no)` for every non-blank line; a dep::Error from it is
// rethrown, or recorded and skipped when skip_bad_lines is set.
template <class Handle>
void for_each_line(const std::string& path, const ReadOptions& options, ReadReport* report, Handle&& handle) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  ReadReport local;
  ReadReport& r = report ? *report : local;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    ++r.lines;
    if (blank(line)) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    try {
      handle(line, where, line_no);
      ++r.rows;
    } catch (const Error& e) {
      if (!options.skip_bad_lines || e.kind() != ErrorKind::kBadInput) throw;
      ++r.skipped;
      r.note(e.what());
    }
  }
  if (in.bad()) fail(path, "read error");
}

}  // namespace

UserRow parse_user_row(std::string_view line, const std::string& where) {
  UserRow row;
  if (detail::fast_parse_user_row(line, row)) return row;
  // Not a plain well-formed row: the general parser names the problem.
  return parse_user_row_general(line, where);
}

UserRow parse_user_row_general(std::string_view line, const std::string& where) {
  json object = parse_json_line(line, where);
  if (!object.is_object()) fail(where, "a row must be a JSON object");
  UserRow row;
  row.user_id = string_field(object, "user_id", where);
  if (row.user_id.empty()) fail(where, "empty user_id");
  const json& profile = field(object, "profile", where);
  if (!profile.is_array()) fail(where, "field 'profile' must be a list of reviews");
  row.profile.reserve(profile.size());
  for (size_t i = 0; i < profile.size(); ++i)
    row.profile.push_back(parse_review(profile[i], where + ": profile[" + std::to_string(i) + "]"));
  row.data = parse_review(field(object, "data", where), where + ": data");
  return row;
}

ItemMeta parse_meta_row(std::string_view line, const std::string& where, std::string* asin) {
  json object = parse_json_line(line, where);
  if (!object.is_object()) fail(where, "a meta row must be a JSON object");
  *asin = string_field(object, "asin", where);
  if (asin->empty()) fail(where, "empty asin");
  ItemMeta meta;
  meta.title = string_field(object, "title", where);
  meta.description = string_field(object, "description", where);
  return meta;
}

void for_each_user_row(const std::string& path, const ReadOptions& options, ReadReport* report,
                       const std::function<void(UserRow&&)>& visit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  ReadReport local;
  ReadReport& r = report ? *report : local;
  // Lines are parsed in batches on all cores (full-size DPL train is ~2 GB); rows are visited and
  // errors raised in file order, exactly as a sequential read would.
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  constexpr size_t kBatch = 512;
  std::vector<std::string> lines;
  std::vector<int64_t> numbers;
  std::vector<UserRow> rows(kBatch);
  std::vector<std::exception_ptr> errors(kBatch);
  auto handle = [&](std::exception_ptr error, const std::function<void()>& ok) {
    try {
      if (error) std::rethrow_exception(error);
      ok();
      ++r.rows;
    } catch (const Error& e) {
      if (!options.skip_bad_lines || e.kind() != ErrorKind::kBadInput) throw;
      ++r.skipped;
      r.note(e.what());
    }
  };
  auto flush = [&] {
    const size_t n = lines.size();
    auto parse = [&](size_t begin, size_t step) {
      for (size_t i = begin; i < n; i += step) {
        errors[i] = nullptr;
        try {
          rows[i] = parse_user_row(lines[i], path + ":" + std::to_string(numbers[i]));
          rows[i].line = numbers[i];
        } catch (...) {
          errors[i] = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    const size_t used = std::min(threads, n);
    for (size_t t = 1; t < used; ++t) pool.emplace_back(parse, t, used);
    parse(0, std::max<size_t>(1, used));
    for (auto& t : pool) t.join();
    for (size_t i = 0; i < n; ++i) handle(errors[i], [&] { visit(std::move(rows[i])); });
    lines.clear();
    numbers.clear();
  };
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    ++r.lines;
    if (blank(line)) continue;
    lines.push_back(std::move(line));
    numbers.push_back(line_no);
    if (lines.size() == kBatch) flush();
  }
  if (in.bad()) fail(path, "read error");
  flush();
}

std::vector<UserRow> read_user_rows(const std::string& path, const ReadOptions& options, ReadReport* report) {
  std::vector<UserRow> rows;
  for_each_user_row(path, options, report, [&](UserRow&& row) { rows.push_back(std::move(row)); });
  return rows;
}

void read_meta(const std::string& path, MetaTable& table, const ReadOptions& options, ReadReport* report) {
  for_each_line(path, options, report, [&](const std::string& line, const std::string& where, int64_t) {
    std::string asin;
    ItemMeta meta = parse_meta_row(line, where, &asin);
    table[asin] = std::move(meta);
  });
}

void check_unique_users(const std::vector<UserRow>& rows, const std::string& path) {
  std::unordered_map<std::string, int64_t> first_line;
  for (const auto& row : rows) {
    auto [it, inserted] = first_line.emplace(row.user_id, row.line);
    if (!inserted)
      fail(path + ":" + std::to_string(row.line),
           "duplicate user " + row.user_id + " (first seen on line " + std::to_string(it->second) + ")");
  }
}

void check_meta_coverage(std::vector<UserRow>& rows, const MetaTable& meta, const std::string& path,
                         const ReadOptions& options, ReadReport* report) {
  std::vector<UserRow> kept;
  kept.reserve(rows.size());
  for (auto& row : rows) {
    std::string missing;
    if (!meta.count(row.data.asin)) missing = row.data.asin + " (data)";
    for (size_t i = 0; missing.empty() && i < row.profile.size(); ++i)
      if (!meta.count(row.profile[i].asin)) missing = row.profile[i].asin + " (profile[" + std::to_string(i) + "])";
    if (missing.empty()) {
      kept.push_back(std::move(row));
      continue;
    }
    const std::string where = path + ":" + std::to_string(row.line);
    if (!options.skip_bad_lines) fail(where, "no meta for asin " + missing + " of user " + row.user_id);
    if (report) {
      ++report->skipped;
      --report->rows;
      report->note(where + ": no meta for asin " + missing + " of user " + row.user_id);
    }
  }
  rows = std::move(kept);
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  // Shortest round-trip digits in scientific form, e.g. "4.5e+00", then laid out as Python does.
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, 1) + (e > 2 ? sci.substr(2, e - 2) : "");
  const int exponent = std::stoi(sci.substr(e + 1));
  if (exponent < -4 || exponent >= 16) {
    std::string mantissa = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "");
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return sign + mantissa + exp_buf;
  }
  std::string out;
  if (exponent < 0) {
    out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  } else {
    const size_t int_len = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_len) {
      out = digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return sign + out;
}

}  // namespace dep
