// tokenizer.json loading (load_tokenizer: BPE or Unigram, added tokens, normalizer, pre-tokenizer,
// post-processor, decoder). A tokenizer that loads must encode and decode without failing, with
// every id inside its vocabulary.
#include <string>

#include "dep/text/tokenizer.h"
#include "fuzz_support.h"

DEP_FUZZ_JSON_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dep::fuzz::write_scratch("tokenizer.json", data, size);
  std::unique_ptr<dep::Tokenizer> tokenizer;
  dep::fuzz::expect_bad_input_only([&] { tokenizer = dep::load_tokenizer(path); });
  if (!tokenizer) return 0;
  // A loaded tokenizer encodes and decodes (a resource limit of its regex may still be bad input).
  dep::fuzz::expect_bad_input_only([&] {
    for (bool specials : {false, true}) {
    const auto ids = tokenizer->encode("Hello world <|im_start|>user\n caf\xc3\xa9 \xf0\x9f\x98\x80 12345", specials);
    for (int64_t id : ids) {
      dep::fuzz::check(id >= 0 && static_cast<size_t>(id) < tokenizer->vocab_size(), "id inside the vocabulary");
    }
    tokenizer->decode(ids, specials);
    }
  });
  return 0;
}
