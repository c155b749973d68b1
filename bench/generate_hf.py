#!/usr/bin/env python3
"""Anchor for bench/generate_bench.cpp: Hugging Face transformers `generate` on the same model
directory with DEP's sampling (T 0.8, top-p 0.95, no top-k), random prompts of the same length with
16 soft-prompt vectors written into inputs_embeds, every sequence forced to --new tokens.
Prints one JSON line per batch size (requests are generated in batches of that size)."""
import argparse
import json
import os
import time

import torch
from transformers import AutoModelForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp32"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--requests", type=int, default=8)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--new", type=int, default=32)
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(a.model, torch_dtype=dtype, attn_implementation="sdpa").eval()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 150000, (a.requests, a.prompt), generator=g)
    H = model.config.hidden_size
    soft = torch.randn(a.requests, 16, H, generator=g).mul(0.02).to(dtype)
    slots = [(i * a.prompt) // 16 for i in range(16)]
    kwargs = dict(do_sample=True, temperature=0.8, top_p=0.95, top_k=0, max_new_tokens=a.new,
                  min_new_tokens=a.new, pad_token_id=0, eos_token_id=None)
    with torch.no_grad():
        warm = model.get_input_embeddings()(ids[:1])
        model.generate(inputs_embeds=warm, attention_mask=torch.ones(1, a.prompt, dtype=torch.long), **{**kwargs, "max_new_tokens": 2, "min_new_tokens": 2})
        for b in a.batch:
            t0 = time.perf_counter()
            tokens = 0
            for s in range(0, a.requests, b):
                chunk = ids[s:s + b]
                emb = model.get_input_embeddings()(chunk)
                emb[:, slots, :] = soft[s:s + b]
                out = model.generate(inputs_embeds=emb, attention_mask=torch.ones_like(chunk), **kwargs)
                tokens += out.shape[0] * out.shape[1]  # with inputs_embeds, generate returns only new ids
            sec = time.perf_counter() - t0
            print(json.dumps({"impl": "hf", "batch": b, "requests": a.requests, "prompt": a.prompt, "new": a.new,
                              "tokens": tokens, "seconds": round(sec, 3), "gen_tok_s": round(tokens / sec, 2),
                              "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default")}), flush=True)


if __name__ == "__main__":
    main()
