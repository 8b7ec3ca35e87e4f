"""Independent reference for w2s.model.arch.Gpt2: a tiny random-weight GPT-2 in the Hugging Face layout.

Run from the repository root with Debian's Python (torch 1.13; the transformers library is not needed):

    /usr/bin/python3 scripts/reference/gpt2.py

It writes src/test/resources/tiny/gpt2/ (config.json, model.safetensors in F32, tokenizer.json, expected.json) and
src/test/resources/tiny/gpt2-half/ (the same model with its tensors stored in F16 and BF16, and its own
expected.json computed from the rounded weights). tiny/gpt2/expected.json also holds the last hidden state of the
same weights under activation_function "gelu" (exact, erf). Deterministic: seeded, and writes the same bytes every run.

The model is written from the published definition (Radford et al. 2019; Hugging Face modeling_gpt2.py), in plain
torch: learned positions 0..T-1 added to the token embeddings; pre-LayerNorm blocks
x + c_proj(attn(ln_1(x))), x + c_proj(gelu_new(c_fc(ln_2(x)))); Conv1D layers compute x @ W + b with W stored
[in, out]; causal attention scaled by 1/sqrt(head_dim), with the attention mask added as Hugging Face adds it
(finfo.min where masked); ln_f after the last block. hidden_states are numbered as output_hidden_states numbers
them: 0 = embeddings, 1..L-1 = raw block outputs, L = ln_f(last block output).

The tokenizer is a byte-level BPE in the tokenizers JSON format; the expected token ids of a few strings come from
the BPE below (GPT-2's encoder.py algorithm), not from the Rust tokenizers library the Java side uses.
"""
import json
import math
import os
import re
import struct

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "src", "test", "resources", "tiny", "gpt2")
OUT_HALF = os.path.join(ROOT, "src", "test", "resources", "tiny", "gpt2-half")

CONFIG = {
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "vocab_size": 300,
    "n_embd": 48,
    "n_layer": 3,
    "n_head": 4,
    "n_positions": 64,
    "n_ctx": 64,
    "n_inner": None,
    "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new",
    "scale_attn_weights": True,
    "scale_attn_by_inverse_layer_idx": False,
    "reorder_and_upcast_attn": False,
    "bos_token_id": 296,
    "eos_token_id": 296,
}

# ---------------------------------------------------------------------------------------------------------------
# Byte-level BPE
# ---------------------------------------------------------------------------------------------------------------


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters (encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_SYMBOL = bytes_to_unicode()
# Common English pairs, in priority order; each part must already be a symbol.
MERGES = [
    ("Ġ", "t"), ("h", "e"), ("Ġ", "a"), ("i", "n"), ("Ġt", "he"), ("e", "r"), ("o", "n"), ("Ġ", "s"),
    ("r", "e"), ("a", "t"), ("e", "n"), ("Ġ", "w"), ("o", "r"), ("Ġ", "o"), ("e", "s"), ("i", "s"),
    ("Ġ", "b"), ("Ġ", "c"), ("i", "t"), ("a", "n"), ("Ġ", "f"), ("Ġ", "m"), ("Ġ", "p"), ("in", "g"),
    ("e", "d"), ("Ġ", "d"), ("Ġ", "h"), ("o", "u"), ("l", "l"), ("a", "r"), ("Ġa", "n"), ("Ġan", "d"),
    ("Ġo", "f"), ("Ġ", "i"), ("Ġi", "s"), ("a", "s"), ("Ġw", "as"), ("Ġ", "Ġ"), ("Ġc", "at"), ("Ġs", "at"),
]
EOT = "<|endoftext|>"

# ids 0..255: the byte symbols in GPT-2's order (so 0 is "!"); then one per merge; then <|endoftext|>.
VOCAB = {}
for sym in BYTE_SYMBOL.values():
    VOCAB[sym] = len(VOCAB)
for a, b in MERGES:
    assert a in VOCAB and b in VOCAB, (a, b)
    VOCAB[a + b] = len(VOCAB)
EOT_ID = len(VOCAB)
RANKS = {pair: i for i, pair in enumerate(MERGES)}

# GPT-2's pre-tokenizer pattern; \p{L} and \p{N} written with the re module's Unicode classes.
PATTERN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def bpe(word):
    """Merges the lowest-ranked adjacent pair, everywhere it occurs, until none is a merge (encoder.py)."""
    parts = list(word)
    while len(parts) > 1:
        pairs = [(RANKS.get((parts[i], parts[i + 1]), math.inf), i) for i in range(len(parts) - 1)]
        rank = min(p[0] for p in pairs)
        if rank == math.inf:
            break
        a, b = MERGES[rank]
        merged, i = [], 0
        while i < len(parts):
            if i < len(parts) - 1 and parts[i] == a and parts[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(parts[i])
                i += 1
        parts = merged
    return parts


def encode(text):
    ids = []
    for k, chunk in enumerate(text.split(EOT)):
        if k > 0:
            ids.append(EOT_ID)
        for piece in PATTERN.findall(chunk):
            word = "".join(BYTE_SYMBOL[b] for b in piece.encode("utf-8"))
            ids.extend(VOCAB[p] for p in bpe(word))
    return ids


def tokenizer_json():
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": EOT_ID, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": VOCAB,
                  "merges": [a + " " + b for a, b in MERGES]},
    }


# ---------------------------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------------------------


def random_weights(seed=1234):
    """Hugging Face names (with the transformer. prefix and the attn.bias buffers); Conv1D weights [in, out]."""
    g = torch.Generator().manual_seed(seed)
    h, v, p, L = CONFIG["n_embd"], CONFIG["vocab_size"], CONFIG["n_positions"], CONFIG["n_layer"]
    inner = CONFIG["n_inner"] or 4 * h

    def rnd(*shape, std=0.3, mean=0.0):
        return torch.randn(*shape, generator=g) * std + mean

    w = {"transformer.wte.weight": rnd(v, h, std=0.5), "transformer.wpe.weight": rnd(p, h, std=0.3)}
    for l in range(L):
        n = f"transformer.h.{l}."
        w[n + "ln_1.weight"] = rnd(h, std=0.2, mean=1.0)
        w[n + "ln_1.bias"] = rnd(h, std=0.1)
        w[n + "attn.bias"] = torch.tril(torch.ones(p, p)).view(1, 1, p, p)  # the causal-mask buffer, unused
        w[n + "attn.c_attn.weight"] = rnd(h, 3 * h, std=0.3)
        w[n + "attn.c_attn.bias"] = rnd(3 * h, std=0.1)
        w[n + "attn.c_proj.weight"] = rnd(h, h, std=0.2)
        w[n + "attn.c_proj.bias"] = rnd(h, std=0.1)
        w[n + "ln_2.weight"] = rnd(h, std=0.2, mean=1.0)
        w[n + "ln_2.bias"] = rnd(h, std=0.1)
        w[n + "mlp.c_fc.weight"] = rnd(h, inner, std=0.3)
        w[n + "mlp.c_fc.bias"] = rnd(inner, std=0.1)
        w[n + "mlp.c_proj.weight"] = rnd(inner, h, std=0.15)
        w[n + "mlp.c_proj.bias"] = rnd(h, std=0.1)
    w["transformer.ln_f.weight"] = rnd(h, std=0.2, mean=1.0)
    w["transformer.ln_f.bias"] = rnd(h, std=0.1)
    return w


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def conv1d(x, w, b):
    return torch.addmm(b, x.reshape(-1, x.shape[-1]), w).reshape(*x.shape[:-1], w.shape[-1])


def hidden_states(w, ids, mask, act=gelu_new):
    """Every layer's hidden states [B, T, H] of a right-padded batch, as GPT2Model(output_hidden_states=True)."""
    h, heads, eps = CONFIG["n_embd"], CONFIG["n_head"], CONFIG["layer_norm_epsilon"]
    d = h // heads
    B, T = ids.shape
    W = lambda name: w["transformer." + name]
    x = W("wte.weight")[ids] + W("wpe.weight")[torch.arange(T)][None]
    min_value = torch.finfo(torch.float32).min
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool)).view(1, 1, T, T)
    additive = (1.0 - mask[:, None, None, :]) * min_value
    states = []
    for l in range(CONFIG["n_layer"]):
        states.append(x)
        n = f"h.{l}."
        a = torch.nn.functional.layer_norm(x, (h,), W(n + "ln_1.weight"), W(n + "ln_1.bias"), eps)
        q, k, v = conv1d(a, W(n + "attn.c_attn.weight"), W(n + "attn.c_attn.bias")).split(h, dim=2)
        q, k, v = (t.view(B, T, heads, d).permute(0, 2, 1, 3) for t in (q, k, v))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
        scores = torch.where(causal, scores, torch.tensor(min_value)) + additive
        context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(B, T, h)
        x = x + conv1d(context, W(n + "attn.c_proj.weight"), W(n + "attn.c_proj.bias"))
        m = torch.nn.functional.layer_norm(x, (h,), W(n + "ln_2.weight"), W(n + "ln_2.bias"), eps)
        x = x + conv1d(act(conv1d(m, W(n + "mlp.c_fc.weight"), W(n + "mlp.c_fc.bias"))),
                       W(n + "mlp.c_proj.weight"), W(n + "mlp.c_proj.bias"))
    states.append(torch.nn.functional.layer_norm(x, (h,), W("ln_f.weight"), W("ln_f.bias"), eps))
    return states


# ---------------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------------


def to_bytes(t, dtype):
    if dtype == "F32":
        return t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return t.to(torch.float16).contiguous().numpy().astype("<f2").tobytes()
    # BF16: the top 16 bits of the round-to-nearest-even bfloat16 value
    bits = t.to(torch.bfloat16).to(torch.float32).contiguous().numpy().astype("<f4").view("<u4") >> 16
    return bits.astype("<u2").tobytes()


def write_safetensors(path, tensors, dtypes):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = to_bytes(t, dtypes[name])
        header[name] = {"dtype": dtypes[name], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def rounded(t, dtype):
    return {"F32": t, "F16": t.half().float(), "BF16": t.bfloat16().float()}[dtype]


SEQUENCES = [
    [5, 71, 296, 0, 17, 250, 33],
    [0, 1, 2, 3, 4, 100, 200, 299, 260, 12, 45, 67],
    [88, 9, 140],
]
TEXTS = [
    "the cat sat on the mat",
    "Hello, world! It's 2023 and the weather is fine.",
    "  spaces   here\tand\nthere ",
    "café naïve — ok?",
    "one<|endoftext|>two",
    "and the other was in the string of its parts",
]


def expected(w, exact_gelu=False):
    T = max(len(s) for s in SEQUENCES)
    ids = torch.tensor([s + [EOT_ID] * (T - len(s)) for s in SEQUENCES])
    mask = torch.tensor([[1.0] * len(s) + [0.0] * (T - len(s)) for s in SEQUENCES])
    with torch.no_grad():
        states = hidden_states(w, ids, mask)
    out = {
        "ids": ids.tolist(),
        "mask": mask.tolist(),
        "hidden_states": [[[[round(float(v), 7) for v in tok] for tok in row] for row in s] for s in states],
        "texts": TEXTS,
        "text_ids": [encode(t) for t in TEXTS],
    }
    if exact_gelu:  # the same weights under activation_function "gelu" (erf)
        with torch.no_grad():
            exact = hidden_states(w, ids, mask, act=torch.nn.functional.gelu)
        out["exact_gelu_last_hidden_state"] = [[[round(float(v), 7) for v in tok] for tok in row] for row in exact[-1]]
    return out


def write_folder(out, w, dtypes, exact_gelu=False):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False)
    write_safetensors(os.path.join(out, "model.safetensors"), w, dtypes)
    decoded = {n: rounded(t, dtypes[n]) for n, t in w.items()}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected(decoded, exact_gelu), f)
        f.write("\n")


def main():
    torch.set_num_threads(1)
    w = random_weights()
    write_folder(OUT, w, {n: "F32" for n in w}, exact_gelu=True)
    # The half-precision copy: F16 for the position table and blocks 0 and 2, BF16 for the rest.
    half = {n: ("F16" if ".wpe." in n or ".h.0." in n or ".h.2." in n else "BF16") for n in w}
    write_folder(OUT_HALF, w, half)
    for k, t in zip(TEXTS, expected(w)["text_ids"]):
        print(repr(k), t)


if __name__ == "__main__":
    main()
