// Tokenizer encode on arbitrary bytes, with the demo world's byte-level BPE (Qwen2.5's pipeline:
// NFC, the split regex, byte-level, added tokens) and Unigram (XLM-R's Metaspace) tokenizers.
// Properties: ids lie inside the vocabulary, truncation keeps a prefix, and streaming decode
// gives exactly decode(all ids) (what dep-generate prints).
#include <string>
#include <string_view>

#include "dep/text/bpe_tokenizer.h"
#include "dep/text/unigram_tokenizer.h"
#include "fuzz_support.h"

namespace {
const dep::BpeTokenizer& bpe() {
  static const dep::BpeTokenizer tok = dep::BpeTokenizer::load(DEP_SOURCE_DIR "/tests/fuzz/tokenizers/bpe.json");
  return tok;
}
const dep::UnigramTokenizer& unigram() {
  static const dep::UnigramTokenizer tok =
      dep::UnigramTokenizer::load(DEP_SOURCE_DIR "/tests/fuzz/tokenizers/unigram.json");
  return tok;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  bpe();
  unigram();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dep::fuzz::expect_bad_input_only([&] {
    const auto ids = bpe().encode(text);
    for (int64_t id : ids) dep::fuzz::check(id >= 0 && static_cast<size_t>(id) < bpe().vocab_size(), "BPE id in range");
    const auto cut = bpe().encode(text, 3);
    dep::fuzz::check(cut.size() == std::min<size_t>(3, ids.size()) && std::equal(cut.begin(), cut.end(), ids.begin()),
                     "truncation keeps the first ids");
    for (bool skip : {false, true}) {
      dep::BpeTokenizer::StreamDecoder stream(bpe(), skip);
      std::string streamed;
      for (int64_t id : ids) streamed += stream.push(id);
      streamed += stream.finish();
      dep::fuzz::check(streamed == bpe().decode(ids, skip), "streamed decode = decode");
    }
  });
  dep::fuzz::expect_bad_input_only([&] {
    const auto ids = unigram().encode(text);
    for (int64_t id : ids) {
      dep::fuzz::check(id >= 0 && static_cast<size_t>(id) < unigram().vocab_size(), "Unigram id in range");
    }
    unigram().decode(ids, true);
    const auto plain = unigram().encode_plain(text);
    dep::fuzz::check(plain.size() + unigram().special_tokens_added() == ids.size(), "specials wrap the plain ids");
  });
  return 0;
}
