// dep-tokenize --tokenizer PATH [--add-special-tokens] [--decode [--skip-special-tokens]]
//   < in.jsonl > out.jsonl
// Encodes {"text": ...} lines to {"ids": [...]} (or, with --decode, the reverse), one output line per
// input line, in order. PATH: tokenizer.json, sentencepiece .model, or a model directory.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "dep/core/app.h"
#include "dep/core/cli.h"
#include "dep/core/output_path.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/text/tokenizer.h"

namespace {

nlohmann::json parse_line(const std::string& line, const std::string& where) {
  return dep::parse_json(line, where);
}

std::string encode_line(const dep::Tokenizer& tok, const std::string& line, const std::string& where, bool specials) {
  const auto j = parse_line(line, where);
  if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
    dep::fail(where, "expected an object with a string \"text\"");
  }
  return nlohmann::json{{"ids", tok.encode(j["text"].get_ref<const std::string&>(), specials)}}.dump();
}

std::string decode_line(const dep::Tokenizer& tok, const std::string& line, const std::string& where, bool skip) {
  const auto j = parse_line(line, where);
  if (!j.is_object() || !j.contains("ids") || !j["ids"].is_array()) {
    dep::fail(where, "expected an object with an \"ids\" list");
  }
  std::vector<int64_t> ids;
  ids.reserve(j["ids"].size());
  for (const auto& id : j["ids"]) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<uint64_t>() >= tok.vocab_size()) {
      dep::fail(where, "id " + dep::json_excerpt(id) + " is not in [0, " + std::to_string(tok.vocab_size()) + ")");
    }
    ids.push_back(id.get<int64_t>());
  }
  return nlohmann::json{{"text", tok.decode(ids, skip)}}.dump();
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-tokenize", "JSONL {\"text\"} -> {\"ids\"} (or back with --decode), one line per line");
    auto& app = cli.app();
    std::string path, write_json;
    bool specials = false, decode = false, skip_special = false;
    app.add_option("--tokenizer", path, "tokenizer.json, sentencepiece .model, or model directory")->required();
    app.add_flag("--add-special-tokens", specials, "add the post-processor's specials (<s> ... </s> for XLM-R)");
    app.add_flag("--decode", decode, "read {\"ids\": [...]} lines and write {\"text\": ...}");
    app.add_flag("--skip-special-tokens", skip_special, "with --decode: drop special tokens");
    app.add_option("--write-tokenizer-json", write_json,
                   "write the loaded tokenizer as tokenizer.json (converts a sentencepiece .model) and exit");
    cli.parse(argc, argv);
    if (!write_json.empty()) dep::check_output_file(write_json, "--write-tokenizer-json");

    const auto tok = dep::load_tokenizer(path);
    if (!write_json.empty()) {
      tok->save(write_json);
      return 0;
    }
    std::ios::sync_with_stdio(false);
    std::string line, out;
    size_t number = 0;
    while (std::getline(std::cin, line)) {
      ++number;
      const std::string where = "<stdin>:" + std::to_string(number);
      out += decode ? decode_line(*tok, line, where, skip_special) : encode_line(*tok, line, where, specials);
      out += '\n';
      if (out.size() > (1u << 16)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (std::fflush(stdout) != 0) dep::fail("<stdout>", "write failed");
    return 0;
  });
}
