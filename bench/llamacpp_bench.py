#!/usr/bin/env python3
"""llama.cpp anchor for bench/decoder_bench.cpp (scripts/bench_decoder.sh): the same greedy loop on
the same random-weight model written as GGUF bf16 — prefill of a random prompt (logits of the last
position), then one token at a time through the KV cache — via llama-cpp-python's low-level `eval`.
Batch 1 only (llama.cpp serves one sequence per context). Prints one JSON line like decoder_bench.
  llamacpp_bench.py MODEL.gguf BATCH PROMPT NEW THREADS REPS"""
import json
import os
import statistics
import sys
import time

import numpy as np
import llama_cpp


def last_logits(llm):
    # eval() keeps no logits unless logits_all; read the last position's row from the context.
    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))


def main():
    gguf, batch, prompt, new, threads, reps = sys.argv[1], *map(int, sys.argv[2:7])
    if batch != 1:
        raise SystemExit("llamacpp_bench.py: batch 1 only")
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=gguf, n_ctx=prompt + new + 8, n_batch=max(prompt, 8), n_ubatch=max(prompt, 8),
                          n_threads=threads, n_threads_batch=threads, logits_all=False, verbose=False)
    load_s = time.perf_counter() - t0
    # The same prompt ids as the HF anchor (torch.randint with seed 0) need torch; any random ids of
    # the same length do the same work, so numpy's are used.
    ids = np.random.default_rng(0).integers(0, llm.n_vocab(), prompt).tolist()
    pre, dec = [], []
    for r in range(reps + 1):
        llm.reset()  # eval() drops the cached slots past n_tokens
        t0 = time.perf_counter()
        llm.eval(ids)
        nxt = int(np.argmax(last_logits(llm)))
        t1 = time.perf_counter()
        for _ in range(new):
            llm.eval([nxt])
            nxt = int(np.argmax(last_logits(llm)))
        t2 = time.perf_counter()
        if r:
            pre.append(prompt / (t1 - t0))
            dec.append(new / (t2 - t1))
    print(json.dumps({"impl": "llama.cpp", "llama_cpp_python": llama_cpp.__version__, "dtype": "bf16",
                      "threads": threads, "batch": batch, "prompt": prompt, "new": new, "load_s": round(load_s, 2),
                      "prefill_tok_s": round(statistics.median(pre), 2),
                      "decode_tok_s": round(statistics.median(dec), 2),
                      "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default")}))


if __name__ == "__main__":
    main()
