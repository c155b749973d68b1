// scripts/dpl_parquet_to_jsonl.py on small parquet files written here with pyarrow in DPL's nested
// schema (user_id, profile list<struct>, data struct; meta asin/title/description): the JSONL it
// writes reads back through dep's DPL reader with every value intact.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "dep/data/dataset.h"
#include "test_paths.h"

namespace {

std::string python() {
  const char* venv = std::getenv("DEP_VENV");
  return (venv && *venv ? std::string(venv) : std::string(DEP_SOURCE_DIR) + "/.venv") + "/bin/python3";
}

int run(const std::string& cmd) { return WEXITSTATUS(std::system(cmd.c_str())); }

const char kWriter[] = R"PY(
import sys, pyarrow as pa, pyarrow.parquet as pq
out = sys.argv[1]
review = pa.struct([("asin", pa.string()), ("rating", pa.float64()), ("text", pa.string()),
                    ("timestamp", pa.int64()), ("title", pa.string())])
schema = pa.schema([("user_id", pa.string()), ("profile", pa.list_(review)), ("data", review)])
def r(a, rating, text, ts, title): return {"asin": a, "rating": rating, "text": text, "timestamp": ts, "title": title}
rows = [
  {"user_id": "U1", "profile": [r("A1", 5.0, "Caf\u00e9 \"quoted\"\nline", 1609459200000, "T1"),
                                 r("A2", 2.5, "second", 1609459200001, "T2")],
   "data": r("A3", 4.0, "target text", 1700000000000, "Out")},
  {"user_id": "U2", "profile": [], "data": r("A1", 1.0, "x", 5, "")},
]
t = pa.Table.from_pylist(rows, schema=schema)
pq.write_table(t.slice(0, 1), out + "/main/Books/test-00000-of-00002.parquet")
pq.write_table(t.slice(1, 1), out + "/main/Books/test-00001-of-00002.parquet")
for split in ("train", "val"):
    pq.write_table(t, out + f"/main/Books/{split}-00000-of-00001.parquet")
meta = pa.table({"asin": ["A1", "A2"], "title": ["Item one", "Item two"],
                 "description": ["First \u2014 item", ""], "extra": [1, 2]})
pq.write_table(meta, out + "/meta/Books/full-00000-of-00001.parquet")
pq.write_table(pa.table({"foo": [1]}), out + "/bad.parquet")
)PY";

}  // namespace

TEST_CASE("the parquet converter keeps DPL rows and meta intact", "[data][converter]") {
  const auto dir = dep::test::scratch_dir("data-converter");
  for (const char* sub : {"/main/Books", "/meta/Books"}) std::filesystem::create_directories(dir + sub);
  std::ofstream(dir + "/writer.py") << kWriter;
  REQUIRE(run(python() + " " + dir + "/writer.py " + dir) == 0);
  const std::string script = std::string(DEP_SOURCE_DIR) + "/scripts/dpl_parquet_to_jsonl.py";
  REQUIRE(run(python() + " " + script + " --main-dir " + dir + "/main --meta-dir " + dir + "/meta --categories Books" +
              " --out " + dir + "/jsonl 2>/dev/null") == 0);

  auto test = dep::read_user_rows(dir + "/jsonl/Books/test.jsonl", {true});  // U2 has an empty title: fine
  REQUIRE(test.size() == 2);  // two shards, in name order
  CHECK(test[0].user_id == "U1");
  REQUIRE(test[0].profile.size() == 2);
  CHECK(test[0].profile[0].text == "Caf\xc3\xa9 \"quoted\"\nline");
  CHECK(test[0].profile[0].timestamp == 1609459200000);
  CHECK(test[0].profile[1].rating == 2.5);
  CHECK(test[0].data.asin == "A3");
  CHECK(test[0].data.title == "Out");
  CHECK(test[1].user_id == "U2");
  CHECK(test[1].profile.empty());
  CHECK(dep::read_user_rows(dir + "/jsonl/Books/train.jsonl", {}).size() == 2);

  dep::MetaTable meta;
  dep::read_meta(dir + "/jsonl/Books/meta.jsonl", meta, {});
  CHECK(meta.size() == 2);
  CHECK(meta.at("A1").description == "First \xe2\x80\x94 item");
  CHECK(meta.at("A2").title == "Item two");

  // single-file mode, and a parquet file that is not DPL: exit code 2 with a message
  REQUIRE(run(python() + " " + script + " --file " + dir + "/main/Books/val-00000-of-00001.parquet --out " + dir +
              "/one.jsonl 2>/dev/null") == 0);
  CHECK(dep::read_user_rows(dir + "/one.jsonl", {}).size() == 2);
  CHECK(run(python() + " " + script + " --file " + dir + "/bad.parquet --out " + dir + "/bad.jsonl 2>" + dir +
            "/err.txt") == 2);
  std::ifstream err(dir + "/err.txt");
  std::string message((std::istreambuf_iterator<char>(err)), {});
  CHECK(message.find("neither a DPL user split") != std::string::npos);
  CHECK(run(python() + " " + script + " --main-dir " + dir + "/nothing --meta-dir " + dir + "/meta --out " + dir +
            "/x 2>/dev/null") == 2);
}
