#!/usr/bin/env python3
"""Speed anchor for bench/data_bench.cpp: the reference DEP's per-sample construction in Python
(create-dataset.py + PersonalDataset, docs/reference-behaviour.md §2-3, §8) on the same DPL-schema JSONL: meta merge, peer
maps from every test split, then per test sample the newest-first history, the length control
(tokenising the base prompt and the history block for k = 8..1 with Hugging Face `tokenizers`, as the
reference does), the final prompt's ids, the slot scan and the his/diff vectors with numpy (softmax of
normalised mean distances) on random unit embeddings.

  data_anchor.py DATA_DIR TOKENIZER_JSON [--split test] [--limit N] [--dim 1024]

Prints one JSON line {"samples", "read_s", "build_s", "build_cpu_s", "samples_per_s", "cpu_ms_per_sample"}.
"""
import argparse
import json
import os
import time

import numpy as np
from tokenizers import Tokenizer

CATS = ["Books", "Movies_and_TV", "CDs_and_Vinyl"]
SYS = ("Given the title and description of an item, along with the user's past reviews (including item title, "
       "item description, review rating, review title, review text, review embedding, review difference "
       "embedding), and the output review rating and review title, generate a personalized item review for the "
       "user.\nNote: [Review Embedding] denotes a soft prompt of the review text and [Review Difference Embedding] "
       "denotes a soft prompt showing the difference between the review text and other reviews on the same item. "
       "[Review Embedding] and [Review Difference Embedding] should serve as hints for personalized review text "
       "generation.\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("tokenizer")
    ap.add_argument("--split", default="test")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--dim", type=int, default=1024)
    a = ap.parse_args()
    tok = Tokenizer.from_file(a.tokenizer)
    count = lambda s: len(tok.encode(s, add_special_tokens=False).ids)

    t0 = time.perf_counter()
    meta, test, rows = {}, {}, []
    for c in CATS:
        for line in open(os.path.join(a.data, c, "meta.jsonl"), encoding="utf-8"):
            m = json.loads(line)
            meta[m["asin"]] = (m["title"], m["description"])
        test[c] = [json.loads(l) for l in open(os.path.join(a.data, c, "test.jsonl"), encoding="utf-8")]
        if a.split == "test":
            rows += [(c, r) for r in test[c]]
    read_s = time.perf_counter() - t0
    if a.limit:
        rows = rows[: a.limit]

    rng = np.random.default_rng(0)
    emb, his_mean, asin_map = {}, {}, {}
    for c in CATS:
        for r in test[c]:
            e = rng.standard_normal((len(r["profile"]) + 1, a.dim)).astype(np.float32)
            e /= np.linalg.norm(e, axis=1, keepdims=True)
            key = f"{r['user_id']}_{c}"
            emb[key] = e
            his_mean[key] = e[:-2].mean(0)
            for i, p in enumerate(r["profile"][:-2]):
                asin_map.setdefault(p["asin"], set()).add((r["user_id"], i))

    def wrap(user):
        return "<|im_start|>system\n" + SYS + "<|im_end|>" + "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n"

    def entry(i, p):
        t, d = meta[p["asin"]]
        return (f"- [Review {i + 1}]:\n  - [Item Title]: {t}\n  - [Item Description]: {d}\n  - [Review Rating]: "
                f"{p['rating']}\n  - [Review Title]: {p['title']}\n  - [Review Text]: {p['text']}\n"
                f"  - [Review Embedding]: <his_token_start>[HIS_TOKEN_{i}]<his_token_end>\n"
                f"  - [Review Difference Embedding]: <diff_token_start>[DIFF_TOKEN_{i}]<diff_token_end>\n")

    def user_msg(d, hist):
        t, de = meta[d["asin"]]
        return (f"[Item Title]: {t}\n[Item Description]: {de}\n" + hist +
                f"[Output Review Rating]: {d['rating']}\n[Output Review Title]: {d['title']}\n")

    t0, c0 = time.perf_counter(), time.process_time()
    for c, r in rows:
        u = r["user_id"]
        prof = sorted(r["profile"], key=lambda p: p["timestamp"], reverse=True)
        avail = 3072 - count(wrap(user_msg(r["data"], "")))
        for k in range(8, 0, -1):
            hist = "[User's Past Reviews]:\n" + "".join(entry(i, p) for i, p in enumerate(prof[:k]))
            if count(hist) <= avail:
                break
        prompt = wrap(user_msg(r["data"], hist))
        ids = tok.encode(prompt, add_special_tokens=False).ids[:3072]
        e_u = emb[f"{u}_{c}"][: len(prof)][::-1]
        his, diff = [], []
        for j, p in enumerate(prof):
            s = asin_map.get(p["asin"], set())
            if len(s) <= 1:
                continue
            deltas, dist = [], []
            for rr, pp in sorted(s):
                if rr == u:
                    continue
                deltas.append(e_u[j] - emb[f"{rr}_{c}"][pp])
                dist.append(np.linalg.norm(his_mean[f"{u}_{c}"] - his_mean[f"{rr}_{c}"]))
            dist = np.array(dist)
            w = np.exp(dist / dist.sum())
            w /= w.sum()
            his.append(e_u[j])
            diff.append((w[:, None] * np.stack(deltas)).sum(0))
            if len(his) == 8:
                break
        block = np.concatenate([np.stack(his), np.stack(diff)])
        assert block.shape[1] == a.dim and len(ids) > 0
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"samples": len(rows), "read_s": round(read_s, 3), "build_s": round(build_s, 3),
                      "build_cpu_s": round(build_cpu, 3), "samples_per_s": round(len(rows) / build_s, 2),
                      "cpu_ms_per_sample": round(1000 * build_cpu / len(rows), 2)}))


if __name__ == "__main__":
    main()
