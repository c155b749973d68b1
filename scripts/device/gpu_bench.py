"""GPU benchmarks of dep against Hugging Face transformers on the same device (scripts/device/run.sh
runs this; docs/cuda.md). Random-weight models of the real shapes are made here, on the device:
tensors drawn on the GPU and written once to /dev/shm (memory, not disk) when it has room, so dep
and HF load the very same weights. Every result is appended to OUT/bench.jsonl as soon as it is
measured (a run cut short keeps what it had); OUT/bench.md is the summary table, rewritten after
each step.
  python3 gpu_bench.py --build BUILD --out OUT [--preset device|rehearse] [--deadline EPOCH_S]
Preset `device`: Qwen2.5-7B shape in bf16 (decode at batch 1 and 32, prefill, the DEP training step
at 3.5k tokens) and bge-m3's shape (texts/s). Preset `rehearse`: the same steps at tiny shapes on
the CPU, to check the plumbing without a GPU."""
import argparse, json, math, os, shutil, subprocess, sys, tempfile, time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANCHOR = os.path.join(ROOT, "bench", "gpu_anchor_hf.py")

# Qwen2 shapes: hidden, intermediate, layers, heads, kv heads, vocab, tied.
QWEN2 = {"7B": (3584, 18944, 28, 28, 4, 152064, False), "tiny": (256, 704, 2, 4, 2, 8192, False)}
# XLM-R shapes: hidden, intermediate, layers, heads, vocab, max positions.
XLMR = {"bge-m3": (1024, 4096, 24, 16, 250002, 8194), "tiny": (256, 512, 2, 4, 8192, 1026)}
# Nominal dense bf16 peak and HBM bandwidth of the cards this may land on (vendor figures, SXM).
NOMINAL = {"H100": (989e12, 3.35e12), "H200": (989e12, 4.8e12)}
PRESETS = {
    "device": dict(device="cuda", qwen2="7B", xlmr="bge-m3", batches=[1, 32], prompt=512, new=64, reps=3,
                   train_length=3500, train_target=256, texts=512, text_mean=350, embed_batch=32, threads=4,
                   copy_mb=4096, matmul=8192),
    "rehearse": dict(device="cpu", qwen2="tiny", xlmr="tiny", batches=[1, 4], prompt=32, new=8, reps=1,
                     train_length=160, train_target=16, texts=16, text_mean=48, embed_batch=8, threads=2,
                     copy_mb=256, matmul=512),
}
SAMPLES_PER_EPOCH = 3996  # the paper's training set


class Bench:
    def __init__(self, a):
        self.a, self.p = a, PRESETS[a.preset]
        self.device = torch.device(self.p["device"])
        self.out = a.out
        os.makedirs(self.out, exist_ok=True)
        self.results = []
        self.jsonl = open(os.path.join(self.out, "bench.jsonl"), "a")

    def record(self, row):
        row = dict(row, preset=self.a.preset, time=time.strftime("%H:%M:%S"))
        self.results.append(row)
        self.jsonl.write(json.dumps(row) + "\n")
        self.jsonl.flush()
        print("bench:", json.dumps(row), flush=True)
        self.write_summary()

    def left(self):
        return self.a.deadline - time.time() if self.a.deadline else 1e9

    def run(self, step, cmd, budget, annotate=None):
        """Runs one benchmark process within min(budget, time left); records its JSON lines."""
        timeout = min(budget, self.left() - 5)
        if timeout < 10:
            self.record({"step": step, "skipped": f"{self.left():.0f} s left of the run's budget"})
            return []
        print(f"bench: [{step}] ({timeout:.0f} s) {' '.join(cmd)}", flush=True)
        t0 = time.time()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except OSError as e:  # e.g. a binary the build did not make
            self.record({"step": step, "error": str(e)})
            return []
        except subprocess.TimeoutExpired as e:
            tail = (e.stderr or b"")[-2000:]
            self.record({"step": step, "error": f"timed out after {timeout:.0f} s",
                         "stderr_tail": tail.decode() if isinstance(tail, bytes) else tail})
            return []
        rows = []
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
        if proc.returncode != 0 or not rows:
            self.record({"step": step, "error": f"exit {proc.returncode}", "stderr_tail": proc.stderr[-3000:],
                         "stdout_tail": proc.stdout[-1000:]})
            return []
        for r in rows:
            r = dict(r, step=step, wall_s=round(time.time() - t0, 1))
            if annotate:
                r.update(annotate)
            self.record(r)
        return rows

    # --- the machine's own ceilings -------------------------------------------------------------
    def machine(self):
        d = self.device
        row = {"step": "machine", "device": str(d), "torch": torch.__version__}
        try:
            import transformers
            row["transformers"] = transformers.__version__
        except ImportError:
            row["transformers"] = None
        if d.type == "cuda":
            prop = torch.cuda.get_device_properties(d)
            row.update(name=prop.name, memory_gb=round(prop.total_memory / 1e9, 1), sms=prop.multi_processor_count)
        n = self.p["copy_mb"] * 2**20 // 2
        a = torch.randn(n, device=d, dtype=torch.bfloat16)
        b = torch.empty_like(a)
        best = 0.0
        for _ in range(6):
            sync(d); t0 = time.perf_counter(); b.copy_(a); sync(d)
            best = max(best, 2 * a.numel() * 2 / (time.perf_counter() - t0))
        row["copy_gb_s"] = round(best / 1e9, 1)  # bytes read + written
        del a, b
        m = self.p["matmul"]
        x = torch.randn(m, m, device=d, dtype=torch.bfloat16)
        y = torch.randn(m, m, device=d, dtype=torch.bfloat16)
        x @ y; sync(d)
        reps = 10
        t0 = time.perf_counter()
        for _ in range(reps):
            x @ y
        sync(d)
        row["bf16_matmul_tflops"] = float(f"{2 * m**3 * reps / (time.perf_counter() - t0) / 1e12:.3g}")
        del x, y
        for key, (peak, bw) in NOMINAL.items():
            if key in row.get("name", ""):
                row.update(nominal_bf16_tflops=peak / 1e12, nominal_hbm_gb_s=bw / 1e9)
        self.machine_row = row
        self.record(row)

    # --- random-weight models, made on the device ------------------------------------------------
    def scratch(self, need_bytes):
        shm = "/dev/shm"
        if os.path.isdir(shm):
            st = os.statvfs(shm)
            if st.f_bavail * st.f_frsize > 1.2 * need_bytes:
                return tempfile.mkdtemp(prefix="dep-bench-", dir=shm)
        return tempfile.mkdtemp(prefix="dep-bench-", dir=self.a.scratch or None)

    def make_qwen2(self):
        from safetensors.torch import save_file
        H, I, L, nh, nkv, V, tied = QWEN2[self.p["qwen2"]]
        hd = H // nh
        shapes = {"model.embed_tokens.weight": (V, H), "model.norm.weight": (H,)}
        if not tied:
            shapes["lm_head.weight"] = (V, H)
        for i in range(L):
            p = f"model.layers.{i}."
            shapes.update({p + "input_layernorm.weight": (H,), p + "post_attention_layernorm.weight": (H,),
                           p + "self_attn.q_proj.weight": (nh * hd, H), p + "self_attn.q_proj.bias": (nh * hd,),
                           p + "self_attn.k_proj.weight": (nkv * hd, H), p + "self_attn.k_proj.bias": (nkv * hd,),
                           p + "self_attn.v_proj.weight": (nkv * hd, H), p + "self_attn.v_proj.bias": (nkv * hd,),
                           p + "self_attn.o_proj.weight": (H, nh * hd), p + "mlp.gate_proj.weight": (I, H),
                           p + "mlp.up_proj.weight": (I, H), p + "mlp.down_proj.weight": (H, I)})
        total = sum(2 * math.prod(s) for s in shapes.values())
        t0 = time.time()
        out = self.scratch(total)
        g = torch.Generator(device=self.device).manual_seed(0)
        # Shards of ~2 GB: drawn on the device, written from host memory, freed.
        shard, shard_bytes, index, k = {}, 0, {}, 0
        names = sorted(shapes)

        def flush():
            nonlocal shard, shard_bytes, k
            if shard:
                fname = f"model-{k:05d}.safetensors"
                save_file(shard, os.path.join(out, fname), metadata={"format": "pt"})
                index.update({n: fname for n in shard})
                shard, shard_bytes, k = {}, 0, k + 1

        for n in names:
            s = shapes[n]
            t = torch.randn(s, generator=g, device=self.device, dtype=torch.float32)
            t = (1.0 + 0.05 * t) if n.endswith("norm.weight") else 0.02 * t
            shard[n] = t.to(torch.bfloat16).cpu()
            shard_bytes += 2 * math.prod(s)
            if shard_bytes > 2 * 2**30:
                flush()
        flush()
        json.dump({"metadata": {"total_size": total}, "weight_map": index},
                  open(os.path.join(out, "model.safetensors.index.json"), "w"))
        cfg = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
               "hidden_size": H, "intermediate_size": I, "num_hidden_layers": L, "num_attention_heads": nh,
               "num_key_value_heads": nkv, "vocab_size": V, "tie_word_embeddings": tied,
               "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-6,
               "bos_token_id": 151643, "eos_token_id": 151645, "torch_dtype": "bfloat16",
               "use_sliding_window": False, "sliding_window": 32768, "max_window_layers": L,
               "attention_dropout": 0.0, "initializer_range": 0.02, "use_cache": True}
        json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=2)
        layer_params = sum(math.prod(s) for n, s in shapes.items() if n.startswith("model.layers."))
        self.qwen2 = dict(dir=out, weight_bytes=total, layer_params=layer_params, layers=L, heads=nh, head_dim=hd,
                          hidden=H, vocab=V)
        self.record({"step": "make-qwen2", "shape": self.p["qwen2"], "dir": out, "weight_gb": round(total / 1e9, 2),
                     "seconds": round(time.time() - t0, 1)})

    def make_xlmr(self):
        from safetensors.torch import save_file
        from transformers import XLMRobertaConfig, XLMRobertaModel
        H, I, L, heads, V, P = XLMR[self.p["xlmr"]]
        t0 = time.time()
        config = XLMRobertaConfig(vocab_size=V, hidden_size=H, num_hidden_layers=L, num_attention_heads=heads,
                                  intermediate_size=I, max_position_embeddings=P, type_vocab_size=1, pad_token_id=1,
                                  bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5, hidden_act="gelu",
                                  architectures=["XLMRobertaModel"])
        torch.manual_seed(0)
        with torch.device(self.device):
            model = XLMRobertaModel(config, add_pooling_layer=False)
        state = {k: v.detach().to(torch.bfloat16).contiguous().cpu() for k, v in model.state_dict().items()}
        nbytes = sum(v.numel() * 2 for v in state.values())
        out = self.scratch(nbytes)
        config.to_json_file(os.path.join(out, "config.json"))
        save_file(state, os.path.join(out, "model.safetensors"))
        del model, state
        # Review-length inputs: a normal spread around the mean, clipped to [mean/4, 2*mean].
        g = torch.Generator().manual_seed(0)
        n, mean = self.p["texts"], self.p["text_mean"]
        lengths = (torch.randn(n, generator=g) * mean * 0.35 + mean).round().clamp(mean // 4, 2 * mean).long()
        T = int(lengths.max())
        ids = torch.full((n, T), 1, dtype=torch.long)
        mask = torch.zeros((n, T), dtype=torch.long)
        for b, m in enumerate(lengths.tolist()):
            ids[b, 0], ids[b, m - 1] = 0, 2
            ids[b, 1:m - 1] = torch.randint(5, V - 2, (m - 2,), generator=g)
            mask[b, :m] = 1
        inputs = os.path.join(out, "inputs.safetensors")
        save_file({"input_ids": ids, "attention_mask": mask}, inputs)
        self.xlmr = dict(dir=out, inputs=inputs)
        self.record({"step": "make-xlmr", "shape": self.p["xlmr"], "texts": n, "tokens": int(lengths.sum()),
                     "weight_gb": round(nbytes / 1e9, 2), "seconds": round(time.time() - t0, 1)})

    # --- the benchmarks ---------------------------------------------------------------------------
    def bin(self, name):
        return os.path.join(self.a.build, "bin", name)

    def decode(self):
        p, m, dev = self.p, self.qwen2["dir"], self.p["device"]
        for batch in p["batches"]:
            self.run(f"dep-decode-b{batch}", [self.bin("decoder_bench"), m, "--device", dev, "--dtype", "bf16",
                                              "--threads", str(p["threads"]), "--batch", str(batch), "--prompt",
                                              str(p["prompt"]), "--new", str(p["new"]), "--reps", str(p["reps"])],
                     180, {"bench": "decode", "impl": "dep"})
        self.run("hf-decode-eager", [sys.executable, ANCHOR, "decode", m, "--device", dev, "--attention", "eager",
                                     "--batch", *map(str, p["batches"]), "--prompt", str(p["prompt"]), "--new",
                                     str(p["new"]), "--reps", str(p["reps"]), "--threads", str(p["threads"])], 240)

    def decode_sdpa(self):
        p, m, dev = self.p, self.qwen2["dir"], self.p["device"]
        self.run("hf-decode-sdpa", [sys.executable, ANCHOR, "decode", m, "--device", dev, "--attention", "sdpa",
                                    "--batch", *map(str, p["batches"]), "--prompt", str(p["prompt"]), "--new",
                                    str(p["new"]), "--reps", str(p["reps"]), "--threads", str(p["threads"])], 240)

    def train(self):
        p, m, dev = self.p, self.qwen2["dir"], self.p["device"]
        self.run("dep-train", [self.bin("train_bench"), m, "--device", dev, "--dtype", "bf16", "--threads",
                               str(p["threads"]), "--length", str(p["train_length"]), "--target", str(p["train_target"]),
                               "--reps", str(p["reps"])], 180, {"bench": "train", "impl": "dep"})
        self.run("hf-train-sdpa", [sys.executable, ANCHOR, "train", m, "--device", dev, "--attention", "sdpa",
                                   "--length", str(p["train_length"]), "--target", str(p["train_target"]), "--reps",
                                   str(p["reps"]), "--threads", str(p["threads"])], 180)

    def embed(self):
        p, dev = self.p, self.p["device"]
        m, inputs = self.xlmr["dir"], self.xlmr["inputs"]
        for mode in ("bucketed", "ordered"):
            self.run(f"dep-embed-{mode}", [self.bin("encoder_bench"), "--model", m, "--inputs", inputs, "--device", dev,
                                           "--dtype", "bf16", "--mode", mode, "--batch", str(p["embed_batch"]),
                                           "--batch-tokens", str(p["embed_batch"] * p["text_mean"]), "--runs",
                                           str(p["reps"]), "--threads", str(p["threads"])], 120,
                     {"bench": "embed", "impl": f"dep-{mode}"})
        for attn in ("eager", "sdpa"):
            self.run(f"hf-embed-{attn}", [sys.executable, ANCHOR, "embed", m, inputs, "--device", dev, "--attention",
                                          attn, "--batch", str(p["embed_batch"]), "--reps", str(p["reps"]),
                                          "--threads", str(p["threads"])], 120)

    # --- summary ----------------------------------------------------------------------------------
    def pick(self, bench, impl, **keys):
        for r in self.results:
            if r.get("bench") == bench and r.get("impl") == impl and all(r.get(k) == v for k, v in keys.items()):
                return r
        return None

    def write_summary(self):
        lines = [f"# dep GPU benchmarks ({self.a.preset})", ""]
        mach = getattr(self, "machine_row", None)
        if mach:
            lines.append(f"machine: {mach.get('name', mach['device'])}, torch {mach['torch']}, transformers "
                         f"{mach.get('transformers')}; measured copy {mach['copy_gb_s']} GB/s (read + write), bf16 "
                         f"matmul {mach['bf16_matmul_tflops']} TFLOP/s")
            lines.append("")
        lines += ["| what | dep | HF anchor | ratio | note |", "|---|---|---|---|---|"]

        def ratio(a, b):
            return f"{a / b:.2f}x" if a and b else "—"

        q = getattr(self, "qwen2", None)
        for batch in self.p["batches"]:
            d = self.pick("decode", "dep", batch=batch)
            for attn in ("eager", "sdpa"):
                h = self.pick("decode", f"hf-{attn}", batch=batch)
                if not (d or h):
                    continue
                dv, hv = d and d.get("decode_tok_s"), h and h.get("decode_tok_s")
                note = ""
                if batch == 1 and dv and q and mach:
                    bw = mach.get("nominal_hbm_gb_s", mach["copy_gb_s"]) * 1e9
                    note = (f"{dv * q['weight_bytes'] / bw:.0%} of HBM bandwidth "
                            f"({q['weight_bytes'] / 1e9:.1f} GB of weights per token; "
                            f"{'nominal' if 'nominal_hbm_gb_s' in mach else 'measured copy'} {bw / 1e9:.0f} GB/s)")
                lines.append(f"| decode tok/s, batch {batch} (vs HF {attn}) | {dv or '—'} | {hv or '—'} | "
                             f"{ratio(dv, hv)} | {note} |")
                dp, hp = d and d.get("prefill_tok_s"), h and h.get("prefill_tok_s")
                note = ""
                if dp and q and mach:
                    peak = mach.get("nominal_bf16_tflops", mach["bf16_matmul_tflops"]) * 1e12
                    flops = 2 * q["layer_params"] + 2 * q["hidden"] * q["vocab"] / self.p["prompt"] + \
                        4 * q["layers"] * q["heads"] * q["head_dim"] * self.p["prompt"] / 2
                    note = f"{dp * flops / peak:.0%} of bf16 peak ({peak / 1e12:.0f} TFLOP/s)"
                lines.append(f"| prefill tok/s, batch {batch} × {self.p['prompt']} (vs HF {attn}) | {dp or '—'} | "
                             f"{hp or '—'} | {ratio(dp, hp)} | {note} |")
        d, h = self.pick("train", "dep"), self.pick("train", "hf-sdpa")
        if d or h:
            L = self.p["train_length"]
            ds = d and L / d["train_tok_s"]
            hs = h and h.get("step_s")
            epoch = lambda s: f"{s * SAMPLES_PER_EPOCH / 60:.1f} min/epoch" if s else "—"
            lines.append(f"| DEP training step, {L} tokens, s/step | {ds and round(ds, 3) or '—'} | {hs or '—'} | "
                         f"{ratio(hs, ds)} | dep {epoch(ds)}, HF {epoch(hs)} at {SAMPLES_PER_EPOCH} samples |")
        for impl in ("dep-bucketed", "dep-ordered"):
            d = self.pick("embed", impl)
            for attn in ("eager", "sdpa"):
                h = self.pick("embed", f"hf-{attn}")
                if d or h:
                    dv, hv = d and round(d["texts_per_s"], 2), h and h["texts_per_s"]
                    lines.append(f"| bge-m3 texts/s, {impl} (vs HF {attn}) | {dv or '—'} | {hv or '—'} | "
                                 f"{ratio(dv, hv)} | |")
        for r in self.results:
            if "error" in r or "skipped" in r:
                lines.append(f"| {r['step']} | — | — | — | {r.get('error') or r.get('skipped')} |")
        with open(os.path.join(self.out, "bench.md.tmp"), "w") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(os.path.join(self.out, "bench.md.tmp"), os.path.join(self.out, "bench.md"))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--preset", default="device", choices=sorted(PRESETS))
    ap.add_argument("--deadline", type=float, default=0, help="epoch seconds by which to stop starting steps")
    ap.add_argument("--scratch", default="", help="folder for the models when /dev/shm is too small")
    ap.add_argument("--only", default="", help="comma-separated steps: decode,train,embed,decode-sdpa")
    a = ap.parse_args()
    b = Bench(a)
    steps = a.only.split(",") if a.only else ["decode", "train", "embed", "decode-sdpa"]
    made = []
    try:
        b.machine()
        if any(s in steps for s in ("decode", "train", "decode-sdpa")):
            b.make_qwen2(); made.append(b.qwen2["dir"])
            if "decode" in steps: b.decode()
            if "train" in steps: b.train()
        if "embed" in steps and b.left() > 30:
            b.make_xlmr(); made.append(b.xlmr["dir"])
            b.embed()
        if "decode-sdpa" in steps and hasattr(b, "qwen2"):
            b.decode_sdpa()
    finally:
        for d in made:
            shutil.rmtree(d, ignore_errors=True)
    b.write_summary()


if __name__ == "__main__":
    main()
