// The Porter stemmer exactly as nltk's PorterStemmer in its default NLTK_EXTENSIONS mode, the
// variant both rouge_score (use_stemmer) and nltk's METEOR use.
#pragma once

#include <string>
#include <string_view>

namespace dep {

// Stems one word (UTF-8). Like nltk's stem(word) with to_lowercase=True: the word is lowercased
// with Python's str.lower first; characters other than a, e, i, o, u (and y after a vowel)
// count as consonants, non-ASCII included.
std::string porter_stem(std::string_view word);

}  // namespace dep
