"""bert_score's greedy matching on given token embeddings, batched as bert_cos_score_idf does.

Reads {"batch_size": B, "pairs": [{"hyp": S, "ref": S}]} with S = {"data": [...], "tokens": n,
"dim": d, "weights": [...]} and writes [[P, R, F], ...] (float32 values) as JSON.
"""
import json
import sys

import torch
from torch.nn.utils.rnn import pad_sequence
from bert_score.utils import greedy_cos_idf


def side(s):
    return (torch.tensor(s["data"], dtype=torch.float32).view(s["tokens"], s["dim"]),
            torch.tensor(s["weights"], dtype=torch.float32))


def pad_batch(stats):
    # The same padding as bert_cos_score_idf's pad_batch_stats.
    emb, idf = zip(*stats)
    lens = torch.tensor([e.size(0) for e in emb], dtype=torch.long)
    emb_pad = pad_sequence(emb, batch_first=True, padding_value=2.0)
    idf_pad = pad_sequence(idf, batch_first=True)
    mask = torch.arange(int(lens.max())).expand(len(lens), int(lens.max())) < lens.unsqueeze(1)
    return emb_pad, mask, idf_pad


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    pairs, bs = req["pairs"], req["batch_size"]
    out = []
    with torch.no_grad():
        for start in range(0, len(pairs), bs):
            batch = pairs[start:start + bs]
            ref = pad_batch([side(p["ref"]) for p in batch])
            hyp = pad_batch([side(p["hyp"]) for p in batch])
            P, R, F = greedy_cos_idf(*ref, *hyp, False)
            out += torch.stack((P, R, F), dim=-1).tolist()
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
