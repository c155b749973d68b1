# Writes a random tiny XLM-RoBERTa in three checkpoint layouts and the output of Hugging Face
# transformers' XLMRobertaModel (eager attention, fp32) on a right-padded batch, for
# tests/embed/xlmr_hf_test.cpp.  Usage: make_hf_xlmr.py OUT_DIR SEED
import json, os, sys

import torch
from safetensors.torch import save_file
from transformers import XLMRobertaConfig, XLMRobertaModel

out, seed = sys.argv[1], int(sys.argv[2])
torch.manual_seed(seed)
g = torch.Generator().manual_seed(seed)
heads = int(torch.randint(2, 5, (1,), generator=g))
config = XLMRobertaConfig(vocab_size=int(torch.randint(200, 400, (1,), generator=g)), hidden_size=16 * heads,
                          num_hidden_layers=int(torch.randint(1, 4, (1,), generator=g)), num_attention_heads=heads,
                          intermediate_size=48 * heads, max_position_embeddings=64, type_vocab_size=1,
                          pad_token_id=1, bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5, hidden_act="gelu")
config._attn_implementation = "eager"
model = XLMRobertaModel(config).eval()
with torch.no_grad():  # HF initialises LayerNorm to 1/0 and biases to 0: perturb them so they matter
    for name, p in model.named_parameters():
        if "LayerNorm" in name or name.endswith("bias"):
            p.add_(0.1 * torch.randn(p.shape, generator=g))
state = {k: v.contiguous() for k, v in model.state_dict().items()}

def write_dir(name, tensors, fmt):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    config.to_json_file(os.path.join(d, "config.json"))
    if fmt == "safetensors":
        save_file(tensors, os.path.join(d, "model.safetensors"))
    else:
        torch.save(tensors, os.path.join(d, "pytorch_model.bin"))

write_dir("plain", state, "safetensors")
prefixed = {"roberta." + k: v for k, v in state.items()}
prefixed["roberta.embeddings.position_ids"] = torch.arange(64).unsqueeze(0)
prefixed["lm_head.bias"] = torch.zeros(config.vocab_size)
write_dir("prefixed", prefixed, "safetensors")
write_dir("bin", state, "bin")

lengths = [int(x) for x in torch.randint(3, 30, (5,), generator=g)]
T = max(lengths)
ids = torch.full((5, T), 1, dtype=torch.long)
mask = torch.zeros((5, T), dtype=torch.long)
for b, n in enumerate(lengths):
    ids[b, 0], ids[b, n - 1] = 0, 2
    ids[b, 1:n - 1] = torch.randint(3, config.vocab_size, (n - 2,), generator=g)
    mask[b, :n] = 1
with torch.no_grad():
    hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
dense = torch.nn.functional.normalize(hidden[:, 0], p=2, dim=-1)
save_file({"input_ids": ids, "attention_mask": mask, "last_hidden_state": hidden.contiguous(),
           "dense_embedding": dense.contiguous()}, os.path.join(out, "reference.safetensors"))
print(json.dumps({"heads": heads, "layers": config.num_hidden_layers, "lengths": lengths}))
