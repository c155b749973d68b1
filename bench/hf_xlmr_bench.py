# Anchor for bench/encoder_bench.cpp: a random-weight XLM-RoBERTa of bge-m3's shape, review-length
# token inputs, and Hugging Face transformers' XLMRobertaModel (eager attention) timed on them the
# way DEP's embedding.py runs it (batches in input order, padded to the longest, CLS + L2 norm).
#   make-model OUT_DIR [--layers 24]        config.json + model.safetensors (F32, random)
#   make-inputs OUT.safetensors [--texts 16 --mean 350 --seed 0]
#   run MODEL_DIR INPUTS [--dtype fp32|bf16 --batch 8 --runs 3 --threads 2]  → one JSON line
import argparse, json, os, statistics, sys, time

import torch
from safetensors.torch import load_file, save_file
from transformers import XLMRobertaConfig, XLMRobertaModel


def bge_m3_config(layers):
    return XLMRobertaConfig(vocab_size=250002, hidden_size=1024, num_hidden_layers=layers, num_attention_heads=16,
                            intermediate_size=4096, max_position_embeddings=8194, type_vocab_size=1, pad_token_id=1,
                            bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5, hidden_act="gelu",
                            architectures=["XLMRobertaModel"])


def make_model(args):
    torch.manual_seed(0)
    config = bge_m3_config(args.layers)
    model = XLMRobertaModel(config, add_pooling_layer=False).eval()
    os.makedirs(args.out, exist_ok=True)
    config.to_json_file(os.path.join(args.out, "config.json"))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(args.out, "model.safetensors"))


def make_inputs(args):
    g = torch.Generator().manual_seed(args.seed)
    # Review lengths vary: a normal spread around the mean, clipped to [mean/4, 2*mean].
    lengths = (torch.randn(args.texts, generator=g) * args.mean * 0.35 + args.mean).round().clamp(args.mean // 4, 2 * args.mean).long()
    T = int(lengths.max())
    ids = torch.full((args.texts, T), 1, dtype=torch.long)
    mask = torch.zeros((args.texts, T), dtype=torch.long)
    for b, n in enumerate(lengths.tolist()):
        ids[b, 0], ids[b, n - 1] = 0, 2
        ids[b, 1:n - 1] = torch.randint(5, 250000, (n - 2,), generator=g)
        mask[b, :n] = 1
    save_file({"input_ids": ids, "attention_mask": mask}, args.out)


def run(args):
    torch.set_num_threads(args.threads)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[args.dtype]
    model = XLMRobertaModel.from_pretrained(args.model, torch_dtype=dtype, attn_implementation="eager",
                                            add_pooling_layer=False).eval()
    data = load_file(args.inputs)
    ids, mask = data["input_ids"], data["attention_mask"]
    lengths = mask.sum(1)
    tokens = int(lengths.sum())

    def one_pass():
        out = []
        with torch.no_grad():
            for s in range(0, ids.shape[0], args.batch):
                n = int(lengths[s:s + args.batch].max())  # pad to the longest of the batch
                h = model(input_ids=ids[s:s + args.batch, :n], attention_mask=mask[s:s + args.batch, :n]).last_hidden_state
                out.append(torch.nn.functional.normalize(h[:, 0].float(), p=2, dim=-1))
        return torch.cat(out)

    one_pass()  # warm-up
    times, cpu_times = [], []  # CPU seconds are the steadier figure on a shared machine
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        dense = one_pass()
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - c)
    if args.save_dense:
        save_file({"dense_embedding": dense.contiguous()}, args.save_dense)
    s = statistics.median(times)
    print(json.dumps({"impl": "hf-transformers-eager", "dtype": args.dtype, "texts": ids.shape[0], "tokens": tokens,
                      "batch": args.batch, "seconds_median": s, "seconds_all": times, "texts_per_s": ids.shape[0] / s,
                      "tokens_per_s": tokens / s, "cpu_seconds_median": statistics.median(cpu_times),
                      "tokens_per_cpu_s": tokens / statistics.median(cpu_times), "threads": args.threads}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-model"); m.add_argument("out"); m.add_argument("--layers", type=int, default=24)
    i = sub.add_parser("make-inputs"); i.add_argument("out"); i.add_argument("--texts", type=int, default=16)
    i.add_argument("--mean", type=int, default=350); i.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("run"); r.add_argument("model"); r.add_argument("inputs")
    r.add_argument("--dtype", default="fp32"); r.add_argument("--batch", type=int, default=8)
    r.add_argument("--runs", type=int, default=3); r.add_argument("--threads", type=int, default=2)
    r.add_argument("--save-dense", default="")
    args = p.parse_args()
    {"make-model": make_model, "make-inputs": make_inputs, "run": run}[args.cmd](args)


if __name__ == "__main__":
    main()
