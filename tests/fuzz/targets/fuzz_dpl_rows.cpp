// DPL JSONL rows (dataset.h): each line through the fast row scanner and the general parser, which
// must agree on every row the scanner accepts (the scanner is only a shortcut), and meta rows; then
// the whole input as a split file, with and without data.skip_bad_lines.
#include <string>
#include <string_view>

#include "dep/data/dataset.h"
#include "fuzz_support.h"

DEP_FUZZ_JSON_MUTATOR

namespace {

bool same_review(const dep::Review& a, const dep::Review& b) {
  return a.asin == b.asin && a.rating == b.rating && a.text == b.text && a.timestamp == b.timestamp &&
         a.title == b.title;
}

void check_line(std::string_view line) {
  dep::UserRow fast;
  bool accepted = false;
  dep::fuzz::expect_bad_input_only([&] {
    fast = dep::parse_user_row(line, "fuzz.jsonl:1");
    accepted = true;
  });
  if (accepted) {
    dep::fuzz::expect_bad_input_only([&] {
      const dep::UserRow general = dep::parse_user_row_general(line, "fuzz.jsonl:1");
      bool same = general.user_id == fast.user_id && same_review(general.data, fast.data) &&
                  general.profile.size() == fast.profile.size();
      for (size_t i = 0; same && i < fast.profile.size(); ++i) same = same_review(general.profile[i], fast.profile[i]);
      dep::fuzz::check(same, "the fast row scanner and the general parser read the same row");
    });
  }
  dep::fuzz::expect_bad_input_only([&] {
    std::string asin;
    dep::parse_meta_row(line, "meta.jsonl:1", &asin);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    check_line(text.substr(start, end - start));
    start = end + 1;
  }
  const std::string path = dep::fuzz::write_scratch("train.jsonl", data, size);
  for (bool skip : {false, true}) {
    dep::fuzz::expect_bad_input_only([&] {
      dep::ReadOptions options;
      options.skip_bad_lines = skip;
      dep::ReadReport report;
      const auto rows = dep::read_user_rows(path, options, &report);
      dep::fuzz::check(static_cast<int64_t>(rows.size()) == report.rows, "the report counts the rows kept");
    });
  }
  return 0;
}
