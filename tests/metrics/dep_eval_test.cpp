// dep-eval end to end: JSONL and predictions_{category}.txt inputs give the fixture's values in
// the summary and per-sample files; bad input fails with exit code 2 naming the line.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include "dep/metrics/eval_report.h"
#include "metrics_support.h"

using Catch::Matchers::WithinAbs;

namespace {

struct RunResult {
  int exit_code;
  std::string output;
};

RunResult run(const std::string& args, const std::string& dir) {
  const std::string out = dir + "/output.txt";
  const std::string cmd = "\"" + dep::test::binary("dep-eval") + "\" " + args + " > \"" + out + "\" 2>&1";
  int status = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("dep-eval on the fixture pairs reproduces the reference values", "[metrics][dep-eval]") {
  const auto dir = dep::test::scratch_dir("dep-eval-fixture");
  auto pairs = dep::test::fixture_pairs();
  auto expected = dep::test::fixture_expected();
  std::string jsonl;
  for (const auto& p : pairs) jsonl += nlohmann::json{{"prediction", p.hyp}, {"reference", p.ref}}.dump() + "\n\n";
  write(dir + "/gen.jsonl", jsonl);
  auto r = run("\"" + dir + "/gen.jsonl\" --category Books --summary \"" + dir + "/summary.json\" --per-sample \"" +
                   dir + "/samples.jsonl\" --log-level warn",
               dir);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("| Books | 30 |") != std::string::npos);
  CHECK(r.output.find("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0") != std::string::npos);
  auto summary = read_json(dir + "/summary.json");
  const auto& books = summary["categories"]["Books"];
  const auto& corpus = expected["corpus"];
  CHECK(books["count"] == 30);
  CHECK_THAT(books["corpus_bleu"].get<double>(), WithinAbs(corpus["corpus_bleu"].get<double>(), 1e-6));
  CHECK_THAT(books["meteor"].get<double>(), WithinAbs(corpus["mean_meteor"].get<double>(), 1e-6));
  CHECK_THAT(books["rouge1"].get<double>(), WithinAbs(corpus["mean_rouge1_f_nostem"].get<double>(), 1e-6));
  CHECK_THAT(books["rouge1_stem"].get<double>(), WithinAbs(corpus["mean_rouge1_f_stem"].get<double>(), 1e-6));
  CHECK_THAT(books["mean_sentence_bleu"].get<double>(), WithinAbs(corpus["mean_sentence_bleu"].get<double>(), 1e-6));
  CHECK_THAT(books["rouge1_bootstrap_median"].get<double>(), WithinAbs(books["rouge1"].get<double>(), 0.03));

  std::ifstream samples(dir + "/samples.jsonl");
  std::string line;
  size_t i = 0;
  while (std::getline(samples, line)) {
    REQUIRE(i < pairs.size());
    auto j = nlohmann::json::parse(line);
    const auto& e = expected["per_pair"][i];
    INFO("pair " << e["id"]);
    CHECK_THAT(j["rouge1"].get<double>(), WithinAbs(e["rouge1_f_nostem"].get<double>(), 1e-6));
    CHECK_THAT(j["rouge1_stem"].get<double>(), WithinAbs(e["rouge1_f_stem"].get<double>(), 1e-6));
    CHECK_THAT(j["meteor"].get<double>(), WithinAbs(e["meteor"].get<double>(), 1e-6));
    CHECK_THAT(j["bleu"].get<double>(), WithinAbs(e["sentence_bleu"].get<double>(), 1e-6));
    CHECK(j.contains("rougeL"));
    ++i;
  }
  CHECK(i == pairs.size());
}

TEST_CASE("dep-eval reads predictions_{category}.txt with a references file", "[metrics][dep-eval]") {
  const auto dir = dep::test::scratch_dir("dep-eval-txt");
  auto pairs = dep::test::fixture_pairs();
  std::string predictions, references;
  // Windows line endings in every other separator: Python reads text files with universal newlines.
  const std::string crlf_separator = "\r\n" + std::string(33, '-') + "\r\n";
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = pairs[i];
    predictions += "  " + p.hyp + (i % 2 ? std::string(dep::kPredictionSeparator) : crlf_separator);
    references += nlohmann::json{{"out_str", p.ref}}.dump() + "\n";
  }
  write(dir + "/predictions_CDs & Vinyl.txt", predictions);
  write(dir + "/refs.jsonl", references);
  auto r = run("\"" + dir + "/predictions_CDs & Vinyl.txt\" --references \"" + dir +
                   "/refs.jsonl\" --metrics bleu,rouge --summary \"" + dir + "/summary.json\"",
               dir);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto summary = read_json(dir + "/summary.json");
  const auto& cat = summary["categories"]["CDs & Vinyl"];
  auto expected = dep::test::fixture_expected()["corpus"];
  CHECK_THAT(cat["corpus_bleu"].get<double>(), WithinAbs(expected["corpus_bleu"].get<double>(), 1e-6));
  CHECK_THAT(cat["rouge1"].get<double>(), WithinAbs(expected["mean_rouge1_f_nostem"].get<double>(), 1e-6));
  CHECK_FALSE(cat.contains("meteor"));
  CHECK(r.output.find("METEOR") == std::string::npos);

  // One reference short: the counts disagree.
  references = references.substr(0, references.rfind('{'));
  write(dir + "/refs_short.jsonl", references);
  auto bad = run("\"" + dir + "/predictions_CDs & Vinyl.txt\" --references \"" + dir + "/refs_short.jsonl\"", dir);
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("30 predictions but 29 references") != std::string::npos);
}

TEST_CASE("dep-eval rejects bad input with exit code 2 and the line number", "[metrics][dep-eval]") {
  const auto dir = dep::test::scratch_dir("dep-eval-bad");
  write(dir + "/bad.jsonl",
        "{\"prediction\": \"a\", \"reference\": \"b\"}\n{\"prediction\": \"a\"}\n");
  auto r = run("\"" + dir + "/bad.jsonl\"", dir);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("bad.jsonl:2") != std::string::npos);
  CHECK(r.output.find("reference") != std::string::npos);

  write(dir + "/garbage.jsonl", "{\"prediction\": \"a\", \"reference\": \"b\"}\nnot json\n");
  r = run("\"" + dir + "/garbage.jsonl\"", dir);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("garbage.jsonl:2") != std::string::npos);

  write(dir + "/ok.jsonl", "{\"prediction\": \"a\", \"reference\": \"b\"}\n");
  r = run("\"" + dir + "/ok.jsonl\" --metrics rouge,bogus", dir);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("bogus") != std::string::npos);

  r = run("\"" + dir + "/predictions_x.txt\"", dir);
  CHECK(r.exit_code == 2);
}

TEST_CASE("dep-eval: the table alone on stdout, logs and progress on stderr", "[metrics][dep-eval]") {
  const auto dir = dep::test::scratch_dir("dep-eval-streams");
  write(dir + "/ok.jsonl", "{\"prediction\": \"a good book\", \"reference\": \"a fine book\"}\n");
  const std::string cmd = "\"" + dep::test::binary("dep-eval") + "\" \"" + dir + "/ok.jsonl\" --category Books " +
                          "--log-level debug > \"" + dir + "/stdout.txt\" 2> \"" + dir + "/stderr.txt\"";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::ifstream in(dir + "/stdout.txt");
  std::stringstream out;
  out << in.rdbuf();
  // Markdown table, blank line, BLEU signature: nothing else.
  CHECK(out.str().rfind("| Category", 0) == 0);
  CHECK(out.str().find("| Books | 1 |") != std::string::npos);
  CHECK(out.str().find("[debug]") == std::string::npos);
  CHECK(out.str().find("[info]") == std::string::npos);

  // A summary path under a file is bad input naming it, before any scoring.
  auto r = run("\"" + dir + "/ok.jsonl\" --summary \"" + dir + "/ok.jsonl/summary.json\"", dir);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--summary") != std::string::npos);
  r = run("--help", dir);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("Usage: dep-eval") != std::string::npos);
}
