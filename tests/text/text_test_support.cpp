// Fixture tokenizers, JSONL reading and the Python runner for the tokenizer tests.
#include "text_test_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_paths.h"

namespace dep::test {

const BpeTokenizer& qwen_tokenizer() {
  static const BpeTokenizer tok = BpeTokenizer::load(fixture("qwen2.5-tokenizer/tokenizer.json"));
  return tok;
}

const BpeTokenizer& dep_tokenizer() {
  static const BpeTokenizer tok = BpeTokenizer::load(fixture("qwen2.5-tokenizer/dep-tokenizer.json"));
  return tok;
}

const UnigramTokenizer& xlmr_tokenizer() {
  static const UnigramTokenizer tok = UnigramTokenizer::load(fixture("xlmr-tokenizer/tokenizer.json"));
  return tok;
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

std::vector<int64_t> ids_of(const nlohmann::json& array) { return array.get<std::vector<int64_t>>(); }

std::string venv_python() {
  const char* venv = std::getenv("DEP_VENV");
  const std::string dir = venv != nullptr && *venv != '\0' ? std::string(venv) : std::string(DEP_SOURCE_DIR "/.venv");
  const std::string python = dir + "/bin/python3";
  return std::filesystem::exists(python) ? python : std::string();
}

int run_command(const std::string& command, std::string& output) {
  output.clear();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[65536];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace dep::test
