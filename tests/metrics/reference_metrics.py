"""Reference values from the Python libraries the paper used, for dep's property tests.

Reads a JSON request {"pairs": [{"hyp","ref"}], "words": [...], "bootstrap": {"values", "seed"},
"punkt": path, "wordnet": dir} and writes the answers as JSON. nltk 3.8 is driven with the same
data dep uses: Punkt parameters from the JSON file (no nltk_data pickle) and a WordNet reader over
Debian's dictionary files (a temporary directory supplies the `lexnames` file nltk requires).
"""
import json
import os
import sys
import tempfile
from collections import defaultdict

import numpy as np
from nltk.corpus.reader.wordnet import WordNetCorpusReader
from nltk.stem.porter import PorterStemmer
from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
from nltk.translate.meteor_score import single_meteor_score
from rouge_score import rouge_scorer, scoring
import sacrebleu

# The standard WordNet 3.0 lexicographer file list (Debian's wordnet-base omits this file).
LEXNAMES = """adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute
noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group
noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession
noun.process noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body
verb.change verb.cognition verb.communication verb.competition verb.consumption verb.contact
verb.creation verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative
verb.weather adj.ppl""".split()
LEX_POS = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}


def wordnet_reader(dict_dir, tmp):
    root = os.path.join(tmp, "wordnet")
    os.makedirs(root)
    for pos in ("noun", "verb", "adj", "adv"):
        for name in ("index." + pos, "data." + pos, pos + ".exc"):
            os.symlink(os.path.join(dict_dir, name), os.path.join(root, name))
    with open(os.path.join(root, "lexnames"), "w") as f:
        for i, name in enumerate(LEXNAMES):
            f.write("%02d\t%s\t%d\n" % (i, name, LEX_POS[name.split(".")[0]]))
    return WordNetCorpusReader(root, None)


def punkt_tokenizer(path):
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    params = PunktParameters()
    params.abbrev_types = set(raw["abbrev_types"])
    params.collocations = {tuple(p) for p in raw["collocations"]}
    params.sent_starters = set(raw["sent_starters"])
    params.ortho_context = defaultdict(int, raw["ortho_context"])
    return PunktSentenceTokenizer(params)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        req = json.load(f)
    import warnings
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        wn = wordnet_reader(req["wordnet"], tmp)
        punkt = punkt_tokenizer(req["punkt"])
        words_tok = NLTKWordTokenizer()

        def word_tokenize(text):
            return [t for s in punkt.tokenize(text) for t in words_tok.tokenize(s)]

        stem_scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=True)
        plain_scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)
        tok13a = sacrebleu.BLEU().tokenizer
        out_pairs = []
        for p in req.get("pairs", []):
            hyp, ref = p["hyp"], p["ref"]
            s = stem_scorer.score(ref, hyp)
            n = plain_scorer.score(ref, hyp)
            hyp_tokens, ref_tokens = word_tokenize(hyp), word_tokenize(ref)
            out_pairs.append({
                "rouge1_stem": s["rouge1"].fmeasure,
                "rougeL_stem": s["rougeL"].fmeasure,
                "rouge1": n["rouge1"].fmeasure,
                "rougeL": n["rougeL"].fmeasure,
                "rouge_tokens_stem": stem_scorer._tokenizer.tokenize(hyp),
                "sentences": punkt.tokenize(hyp),
                "word_tokens": hyp_tokens,
                "meteor": single_meteor_score(ref_tokens, hyp_tokens, wordnet=wn,
                                              alpha=0.9, beta=3, gamma=0.5),
                "bleu": sacrebleu.sentence_bleu(hyp, [ref]).score,
                "bleu_tokens": tok13a(hyp.rstrip()),
            })
        pairs = req.get("pairs", [])
        corpus = sacrebleu.corpus_bleu([p["hyp"] for p in pairs], [[p["ref"] for p in pairs]]).score if pairs else 0.0
        stemmer = PorterStemmer()
        words = {}
        for w in req.get("words", []):
            syns = set(l.name() for s in wn.synsets(w) for l in s.lemmas() if "_" not in l.name())
            syns.add(w)
            words[w] = {"stem": stemmer.stem(w), "synonyms": sorted(syns)}
        boot = req.get("bootstrap")
        median = None
        if boot:
            np.random.seed(boot["seed"])
            agg = scoring.BootstrapAggregator()
            for v in boot["values"]:
                agg.add_scores({"r": scoring.Score(precision=v, recall=v, fmeasure=v)})
            median = agg.aggregate()["r"].mid.fmeasure
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump({"pairs": out_pairs, "corpus_bleu": corpus, "words": words,
                   "bootstrap_median": median}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
