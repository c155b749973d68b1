"""Writes a random tiny LED (transformers LEDModel) and its encoder outputs for dep's LED test.

Usage: make_tiny_led.py OUT_DIR. OUT_DIR gets config.json + model.safetensors (save_pretrained)
and reference.safetensors with input_ids, attention_mask (right-padded batch, lengths longer
than the local window so the band matters) and last_hidden_state / layer1_hidden_state.
"""
import sys

import torch
from safetensors.torch import save_file
from transformers import LEDConfig, LEDModel


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    config = LEDConfig(vocab_size=97, d_model=32, encoder_layers=2, decoder_layers=1,
                       encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=48,
                       decoder_ffn_dim=48, max_encoder_position_embeddings=64,
                       max_decoder_position_embeddings=64, attention_window=[4, 6], pad_token_id=1,
                       bos_token_id=0, eos_token_id=2)
    model = LEDModel(config).eval()
    # Non-trivial layer norms and biases so every parameter matters.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or name.endswith("bias"):
                p.add_(0.1 * torch.randn_like(p))
    model.save_pretrained(out, safe_serialization=True)
    lengths = [21, 13, 2, 9]
    t = max(lengths)
    ids = torch.full((len(lengths), t), config.pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(lengths), t), dtype=torch.long)
    for i, n in enumerate(lengths):
        body = torch.randint(3, config.vocab_size, (n,))
        body[0], body[-1] = 0, 2
        ids[i, :n] = body
        mask[i, :n] = 1
    with torch.no_grad():
        enc = model.get_encoder()
        full = enc(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    save_file({"input_ids": ids, "attention_mask": mask,
               "last_hidden_state": full.last_hidden_state.contiguous(),
               "layer1_hidden_state": full.hidden_states[1].contiguous()},
              out + "/reference.safetensors")


if __name__ == "__main__":
    main()
