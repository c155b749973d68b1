"""Random tiny Qwen2 models and their Hugging Face transformers outputs, for the live cross-checks in
qwen2_hf_test.cpp. Usage: hf_qwen2_reference.py OUT_DIR SEED

For each configuration (GQA ratio, explicit head_dim, tied/untied head, sharded or single file) it
writes OUT_DIR/<name>/ (config.json + safetensors from save_pretrained) and
OUT_DIR/<name>/reference.safetensors with a left-padded batch, HF eager fp32 logits (positions =
cumsum(mask) - 1, pads 1, as generate uses), an 8-step greedy continuation from HF generate, 12 sampled tokens (seed 4321), and
the rows HF's resize_token_embeddings adds."""
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import Qwen2Config, Qwen2ForCausalLM

CONFIGS = [
    # name, heads, kv heads, head_dim (None = hidden/heads), tied, shard
    ("gqa2_tied", 4, 2, None, True, False),
    ("mha_untied", 4, 4, None, False, False),
    ("mqa_headdim24_untied_sharded", 6, 1, 24, False, True),
    ("gqa3_headdim8_tied_sharded", 6, 2, 8, True, True),
]


def main():
    out_dir, seed = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(seed)
    manifest = []
    for name, heads, kv, head_dim, tied, shard in CONFIGS:
        hidden = 48
        kwargs = dict(
            vocab_size=301, hidden_size=hidden, intermediate_size=96, num_hidden_layers=2,
            num_attention_heads=heads, num_key_value_heads=kv, max_position_embeddings=128,
            rope_theta=10000.0 if shard else 1000000.0, rms_norm_eps=1e-5 if tied else 1e-6,
            tie_word_embeddings=tied, use_sliding_window=False, initializer_range=0.2,
            bos_token_id=1, eos_token_id=2, pad_token_id=None)
        if head_dim is not None:
            kwargs["head_dim"] = head_dim
        config = Qwen2Config(**kwargs)
        config._attn_implementation = "eager"
        model = Qwen2ForCausalLM(config).eval()
        with torch.no_grad():
            # Non-trivial norms and biases (init leaves them at 1 and 0).
            for pname, p in model.named_parameters():
                if pname.endswith("norm.weight"):
                    p.copy_(1.0 + 0.3 * torch.randn_like(p))
                elif pname.endswith(".bias"):
                    p.copy_(0.2 * torch.randn_like(p))
        target = os.path.join(out_dir, name)
        model.save_pretrained(target, safe_serialization=True, max_shard_size="40KB" if shard else "5GB")

        B, T = 3, 10
        lengths = [10, 6, 3]
        ids = torch.randint(3, 301, (B, T))
        mask = torch.zeros(B, T, dtype=torch.long)
        for b, n in enumerate(lengths):
            mask[b, T - n:] = 1
        ids = ids.masked_fill(mask == 0, 0)
        positions = (mask.cumsum(1) - 1).masked_fill(mask == 0, 1)
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits.float()
            greedy = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False,
                                    min_new_tokens=8, pad_token_id=0, eos_token_id=None)[:, T:]
            # Sampling with every processor on, one unpadded prompt: multinomial draws from the
            # global CPU generator seeded here, as a per-request generator with the same seed does.
            torch.manual_seed(4321)
            sampled = model.generate(input_ids=ids[:1], attention_mask=mask[:1], do_sample=True, temperature=0.7,
                                     top_k=20, top_p=0.8, repetition_penalty=1.3, max_new_tokens=12,
                                     min_new_tokens=12, pad_token_id=0, eos_token_id=None)[:, T:]
        tensors = {"input_ids": ids, "attention_mask": mask, "position_ids": positions,
                   "logits": logits.contiguous(), "greedy_tokens": greedy.contiguous(),
                   "sampled_tokens": sampled.contiguous()}
        # The rows HF's resize_token_embeddings (mean_resizing) adds.
        model.resize_token_embeddings(311)
        tensors["resized_embed"] = model.get_input_embeddings().weight.detach()[301:].clone()
        if not tied:
            tensors["resized_lm_head"] = model.get_output_embeddings().weight.detach()[301:].clone()
        save_file(tensors, os.path.join(target, "reference.safetensors"))
        manifest.append(name)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
