#!/usr/bin/env python3
"""Writes the fuzz seed corpus, tests/fuzz/corpus/<target>/ (small, hand-made valid inputs plus the
shapes issue 20 crashed on). Rerun after changing it; the files are committed."""
import json
import os
import struct
import sys

root = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(root))
corpus = os.path.join(root, "corpus")


def put(target, name, data):
    folder = os.path.join(corpus, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def safetensors(tensors, metadata=None):
    """tensors: [(name, dtype, shape, bytes)] laid out in order."""
    header, offset, blob = {}, 0, b""
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blob += data
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + blob


f32 = lambda *v: struct.pack("<%df" % len(v), *v)

# safetensors header
put("fuzz_safetensors_header", "two_tensors", safetensors(
    [("a.weight", "F32", [2, 2], f32(1, 2, 3, 4)), ("b", "BF16", [3], b"\x00" * 6), ("c", "I64", [0], b"")],
    {"format": "pt"}))
put("fuzz_safetensors_header", "empty", safetensors([]))
put("fuzz_safetensors_header", "scalar_bool", safetensors([("s", "F64", [], f32(1, 2)), ("m", "BOOL", [2, 1], b"\x01\x00")]))

# sharded index
put("fuzz_safetensors_index", "index.json", json.dumps({
    "metadata": {"total_size": 64},
    "weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                   "lm_head.weight": "model-00002-of-00002.safetensors",
                   "model.norm.weight": "model-00002-of-00002.safetensors"}}, indent=2))

# adapter checkpoint
adapter_config = {"method": "dep", "variant": "sae", "embedding_dim": 4, "latent_dim": 2, "hidden_size": 8,
                  "inject": "both", "init": "xavier", "init_std": 0.02, "pplug": {"softmax_includes_padding": False}}
put("fuzz_adapter_checkpoint", "dep_adapter", safetensors(
    [("sae.encoder.weight", "F32", [2, 4], f32(*range(8))), ("sae.encoder.bias", "F32", [2], f32(0, 0))],
    {"format": "pt", "dep.adapter": json.dumps(adapter_config, separators=(",", ":")),
     "dep.adapter_method": "dep", "dep.adapter_hidden_size": "8"}))
put("fuzz_adapter_checkpoint", "pplug_adapter", safetensors(
    [("pplug.inst_mlp.0.weight", "F32", [1, 2], f32(1, 2))],
    {"dep.adapter": json.dumps({"method": "pplug", "embedding_dim": 2}), "dep.adapter_method": "pplug"}))
put("fuzz_adapter_checkpoint", "reference_no_metadata", safetensors([("align_mlp_his.0.weight", "F32", [1], f32(1))]))

# configs: first byte = schema (config target's switch), then the file
schemas = {0: ["train.json", "demo/train.json", "methods/dep.json", "methods/pplug_train.json"],
           1: ["generate.json", "demo/generate.json", "methods/pag.json", "methods/dpl.json"],
           2: ["embed.json", "demo/embed.json", "methods/pplug_embed.json"],
           3: ["data.json", "demo/data.json"], 4: ["demo/synth.json"]}
for schema, files in schemas.items():
    for name in files:
        path = os.path.join(repo, "configs", name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                put("fuzz_config", "%d_%s" % (schema, name.replace("/", "_")), bytes([schema]) + f.read())
put("fuzz_config", "5_adapter", bytes([5]) + json.dumps(adapter_config).encode())
put("fuzz_config", "6_qwen2", bytes([6]) + json.dumps({
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 1000, "hidden_size": 32,
    "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "max_position_embeddings": 256, "rope_theta": 1000000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": True,
    "torch_dtype": "float32", "hidden_act": "silu", "eos_token_id": [2, 3]}).encode())
put("fuzz_config", "7_xlmr", bytes([7]) + json.dumps({
    "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta", "vocab_size": 800, "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 130,
    "type_vocab_size": 1, "pad_token_id": 1, "layer_norm_eps": 1e-5}).encode())

# tokenizer.json: a byte-level BPE and a Unigram, cut down from the demo world's tokenizers
with open(os.path.join(root, "tokenizers", "bpe.json")) as f:
    bpe = json.load(f)
keep = dict(list(bpe["model"]["vocab"].items())[:300])
bpe["model"]["vocab"] = keep
bpe["model"]["merges"] = [m for m in bpe["model"]["merges"][:200]
                          if all(p in keep for p in (m.split(" ") if isinstance(m, str) else m))
                          and "".join(m.split(" ") if isinstance(m, str) else m) in keep]
bpe["added_tokens"] = [dict(t, id=len(keep) + i) for i, t in enumerate(bpe["added_tokens"][:3])]
put("fuzz_tokenizer_json", "bpe_small.json", json.dumps(bpe, ensure_ascii=False))
with open(os.path.join(root, "tokenizers", "unigram.json")) as f:
    uni = json.load(f)
uni["model"]["vocab"] = uni["model"]["vocab"][:120]
uni["added_tokens"] = [t for t in uni["added_tokens"] if t["id"] < 120]
put("fuzz_tokenizer_json", "unigram_small.json", json.dumps(uni, ensure_ascii=False))

# encode: text
put("fuzz_tokenizer_encode", "chat", "<|im_start|>user\nWrite a review of \"The Letters River\".<|im_end|>\n")
put("fuzz_tokenizer_encode", "mixed", "Caf\u00e9 na\u00efve \u00c5ngstr\u00f6m 12345 \U0001F600 \u4e2d\u6587 don't  \t\n\r ...!!")
put("fuzz_tokenizer_encode", "bytes", b"\xff\xfe\xc0\x80 ok \xed\xa0\x80")

# DPL rows
review = lambda asin, ts: {"asin": asin, "rating": 4.0, "text": "A mystery that unfolds slowly.", "timestamp": ts,
                           "title": "Four stars"}
row = {"user_id": "AUKKF1IG5F58DN803IL5M2BCJ52Y", "profile": [review("BH59VDCKNV", 1281693600000),
                                                             review("B07K760KKY", 1281693600001)],
       "data": review("B7I8QJW9CK", 1281693700000)}
put("fuzz_dpl_rows", "rows.jsonl", json.dumps(row, separators=(",", ":")) + "\n" + json.dumps(row) + "\n")
put("fuzz_dpl_rows", "meta.jsonl", json.dumps({"asin": "BN41N0OTQW", "title": "The Letters River",
                                               "description": "A sweeping story."}) + "\n")

# generation records
record = lambda i, cat: {"index": i, "category": cat, "user_id": "U%d" % i, "sample_id": "test/%s/U%d" % (cat, i),
                         "prediction": "Picked this up on a whim!", "reference": "I had been waiting for ages!",
                         "prompt_tokens": 120, "generated_tokens": 9, "finish": "stop"}
lines = "".join(json.dumps(record(i, c), separators=(",", ":")) + "\n" for i, c in enumerate(["Books", "CDs_and_Vinyl"]))
put("fuzz_generation_resume", "generations.jsonl", lines)
put("fuzz_generation_resume", "torn.jsonl", lines + lines[:40])

# dep-eval input
put("fuzz_eval_input", "generations.jsonl", lines)
put("fuzz_eval_input", "predictions_txt", "#Picked this up on a whim!\n---------------------------------\nSecond one.\n"
    "---------------------------------\n\x01" + json.dumps({"reference": "I had been waiting."}) + "\n" +
    json.dumps({"out_str": "Second reference."}) + "\n")
# Issue 20's crash and silent-misread inputs (each fixed, each with a unit test): replayed under the
# sanitizers on every fuzz.sh run. 20,000 levels stand for the 10^5 that overflowed the stack.
deep = "[" * 20000 + "]" * 20000
put("fuzz_config", "regression_deep_value", bytes([0]) + ('{"optim": {"lr": %s}}' % deep).encode())
put("fuzz_config", "regression_duplicate_key", bytes([0]) + b'{"optim": {"lr": 1e-5, "lr": 2e-5}}')
put("fuzz_config", "regression_huge_number", bytes([1]) + b'{"sampling": {"temperature": 1e400}}')
deep_tok = json.loads(open(os.path.join(corpus, "fuzz_tokenizer_json", "bpe_small.json")).read())
deep_tok["normalizer"] = None
text = json.dumps(deep_tok, ensure_ascii=False)
put("fuzz_tokenizer_json", "regression_deep_normalizer", text.replace('"normalizer": null', '"normalizer": ' + deep, 1))
for name, token_id in (("regression_added_id_2_63", "9223372036854775808"), ("regression_added_id_negative", "-1")):
    t = json.loads(text)
    t["added_tokens"][0]["id"] = 0
    put("fuzz_tokenizer_json", name, json.dumps(t, ensure_ascii=False).replace('"id": 0', '"id": ' + token_id, 1))
put("fuzz_tokenizer_json", "regression_model_type_number", text.replace('"type": "BPE"', '"type": 5', 1))
line = json.dumps(row)
put("fuzz_dpl_rows", "regression_deep_field", line.replace('"title": "Four stars"', '"title": ' + deep, 1) + "\n")
put("fuzz_dpl_rows", "regression_huge_number", line.replace('"rating": 4.0', '"rating": 1e400', 1) + "\n")
put("fuzz_dpl_rows", "regression_timestamp_2_63", line.replace("1281693700000", "9223372036854775808", 1) + "\n")
put("fuzz_dpl_rows", "regression_5000_digits", line.replace("1281693700000", "9" * 5000, 1) + "\n")
bom = safetensors([("a", "F32", [1], f32(1))])
length = struct.unpack("<Q", bom[:8])[0]
put("fuzz_safetensors_header", "regression_bom", struct.pack("<Q", length + 3) + b"\xef\xbb\xbf" + bom[8:])
put("fuzz_generation_resume", "regression_deep_line", lines + '{"index": ' + deep + '}\n')
print("seeds written to", corpus, file=sys.stderr)
