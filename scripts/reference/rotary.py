"""Tiny random-weight rotary decoders (GPT-NeoX, Llama, Qwen2) and their hidden states, as the reference for
GptNeoXTest and LlamaTest.

Run (from the repository root; Debian's Python with its torch 1.13, no `transformers` needed):

    /usr/bin/python3 scripts/reference/rotary.py

It writes, under src/test/resources/tiny/, one Hugging Face model folder per fixture (config.json, tokenizer.json,
the weights as safetensors written by hand) and expected.json: a right-padded batch of token ids, its attention
mask and the hidden states of every layer 0..L, numbered as `output_hidden_states` numbers them (0 = embeddings,
1..L-1 = raw block outputs, L = final norm of the last block's output).

The models are written here in plain torch from the published definitions (transformers' modeling_gpt_neox.py,
modeling_llama.py, modeling_qwen2.py and modeling_rope_utils.py), not imported, so the Java side is checked against
an independent implementation. Weights are seeded and deliberately not small (std 0.2 to 0.5; norm weights 1 with
noise), so a wrong rotary fraction, a missing grouped-query repeat, a missing bias or a wrong llama3 scaling moves
the hidden states far beyond the tests' 1e-4 tolerance.

Fixtures:
  pythia/             gpt_neox, rotary_pct 0.25, parallel residual, 3 layers; the unused buffers Pythia checkpoints
                      carry (attention.bias as BOOL, attention.masked_bias, rotary_emb.inv_freq) and embed_out.
  pythia-sequential/  gpt_neox with use_parallel_residual false, 2 layers.
  llama-gqa/          llama, 4 heads / 2 kv heads, explicit head_dim (4 x 16 != hidden 48), llama3 rope_scaling,
                      rope_theta 500, untied lm_head; stored as 2 shards with model.safetensors.index.json.
  llama-bias/         llama with attention_bias true (biases on q, k, v and o), 4 heads = 4 kv heads, head_dim
                      implied (hidden / heads), no rope_scaling, tied embeddings.
  qwen2/              qwen2 with q/k/v biases (no o bias), 4 heads / 1 kv head, tied embeddings (no lm_head tensor);
                      stored in BF16 (the reference computes with the bf16-rounded weights, in fp32).
"""
import json
import math
import os
import struct

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "tiny")

# A right-padded batch: three sequences of different lengths; padding id 0, mask 0.
LENGTHS = [11, 7, 4]


# ---------------------------------------------------------------------------------------------------------------
# safetensors, by hand: 8-byte little-endian header length, JSON header, raw little-endian data
# ---------------------------------------------------------------------------------------------------------------

def tensor_bytes(t, dtype):
    t = t.detach().contiguous()
    if dtype == "F32":
        return t.float().numpy().astype("<f4").tobytes()
    if dtype == "BF16":
        return t.float().bfloat16().view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "BOOL":
        return t.to(torch.uint8).numpy().tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: name -> torch tensor (float, or bool for BOOL). dtype applies to float tensors."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        dt = "BOOL" if t.dtype == torch.bool else dtype
        data = tensor_bytes(t, dt)
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_sharded(folder, tensors, shards=2):
    names = list(tensors)
    per = (len(names) + shards - 1) // shards
    weight_map, total = {}, 0
    for s in range(shards):
        file = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
        part = {n: tensors[n] for n in names[s * per:(s + 1) * per]}
        write_safetensors(os.path.join(folder, file), part)
        for n, t in part.items():
            weight_map[n] = file
            total += t.numel() * 4
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


# ---------------------------------------------------------------------------------------------------------------
# A minimal byte-level BPE tokenizer.json (GPT-2's byte-to-unicode table, a few merges, one special token)
# ---------------------------------------------------------------------------------------------------------------

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def tokenizer_json():
    table = bytes_to_unicode()
    vocab = {table[b]: b for b in range(256)}
    merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("e", "r"), ("a", "n"), ("o", "n"), ("r", "e"),
              ("Ġ", "a"), ("Ġ", "s"), ("Ġ", "w"), ("a", "s")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    eos = len(vocab)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": eos, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": [a + " " + b for a, b in merges]},
    }


# ---------------------------------------------------------------------------------------------------------------
# Shared pieces, as in the transformers modeling files
# ---------------------------------------------------------------------------------------------------------------

def default_inv_freq(base, dim):
    # modeling_rope_utils._compute_default_rope_parameters
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def llama3_inv_freq(inv_freq, rs):
    # modeling_rope_utils._compute_llama3_parameters
    factor = rs["factor"]
    low_freq_factor = rs["low_freq_factor"]
    high_freq_factor = rs["high_freq_factor"]
    old_context_len = rs["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


def cos_sin(inv_freq, batch, length):
    # *RotaryEmbedding.forward: positions 0..T-1 (right padding), fp32
    position_ids = torch.arange(length)[None, :].expand(batch, -1)
    inv_freq_expanded = inv_freq[None, :, None].float().expand(batch, -1, 1)
    freqs = (inv_freq_expanded @ position_ids[:, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary(x, cos, sin):
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return x * cos + rotate_half(x) * sin


def additive_mask(mask):
    """Causal mask combined with the key padding mask, [B, 1, T, T], 0 where allowed, finfo.min elsewhere."""
    T = mask.shape[1]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None, None] & mask[:, None, None, :].bool()
    return torch.where(allowed, torch.tensor(0.0), torch.tensor(torch.finfo(torch.float32).min))


def attention(q, k, v, mask, scale):
    scores = q @ k.transpose(2, 3) * scale + additive_mask(mask)
    probs = torch.softmax(scores.float(), dim=-1)
    return probs @ v


def linear(x, W, b=None):
    return torch.nn.functional.linear(x, W, b)


# ---------------------------------------------------------------------------------------------------------------
# GPT-NeoX (modeling_gpt_neox.py)
# ---------------------------------------------------------------------------------------------------------------

def neox_forward(cfg, w, ids, mask):
    B, T = ids.shape
    H = cfg["num_attention_heads"]
    d = cfg["hidden_size"] // H
    rot = int(d * cfg["rotary_pct"])
    eps = cfg["layer_norm_eps"]
    inv_freq = default_inv_freq(cfg["rotary_emb_base"], rot)
    cos, sin = cos_sin(inv_freq, B, T)
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (x.shape[-1],), w[p + ".weight"], w[p + ".bias"], eps)
    x = w["gpt_neox.embed_in.weight"][ids]
    states = [x]
    for l in range(cfg["num_hidden_layers"]):
        p = "gpt_neox.layers.%d." % l
        h = ln(x, p + "input_layernorm")
        qkv = linear(h, w[p + "attention.query_key_value.weight"], w[p + "attention.query_key_value.bias"])
        qkv = qkv.view(B, T, H, 3 * d).transpose(1, 2)
        q, k, v = qkv.chunk(3, dim=-1)
        q = torch.cat((apply_rotary(q[..., :rot], cos, sin), q[..., rot:]), dim=-1)
        k = torch.cat((apply_rotary(k[..., :rot], cos, sin), k[..., rot:]), dim=-1)
        o = attention(q, k, v, mask, d ** -0.5).transpose(1, 2).reshape(B, T, H * d)
        attn_out = linear(o, w[p + "attention.dense.weight"], w[p + "attention.dense.bias"])

        def mlp(y):
            y = linear(y, w[p + "mlp.dense_h_to_4h.weight"], w[p + "mlp.dense_h_to_4h.bias"])
            y = torch.nn.functional.gelu(y)  # hidden_act "gelu": exact
            return linear(y, w[p + "mlp.dense_4h_to_h.weight"], w[p + "mlp.dense_4h_to_h.bias"])

        if cfg["use_parallel_residual"]:
            x = mlp(ln(x, p + "post_attention_layernorm")) + attn_out + x
        else:
            attn_out = attn_out + x
            x = mlp(ln(attn_out, p + "post_attention_layernorm")) + attn_out
        states.append(x)
    states[-1] = ln(states[-1], "gpt_neox.final_layer_norm")
    return states


def neox_weights(cfg, g):
    h, i, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H = cfg["num_attention_heads"]
    d = h // H
    rot = int(d * cfg["rotary_pct"])
    n = lambda *s, std=0.2: torch.randn(*s, generator=g) * std
    w = {"gpt_neox.embed_in.weight": n(V, h, std=0.5)}
    for l in range(cfg["num_hidden_layers"]):
        p = "gpt_neox.layers.%d." % l
        w[p + "input_layernorm.weight"] = 1 + n(h)
        w[p + "input_layernorm.bias"] = n(h, std=0.1)
        w[p + "post_attention_layernorm.weight"] = 1 + n(h)
        w[p + "post_attention_layernorm.bias"] = n(h, std=0.1)
        # unused buffers, as old Pythia checkpoints store them
        w[p + "attention.bias"] = torch.tril(torch.ones(cfg["max_position_embeddings"], cfg["max_position_embeddings"],
                                                        dtype=torch.bool))[None, None]
        w[p + "attention.masked_bias"] = torch.tensor(-1e9)
        w[p + "attention.rotary_emb.inv_freq"] = default_inv_freq(cfg["rotary_emb_base"], rot)
        w[p + "attention.query_key_value.weight"] = n(3 * h, h)
        w[p + "attention.query_key_value.bias"] = n(3 * h, std=0.2)
        w[p + "attention.dense.weight"] = n(h, h)
        w[p + "attention.dense.bias"] = n(h, std=0.2)
        w[p + "mlp.dense_h_to_4h.weight"] = n(i, h)
        w[p + "mlp.dense_h_to_4h.bias"] = n(i, std=0.2)
        w[p + "mlp.dense_4h_to_h.weight"] = n(h, i, std=0.1)
        w[p + "mlp.dense_4h_to_h.bias"] = n(h, std=0.2)
    w["gpt_neox.final_layer_norm.weight"] = 1 + n(h)
    w["gpt_neox.final_layer_norm.bias"] = n(h, std=0.1)
    w["embed_out.weight"] = n(V, h)
    return w


# ---------------------------------------------------------------------------------------------------------------
# Llama / Mistral / Qwen2 (modeling_llama.py, modeling_qwen2.py)
# ---------------------------------------------------------------------------------------------------------------

def rms_norm(x, weight, eps):
    xf = x.to(torch.float32)
    variance = xf.pow(2).mean(-1, keepdim=True)
    return weight * (xf * torch.rsqrt(variance + eps))


def llama_head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def llama_qkv_bias(cfg):
    return cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)


def llama_o_bias(cfg):
    return cfg["model_type"] != "qwen2" and cfg.get("attention_bias", False)


def llama_forward(cfg, w, ids, mask):
    B, T = ids.shape
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = llama_head_dim(cfg)
    eps = cfg["rms_norm_eps"]
    inv_freq = default_inv_freq(cfg["rope_theta"], d)
    rs = cfg.get("rope_scaling")
    if rs is not None:
        assert rs["rope_type"] == "llama3"
        inv_freq = llama3_inv_freq(inv_freq, rs)
    cos, sin = cos_sin(inv_freq, B, T)
    b = lambda name: w.get(name)
    x = w["model.embed_tokens.weight"][ids]
    states = [x]
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(h, w[p + "self_attn.q_proj.weight"], b(p + "self_attn.q_proj.bias")).view(B, T, H, d).transpose(1, 2)
        k = linear(h, w[p + "self_attn.k_proj.weight"], b(p + "self_attn.k_proj.bias")).view(B, T, KV, d).transpose(1, 2)
        v = linear(h, w[p + "self_attn.v_proj.weight"], b(p + "self_attn.v_proj.bias")).view(B, T, KV, d).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        # repeat_kv: kv head g serves query heads g*n_rep .. g*n_rep + n_rep - 1
        k = torch.repeat_interleave(k, H // KV, dim=1)
        v = torch.repeat_interleave(v, H // KV, dim=1)
        o = attention(q, k, v, mask, d ** -0.5).transpose(1, 2).reshape(B, T, H * d)
        x = x + linear(o, w[p + "self_attn.o_proj.weight"], b(p + "self_attn.o_proj.bias"))
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, w[p + "mlp.gate_proj.weight"])
        up = linear(h, w[p + "mlp.up_proj.weight"])
        x = x + linear(torch.nn.functional.silu(gate) * up, w[p + "mlp.down_proj.weight"])
        states.append(x)
    states[-1] = rms_norm(states[-1], w["model.norm.weight"], eps)
    return states


def llama_weights(cfg, g):
    h, i, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = llama_head_dim(cfg)
    n = lambda *s, std=0.2: torch.randn(*s, generator=g) * std
    w = {"model.embed_tokens.weight": n(V, h, std=0.5)}
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        w[p + "input_layernorm.weight"] = 1 + n(h)
        w[p + "self_attn.q_proj.weight"] = n(H * d, h)
        w[p + "self_attn.k_proj.weight"] = n(KV * d, h)
        w[p + "self_attn.v_proj.weight"] = n(KV * d, h)
        w[p + "self_attn.o_proj.weight"] = n(h, H * d)
        if llama_qkv_bias(cfg):
            w[p + "self_attn.q_proj.bias"] = n(H * d, std=0.3)
            w[p + "self_attn.k_proj.bias"] = n(KV * d, std=0.3)
            w[p + "self_attn.v_proj.bias"] = n(KV * d, std=0.3)
        if llama_o_bias(cfg):
            w[p + "self_attn.o_proj.bias"] = n(h, std=0.3)
        w[p + "post_attention_layernorm.weight"] = 1 + n(h)
        w[p + "mlp.gate_proj.weight"] = n(i, h)
        w[p + "mlp.up_proj.weight"] = n(i, h)
        w[p + "mlp.down_proj.weight"] = n(h, i, std=0.1)
    w["model.norm.weight"] = 1 + n(h)
    if not cfg.get("tie_word_embeddings", False):
        w["lm_head.weight"] = n(V, h)
    return w


# ---------------------------------------------------------------------------------------------------------------

def batch(vocab, g):
    T = max(LENGTHS)
    ids = torch.zeros(len(LENGTHS), T, dtype=torch.int64)
    mask = torch.zeros(len(LENGTHS), T, dtype=torch.int64)
    for r, n in enumerate(LENGTHS):
        ids[r, :n] = torch.randint(1, vocab, (n,), generator=g)
        mask[r, :n] = 1
    return ids, mask


def write_fixture(name, cfg, weights_fn, forward_fn, seed, store="single"):
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    g = torch.Generator().manual_seed(seed)
    w = weights_fn(cfg, g)
    if store == "bf16":
        # what the Java side reads: the bf16 values, widened exactly to fp32
        w = {k: (v.bfloat16().float() if v.is_floating_point() else v) for k, v in w.items()}
    ids, mask = batch(cfg["vocab_size"], g)
    with torch.no_grad():
        states = forward_fn(cfg, w, ids, mask)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False)
    if store == "sharded":
        write_sharded(folder, w)
    else:
        write_safetensors(os.path.join(folder, "model.safetensors"), w, "BF16" if store == "bf16" else "F32")
    expected = {"ids": ids.tolist(), "mask": mask.tolist(),
                "hidden_states": [s.tolist() for s in states]}
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(name, "layers", len(states), "max |h|", max(float(s.abs().max()) for s in states))


def main():
    torch.set_num_threads(1)
    neox = {
        "model_type": "gpt_neox", "architectures": ["GPTNeoXForCausalLM"],
        "vocab_size": 320, "hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4,
        "intermediate_size": 256, "max_position_embeddings": 64, "rotary_pct": 0.25, "rotary_emb_base": 10000,
        "use_parallel_residual": True, "hidden_act": "gelu", "layer_norm_eps": 1e-5, "tie_word_embeddings": False,
        "bos_token_id": 0, "eos_token_id": 0, "torch_dtype": "float32",
    }
    write_fixture("pythia", neox, neox_weights, neox_forward, seed=1)
    sequential = dict(neox, num_hidden_layers=2, use_parallel_residual=False)
    write_fixture("pythia-sequential", sequential, neox_weights, neox_forward, seed=2)

    llama = {
        "model_type": "llama", "architectures": ["LlamaForCausalLM"],
        "vocab_size": 300, "hidden_size": 48, "num_hidden_layers": 3, "num_attention_heads": 4,
        "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 96, "max_position_embeddings": 256,
        "hidden_act": "silu", "rms_norm_eps": 1e-5, "rope_theta": 500.0, "attention_bias": False,
        "mlp_bias": False, "tie_word_embeddings": False,
        "rope_scaling": {"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 64},
        "torch_dtype": "float32",
    }
    write_fixture("llama-gqa", llama, llama_weights, llama_forward, seed=3, store="sharded")

    llama_bias = dict(llama, num_hidden_layers=2, num_key_value_heads=4, attention_bias=True, rope_scaling=None,
                      rope_theta=10000.0, tie_word_embeddings=True)
    del llama_bias["head_dim"]
    write_fixture("llama-bias", llama_bias, llama_weights, llama_forward, seed=5)

    qwen2 = {
        "model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"],
        "vocab_size": 310, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 1, "intermediate_size": 128, "max_position_embeddings": 128,
        "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "rope_scaling": None,
        "tie_word_embeddings": True, "use_sliding_window": False, "sliding_window": 4096,
        "max_window_layers": 2, "torch_dtype": "bfloat16",
    }
    write_fixture("qwen2", qwen2, llama_weights, llama_forward, seed=4, store="bf16")


if __name__ == "__main__":
    main()
