"""The Hugging Face transformers anchors for the GPU benchmarks (scripts/device/gpu_bench.py runs
them beside dep's decoder_bench, train_bench and encoder_bench, on the same device, weights and
shapes). Each command prints one JSON line, timed with the device synchronised.
  decode MODEL_DIR --batch 1 32 --prompt 512 --new 64 --attention eager|sdpa
      the greedy loop of scripts/bench_decoder.sh: prefill with the last position's logits, then
      one token at a time through model(...) with a DynamicCache (what generate() calls)
  train MODEL_DIR --length 3500 --target 256 --attention sdpa
      the reference's step: frozen Qwen2 in bf16, inputs_embeds requiring grad (the injected soft
      prompts), labels -100 over the prompt, .loss over all logits, .backward()
  embed MODEL_DIR INPUTS --batch 32 --attention eager|sdpa
      bge-m3 dense vectors as the reference embeds reviews: batches in input order padded to
      their longest, CLS + L2; texts/s and tokens/s
Works on the CPU too (--device cpu), which is how scripts/device/run.sh --rehearse runs it."""
import argparse, json, statistics, time

import torch
import transformers


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def placement(device):
    # Straight onto the GPU (no CPU copy of a 15 GB model); on the CPU the default.
    return {"device_map": str(device)} if device.type == "cuda" else {}


def peak_gb(device):
    return round(torch.cuda.max_memory_allocated(device) / 1e9, 2) if device.type == "cuda" else None


def decode(a, device):
    from transformers import DynamicCache, Qwen2ForCausalLM
    t0 = time.perf_counter()
    model = Qwen2ForCausalLM.from_pretrained(a.model, dtype=torch.bfloat16, attn_implementation=a.attention,
                                             **placement(device)).eval()
    load_s = time.perf_counter() - t0
    g = torch.Generator().manual_seed(0)
    for batch in a.batch:
        ids = torch.randint(0, model.config.vocab_size, (batch, a.prompt), generator=g).to(device)
        pre, dec = [], []
        with torch.no_grad():
            for r in range(a.reps + 1):
                cache = DynamicCache(config=model.config)
                sync(device)
                t0 = time.perf_counter()
                out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
                nxt = out.logits[:, -1].float().argmax(-1, keepdim=True)
                sync(device)
                t1 = time.perf_counter()
                for _ in range(a.new):
                    out = model(input_ids=nxt, past_key_values=out.past_key_values, use_cache=True)
                    nxt = out.logits[:, -1].float().argmax(-1, keepdim=True)
                nxt.cpu()
                sync(device)
                t2 = time.perf_counter()
                if r:
                    pre.append(batch * a.prompt / (t1 - t0))
                    dec.append(batch * a.new / (t2 - t1))
        print(json.dumps({"bench": "decode", "impl": f"hf-{a.attention}", "device": str(device), "batch": batch,
                          "prompt": a.prompt, "new": a.new, "load_s": round(load_s, 2),
                          "prefill_tok_s": round(statistics.median(pre), 2),
                          "decode_tok_s": round(statistics.median(dec), 2), "peak_gpu_gb": peak_gb(device),
                          "torch": torch.__version__, "transformers": transformers.__version__}), flush=True)


def train(a, device):
    from transformers import Qwen2ForCausalLM
    t0 = time.perf_counter()
    model = Qwen2ForCausalLM.from_pretrained(a.model, dtype=torch.bfloat16, attn_implementation=a.attention,
                                             **placement(device))
    model.requires_grad_(False)
    model.train()  # as the Trainer (Qwen2 has no dropout)
    load_s = time.perf_counter() - t0
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config.vocab_size, (1, a.length), generator=g).to(device)
    labels = ids.clone()
    labels[:, : a.length - a.target - 1] = -100
    mask = torch.ones_like(ids)
    seconds, loss = [], 0.0
    for r in range(a.reps + 1):
        sync(device)
        t0 = time.perf_counter()
        emb = model.get_input_embeddings()(ids).detach().requires_grad_(True)
        loss_t = model(inputs_embeds=emb, attention_mask=mask, labels=labels, use_cache=False).loss
        loss_t.backward()
        sync(device)
        if r:
            seconds.append(time.perf_counter() - t0)
        loss = loss_t.item()
    s = statistics.median(seconds)
    print(json.dumps({"bench": "train", "impl": f"hf-{a.attention}", "device": str(device), "length": a.length,
                      "target": a.target, "load_s": round(load_s, 2), "loss": round(loss, 4),
                      "step_s": round(s, 4), "train_tok_s": round(a.length / s, 2), "peak_gpu_gb": peak_gb(device),
                      "torch": torch.__version__, "transformers": transformers.__version__}), flush=True)


def embed(a, device):
    from safetensors.torch import load_file
    from transformers import XLMRobertaModel
    model = XLMRobertaModel.from_pretrained(a.model, dtype=torch.bfloat16, attn_implementation=a.attention,
                                            add_pooling_layer=False).to(device).eval()
    data = load_file(a.inputs)
    ids, mask = data["input_ids"], data["attention_mask"]
    lengths = mask.sum(1)
    tokens = int(lengths.sum())

    def one_pass():
        out = []
        with torch.no_grad():
            for s in range(0, ids.shape[0], a.batch):
                n = int(lengths[s:s + a.batch].max())
                h = model(input_ids=ids[s:s + a.batch, :n].to(device),
                          attention_mask=mask[s:s + a.batch, :n].to(device)).last_hidden_state
                out.append(torch.nn.functional.normalize(h[:, 0].float(), p=2, dim=-1))
        return torch.cat(out).cpu()

    one_pass()
    seconds = []
    for _ in range(a.reps):
        sync(device)
        t0 = time.perf_counter()
        one_pass()
        seconds.append(time.perf_counter() - t0)
    s = statistics.median(seconds)
    print(json.dumps({"bench": "embed", "impl": f"hf-{a.attention}", "device": str(device), "texts": ids.shape[0],
                      "tokens": tokens, "batch": a.batch, "seconds": round(s, 4),
                      "texts_per_s": round(ids.shape[0] / s, 2), "tokens_per_s": round(tokens / s, 1),
                      "torch": torch.__version__, "transformers": transformers.__version__}), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("decode"); d.add_argument("model")
    d.add_argument("--batch", type=int, nargs="+", default=[1, 32]); d.add_argument("--prompt", type=int, default=512)
    d.add_argument("--new", type=int, default=64); d.add_argument("--attention", default="eager")
    t = sub.add_parser("train"); t.add_argument("model")
    t.add_argument("--length", type=int, default=3500); t.add_argument("--target", type=int, default=256)
    t.add_argument("--attention", default="sdpa")
    e = sub.add_parser("embed"); e.add_argument("model"); e.add_argument("inputs")
    e.add_argument("--batch", type=int, default=32); e.add_argument("--attention", default="eager")
    for s in (d, t, e):
        s.add_argument("--reps", type=int, default=3); s.add_argument("--device", default="cuda")
        s.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    {"decode": decode, "train": train, "embed": embed}[a.cmd](a, torch.device(a.device))


if __name__ == "__main__":
    main()
