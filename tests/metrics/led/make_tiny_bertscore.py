"""A tiny LED model with a small byte-level BPE vocabulary, and BERTScore's values on it.

Usage: make_tiny_bertscore.py OUT_DIR. Trains a byte-level BPE (vocab.json + merges.txt, BART's
special tokens first), builds a random LEDModel with that vocabulary, saves both as a model
directory, and computes BERTScore (num_layers=2, idf off, no rescaling, batch 64) the way
bert_score 0.3.12 does under the paper's transformers 4.51 (LEDTokenizer takes sent_encode's
generic path: strip, <s> + BPE + </s> without add_prefix_space, truncation; empty -> <s></s>).
The venv's transformers 5 maps LEDTokenizer to RobertaTokenizer, which sends bert_score.score down
the add_prefix_space path (and crashes on empty sentences), so the pipeline is assembled here from
bert_score's own pieces: its padding, the LED encoder truncated to num_layers, greedy_cos_idf.
Writes cases.json with the texts, ids and P/R/F per pair.
"""
import json
import os
import sys

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import LEDConfig, LEDModel, LEDTokenizer
from bert_score.utils import greedy_cos_idf
from torch.nn.utils.rnn import pad_sequence

TEXTS = [
    "This blender is powerful and easy to clean.",
    "I could not put this book down! The characters are well developed.",
    "The album sounds great, but the vinyl pressing had a few pops.",
    "Highly recommended for anyone who enjoys mysteries.",
    "Café au lait, naïve plots & “quotes” — 10/10, would read again...",
    "Battery lasts about thirty hours; the app crashed twice during setup.",
    "",
    "   ",
    "Terrible. Just terrible.",
    "A long review " + "that keeps going and going, " * 30 + "until the end.",
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(TEXTS * 5, vocab_size=400, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(out)
    tok = LEDTokenizer(os.path.join(out, "vocab.json"), os.path.join(out, "merges.txt"))
    tok.model_max_length = 128
    tok.save_pretrained(out)
    torch.manual_seed(1)
    config = LEDConfig(vocab_size=len(tok), d_model=32, encoder_layers=3, decoder_layers=1,
                       encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64,
                       decoder_ffn_dim=64, max_encoder_position_embeddings=128,
                       max_decoder_position_embeddings=128, attention_window=[16, 16, 16],
                       pad_token_id=tok.pad_token_id, bos_token_id=0, eos_token_id=2)
    model = LEDModel(config).eval()
    model.save_pretrained(out, safe_serialization=True)
    cands = [TEXTS[i % len(TEXTS)] for i in range(70)]
    refs = [TEXTS[(3 * i + 1) % len(TEXTS)] for i in range(70)]

    def sent_encode(text):
        text = text.strip()
        if text == "":
            return [tok.cls_token_id, tok.sep_token_id]
        return tok.encode(text, add_special_tokens=True, max_length=tok.model_max_length, truncation=True)

    encoder = model.get_encoder()
    encoder.layers = encoder.layers[:2]  # bert_score's num_layers

    def stats(texts):
        # bert_score pads with pad_token_id (embedding) and 2.0 (embedding rows), masks by length.
        ids = [torch.tensor(sent_encode(t)) for t in texts]
        lens = torch.tensor([len(i) for i in ids])
        mask = torch.arange(int(lens.max())).expand(len(ids), int(lens.max())) < lens.unsqueeze(1)
        padded = pad_sequence(ids, batch_first=True, padding_value=tok.pad_token_id)
        with torch.no_grad():
            emb = encoder(input_ids=padded, attention_mask=mask.long()).last_hidden_state
        embs = [emb[i, :n] for i, n in enumerate(lens.tolist())]
        idf = [torch.tensor([0.0 if t in (tok.cls_token_id, tok.sep_token_id) else 1.0 for t in i.tolist()]) for i in ids]
        return (pad_sequence(embs, batch_first=True, padding_value=2.0), mask,
                pad_sequence(idf, batch_first=True))

    P, R, F = [], [], []
    for start in range(0, len(cands), 64):
        p, r, f = greedy_cos_idf(*stats(refs[start:start + 64]), *stats(cands[start:start + 64]), False)
        P += p.tolist()
        R += r.tolist()
        F += f.tolist()
    ids = {t: sent_encode(t) for t in TEXTS}
    with open(os.path.join(out, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"candidates": cands, "references": refs, "P": P, "R": R, "F": F, "ids": ids,
                   "max_length": tok.model_max_length}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
