// Synthetic DPL-schema data with learnable per-user styles (see synthetic_data.h).
#include "dep/data/synthetic_data.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"

namespace dep {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double real() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  size_t below(size_t n) { return n ? static_cast<size_t>(real() * static_cast<double>(n)) % n : 0; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

 private:
  uint64_t state_;
};

const std::vector<std::string> kSignatureWords = {
    "splendid", "clunky", "luminous", "gritty", "whimsical", "stellar", "tedious", "riveting", "quirky", "lush",
    "haunting", "breezy", "dense", "crisp", "muddled", "soulful", "punchy", "sprawling", "tender", "bombastic",
    "earnest", "slick", "raw", "dreamy", "brooding", "zippy", "lavish", "spare", "jagged", "velvety",
    "cheeky", "somber", "frantic", "mellow", "glossy", "knotty", "airy", "thorny", "radiant", "wry"};
const std::vector<std::string> kOpeners = {
    "Okay, so here is the thing.", "Long story short:", "I will keep this brief.", "Where do I even begin?",
    "Full disclosure: I bought this myself.", "Let me be honest from the start.", "Picked this up on a whim.",
    "This one came recommended by a friend.", "Straight to the point.", "I had been waiting for this for ages."};
const std::vector<std::string> kClosers = {
    "Just my two cents.", "Take it or leave it.", "Your mileage may vary.", "That is all I have to say.",
    "Would I do it again? We will see.", "Hope this helps someone.", "End of review.", "Cheers, everyone.",
    "Make of that what you will.", "Enough said."};
const std::vector<std::string> kPositive = {
    "The {w} feel of the whole thing won me over.", "I loved every {w} minute of it.",
    "It is {w} in the best possible way.", "Everything about the {n} felt {w} and right.",
    "The {n} alone is worth the price.", "I was grinning from start to finish.",
    "A {w} little triumph, honestly.", "The {n} is {w} and confident.", "It exceeded what I hoped for.",
    "I keep coming back to the {n}.", "Highly recommended to anyone who likes a {w} {n}.",
    "The craft on display is {w} throughout."};
const std::vector<std::string> kNeutral = {
    "Parts of the {n} are {w}, other parts drag.", "It is fine, if a bit {w}.", "The {n} is neither here nor there.",
    "Some moments land, some do not.", "I expected a little more from the {n}.", "A mixed bag with a {w} streak.",
    "Decent enough for a quiet evening.", "The middle section felt {w} but the ending recovered."};
const std::vector<std::string> kNegative = {
    "The {n} felt {w} and forced.", "I could not get past how {w} it was.", "Sadly the {n} falls apart quickly.",
    "It was a {w} slog from the first page.", "I wanted to like the {n}, I really did.",
    "Nothing about the {n} worked for me.", "Far too {w} for its own good.", "I gave up halfway through the {n}."};
const std::vector<std::string> kFillers = {
    "The packaging arrived in good shape.", "I read a few other opinions before writing this.",
    "My partner had a different take on the {n}.", "It reminded me of something from years ago.",
    "The price was reasonable for what you get.", "I finished it over a long weekend."};

// What reviewers of one item agree on: every review of the item echoes its two features (named in
// its description), so reviews share their item's vocabulary and a review's embedding mixes the
// item with its writer (docs/demo.md: why the difference embedding isolates the writer).
const std::vector<std::string> kConsensus = {
    "Everyone agrees the {n} is {f}.", "As people say, it is {f} through and through.",
    "It really is as {f} as the blurb promises.", "The {f} {n} is what everybody talks about.",
    "No surprise that the {n} comes across as {f}.", "It lives up to its {f} reputation."};
// How a user departs from the item's consensus, one set per user: visible only against the other
// reviewers of the same item.
const std::vector<std::vector<std::string>> kDeviations = {
    {"People call it {f}, but to me it felt {w}.", "Forget {f}, the word I would use is {w}."},
    {"I would not call it {f} at all.", "Calling it {f} is a stretch, frankly."},
    {"It is {f}, yes, and somehow {w} on top of that.", "More {f} than I expected, and oddly {w}."},
    {"{f}? Only in places.", "The {f} label fits the first half only."},
    {"Honestly, {f} undersells it.", "To say {f} is putting it mildly."},
    {"Whether it is {f} did not matter to me.", "I never noticed anything {f} about it."}};

struct CategoryWords {
  std::vector<std::string> nouns;       // what reviews talk about
  std::vector<std::string> title_words;
  std::vector<std::string> description;  // description sentences
  std::string format;                   // title suffix
  std::vector<std::string> features;    // item features: each item has two, named in its description
  std::string audience;                 // who describes items: "Readers", "Viewers", "Listeners"
};

CategoryWords words_for(size_t index) {
  static const std::vector<CategoryWords> kWords = {
      {{"plot", "prose", "narrator", "ending", "chapter", "dialogue", "heroine", "setting"},
       {"River", "Winter", "Harbor", "Lantern", "Orchard", "Silence", "Mountain", "Letters", "Garden", "Storm"},
       {"A sweeping story of family, memory and the places that hold us.",
        "Told in alternating chapters across three decades.", "From an award-winning author comes a quiet novel.",
        "Includes a reader's guide and an interview with the author.", "Set in a small coastal town after the war.",
        "A mystery that unfolds slowly and rewards patience.", "Over a million copies sold worldwide.",
        "This edition is unabridged and includes original illustrations."},
       " (Paperback)",
       {"gripping", "slow-burning", "lyrical", "twisty", "heartfelt", "cerebral", "bleak", "playful", "epic",
        "intimate", "meandering", "atmospheric", "sharp", "sentimental", "dark", "uplifting"},
       "Readers"},
      {{"cast", "script", "cinematography", "soundtrack", "pacing", "director", "lead actor", "finale"},
       {"Midnight", "Crossing", "Empire", "Signal", "Harvest", "Frontier", "Echo", "Vanishing", "Tide", "Circuit"},
       {"A gripping drama from an acclaimed director.", "Remastered in high definition with bonus features.",
        "Starring an ensemble cast of familiar faces.", "Nominated for several major awards.",
        "Includes a behind-the-scenes featurette and commentary.", "A tense thriller set over a single night.",
        "The complete first season on four discs.", "Rated PG-13 for language and some violence."},
       " [DVD]",
       {"suspenseful", "funny", "violent", "stylish", "moving", "campy", "tense", "slow", "visual", "talky",
        "charming", "gory", "romantic", "cynical", "loud", "gentle"},
       "Viewers"},
      {{"vocals", "guitar work", "production", "lyrics", "rhythm section", "opening track", "mix", "chorus"},
       {"Velvet", "Neon", "Static", "Horizon", "Ember", "Satellite", "Hollow", "Blue", "Paper", "Wire"},
       {"The long-awaited studio album, remastered from the original tapes.",
        "Features twelve tracks including the hit single.", "Recorded live over three nights in a small club.",
        "Includes a booklet with lyrics and rare photographs.", "A genre-blending debut from a rising band.",
        "Pressed on heavyweight vinyl with a download code.", "Produced by a celebrated studio veteran.",
        "Deluxe edition with demos and alternate takes."},
       " [Vinyl]",
       {"catchy", "heavy", "acoustic", "melancholic", "danceable", "experimental", "polished", "lo-fi",
        "anthemic", "moody", "jazzy", "noisy", "soothing", "retro", "bright", "sparse"},
       "Listeners"}};
  return kWords[index % kWords.size()];
}

// A user's writing style: what makes their reviews recognisable.
struct Style {
  std::vector<std::string> words;      // signature adjectives
  std::string opener, closer;
  std::vector<std::string> positive, neutral, negative;  // their dialect of each sentiment bank
  int sentences = 5;                   // typical body length
  double rating_mean = 4.0;
  bool exclaims = false;
  bool lowercase = false;
  const std::vector<std::string>* deviation = nullptr;  // how they depart from an item's consensus
};

// An item's consensus: its two features, echoed by all its reviewers.
struct ItemConsensus {
  std::string features[2];
};

Style make_style(Rng& rng, const SynthConfig& config) {
  Style s;
  for (int i = 0; i < 3; ++i) s.words.push_back(rng.pick(kSignatureWords));
  s.opener = rng.pick(kOpeners);
  s.closer = rng.pick(kClosers);
  auto subset = [&](const std::vector<std::string>& bank, size_t n) {
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) out.push_back(rng.pick(bank));
    return out;
  };
  s.positive = subset(kPositive, 4);
  s.neutral = subset(kNeutral, 3);
  s.negative = subset(kNegative, 3);
  const int64_t fewest = config.review_sentences[0], most = config.review_sentences[1];
  s.sentences = static_cast<int>(fewest + static_cast<int64_t>(rng.below(static_cast<size_t>(most - fewest + 1))));
  s.rating_mean = 2.0 + 2.8 * rng.real();
  s.exclaims = rng.real() < 0.25;
  s.lowercase = rng.real() < 0.15;
  s.deviation = &kDeviations[rng.below(kDeviations.size())];
  return s;
}

std::string fill(std::string sentence, const std::string& word, const std::string& noun,
                 const std::string& feature = "") {
  for (auto pos = sentence.find("{w}"); pos != std::string::npos; pos = sentence.find("{w}"))
    sentence.replace(pos, 3, word);
  for (auto pos = sentence.find("{n}"); pos != std::string::npos; pos = sentence.find("{n}"))
    sentence.replace(pos, 3, noun);
  for (auto pos = sentence.find("{f}"); pos != std::string::npos; pos = sentence.find("{f}"))
    sentence.replace(pos, 3, feature);
  if (!sentence.empty() && sentence[0] >= 'a' && sentence[0] <= 'z') sentence[0] = static_cast<char>(sentence[0] - 32);
  return sentence;
}

Review make_review(Rng& rng, const Style& style, const CategoryWords& words, const SynthConfig& config,
                   const std::string& asin, const ItemConsensus& item, int64_t timestamp) {
  Review r;
  r.asin = asin;
  r.timestamp = timestamp;
  const double raw = style.rating_mean + (rng.real() - 0.5) * 2.4;
  r.rating = std::clamp(std::round(raw), 1.0, 5.0);
  const auto& bank = r.rating >= 4 ? style.positive : r.rating >= 3 ? style.neutral : style.negative;
  std::string text = style.opener;
  const int n = std::max<int>(static_cast<int>(config.min_sentences),
                              style.sentences + static_cast<int>(rng.below(3)) - 1);
  auto feature = [&] { return item.features[rng.below(2)]; };
  // The item's consensus (shared by its reviewers), then the user's own take on it.
  text += " " + fill(rng.pick(kConsensus), "", rng.pick(words.nouns), feature());
  text += " " + fill(rng.pick(*style.deviation), rng.pick(style.words), rng.pick(words.nouns), feature());
  for (int i = 0; i < n || static_cast<int64_t>(text.size()) < config.min_review_chars; ++i) {
    const bool filler = rng.real() < 0.15;
    text += " " + fill(filler ? rng.pick(kFillers) : rng.pick(bank), rng.pick(style.words), rng.pick(words.nouns));
  }
  text += " " + style.closer;
  if (style.exclaims) std::replace(text.begin(), text.end(), '.', '!');
  if (style.lowercase) std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  r.text = text;
  static const std::vector<std::string> kTitles[3] = {
      {"Not for me", "A letdown", "Disappointing", "Skip it"},
      {"It was okay", "Mixed feelings", "Three stars", "Decent"},
      {"Loved it", "Five stars", "A keeper", "Wonderful"}};
  r.title = rng.pick(kTitles[r.rating >= 4 ? 2 : r.rating >= 3 ? 1 : 0]);
  if (rng.real() < 0.5) r.title += " - " + style.words[0];
  return r;
}

std::string make_id(Rng& rng, char first, size_t length) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id(1, first);
  while (id.size() < length) id += kAlphabet[rng.below(36)];
  return id;
}

nlohmann::ordered_json review_json(const Review& r) {
  nlohmann::ordered_json j;
  j["asin"] = r.asin;
  j["rating"] = r.rating;
  j["text"] = r.text;
  j["timestamp"] = r.timestamp;
  j["title"] = r.title;
  return j;
}

}  // namespace

std::vector<SyntheticCategory> generate_synthetic(const SynthConfig& config) {
  if (config.users.size() != config.categories.size())
    fail("synth.users", "give one user count per category (" + std::to_string(config.categories.size()) + ")");
  if (config.max_profile < config.min_profile) fail("synth.max_profile", "must be >= min_profile");
  for (const auto& [key, range] : {std::pair<const char*, const std::vector<int64_t>*>{"synth.review_sentences", &config.review_sentences},
                                   {"synth.description_chars", &config.description_chars}})
    if (range->size() != 2 || (*range)[0] < 0 || (*range)[1] < (*range)[0])
      fail(key, "give [low, high] with 0 <= low <= high");
  if (config.items < config.min_profile + 10)
    fail("synth.items", "each user reviews min_profile + 10 distinct items; need at least " +
                            std::to_string(config.min_profile + 10) + " items");
  Rng rng(static_cast<uint64_t>(config.seed));
  std::vector<SyntheticCategory> out;
  std::set<std::string> asins;
  // Users per category; a fraction of each category's users also review in the next category.
  std::vector<std::vector<std::pair<std::string, Style>>> users(config.categories.size());
  for (size_t c = 0; c < config.categories.size(); ++c)
    for (int64_t u = 0; u < config.users[c]; ++u) users[c].push_back({make_id(rng, 'A', 28), make_style(rng, config)});
  for (size_t c = 0; c + 1 < config.categories.size(); ++c) {
    const auto shared = static_cast<size_t>(std::floor(config.shared_user_fraction * double(users[c].size())));
    for (size_t u = 0; u < shared && u < users[c].size(); ++u) users[c + 1].push_back(users[c][u]);
  }
  for (size_t c = 0; c < config.categories.size(); ++c) {
    SyntheticCategory cat;
    cat.name = config.categories[c];
    const CategoryWords words = words_for(c);
    std::vector<std::string> items;
    std::vector<ItemConsensus> consensus;
    while (static_cast<int64_t>(items.size()) < config.items) {
      std::string asin = make_id(rng, 'B', 10);
      if (!asins.insert(asin).second) continue;
      ItemMeta meta;
      meta.title = "The " + rng.pick(words.title_words) + " " + rng.pick(words.title_words) + words.format;
      ItemConsensus item;
      item.features[0] = rng.pick(words.features);
      do item.features[1] = rng.pick(words.features); while (item.features[1] == item.features[0]);
      meta.description = words.audience + " call it " + item.features[0] + " and " + item.features[1] + ".";
      const auto shortest = static_cast<size_t>(config.description_chars[0]);
      const auto span = static_cast<size_t>(config.description_chars[1] - config.description_chars[0] + 1);
      while (meta.description.size() < shortest + rng.below(span))
        meta.description += " " + rng.pick(words.description);
      consensus.push_back(item);
      cat.meta.push_back({asin, meta});
      items.push_back(asin);
    }
    // Zipf-like popularity so that items have several reviewers.
    std::vector<double> cumulative;
    double total = 0.0;
    for (size_t i = 0; i < items.size(); ++i) cumulative.push_back(total += 1.0 / std::sqrt(double(i + 1)));
    for (size_t u = 0; u < users[c].size(); ++u) {
      const auto& [user_id, style] = users[c][u];
      const double extra = -std::log(1.0 - rng.real()) * config.mean_extra_profile;
      int64_t p = std::min<int64_t>(config.max_profile, config.min_profile + static_cast<int64_t>(extra));
      if (static_cast<int64_t>(u) < config.long_users) p = config.max_profile;
      const int64_t n = std::min<int64_t>(p + 10, static_cast<int64_t>(items.size()));
      std::set<size_t> chosen;
      while (static_cast<int64_t>(chosen.size()) < n) {
        const double x = rng.real() * total;
        chosen.insert(static_cast<size_t>(std::lower_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin()));
      }
      std::vector<size_t> order(chosen.begin(), chosen.end());
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
      int64_t t = 1262304000000 + static_cast<int64_t>(rng.below(300)) * 86400000;  // from 2010
      std::vector<Review> reviews;
      for (size_t i : order) {
        t += 3600000 * (1 + static_cast<int64_t>(rng.below(24 * 40)));
        reviews.push_back(make_review(rng, style, words, config, items[i], consensus[i], t));
      }
      cat.user_reviews.push_back({user_id, std::move(reviews)});
    }
    out.push_back(std::move(cat));
  }
  return out;
}

std::vector<UserRow> dpl_train_rows(const std::string& user_id, const std::vector<Review>& reviews) {
  if (reviews.size() < 11) fail(user_id, "a DPL user needs at least 11 reviews");
  const size_t p = reviews.size() - 10;
  std::vector<UserRow> rows;
  for (size_t i = 0; i < 8; ++i) {
    UserRow row;
    row.user_id = user_id;
    row.profile.assign(reviews.begin(), reviews.begin() + static_cast<std::ptrdiff_t>(p + i));
    row.data = reviews[p + i];
    rows.push_back(std::move(row));
  }
  return rows;
}

UserRow dpl_val_row(const std::string& user_id, const std::vector<Review>& reviews) {
  UserRow row;
  row.user_id = user_id;
  row.profile.assign(reviews.begin(), reviews.end() - 2);
  row.data = reviews[reviews.size() - 2];
  return row;
}

UserRow dpl_test_row(const std::string& user_id, const std::vector<Review>& reviews) {
  UserRow row;
  row.user_id = user_id;
  row.profile.assign(reviews.begin(), reviews.end() - 1);
  row.data = reviews.back();
  return row;
}

std::string user_row_json(const UserRow& row) {
  nlohmann::ordered_json j;
  j["user_id"] = row.user_id;
  j["profile"] = nlohmann::ordered_json::array();
  for (const auto& r : row.profile) j["profile"].push_back(review_json(r));
  j["data"] = review_json(row.data);
  return j.dump();
}

std::string meta_row_json(const std::string& asin, const ItemMeta& meta) {
  nlohmann::ordered_json j;
  j["asin"] = asin;
  j["title"] = meta.title;
  j["description"] = meta.description;
  return j.dump();
}

void write_synthetic_dpl(const std::vector<SyntheticCategory>& data, const std::string& dir) {
  for (const auto& cat : data) {
    const auto base = std::filesystem::path(dir) / cat.name;
    std::filesystem::create_directories(base);
    AtomicFileWriter meta((base / "meta.jsonl").string());
    for (const auto& [asin, m] : cat.meta) meta.write(meta_row_json(asin, m) + "\n");
    meta.commit();
    AtomicFileWriter train((base / "train.jsonl").string());
    AtomicFileWriter val((base / "val.jsonl").string());
    AtomicFileWriter test((base / "test.jsonl").string());
    for (const auto& [user_id, reviews] : cat.user_reviews) {
      for (const auto& row : dpl_train_rows(user_id, reviews)) train.write(user_row_json(row) + "\n");
      val.write(user_row_json(dpl_val_row(user_id, reviews)) + "\n");
      test.write(user_row_json(dpl_test_row(user_id, reviews)) + "\n");
    }
    train.commit();
    val.commit();
    test.commit();
  }
}

}  // namespace dep
