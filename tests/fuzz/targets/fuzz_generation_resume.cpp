// dep-generate's resume files: a generations.jsonl as a kill may leave it (any bytes, a torn last
// line), read back by GenerationLog as a rerun does, and by read_generation_records as a merge
// does. Both must keep the same complete records.
#include <string>

#include "dep/generate/generation_output.h"
#include "fuzz_support.h"

DEP_FUZZ_JSON_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dep::fuzz::write_scratch("generations.jsonl", data, size);
  dep::fuzz::expect_bad_input_only([&] {
    const auto merged = dep::read_generation_records(path);
    dep::GenerationLog log(path, 1);
    dep::fuzz::check(log.records().size() == merged.size(), "resume and merge read the same records");
    for (const auto& record : log.records()) {
      dep::fuzz::check(log.contains(record.index), "every record read back is marked done");
      const std::string line = record.to_json_line();
      dep::fuzz::check(!line.empty() && line.back() == '\n' && line.find('\n') == line.size() - 1,
                       "a record is one line");
    }
  });
  return 0;
}
