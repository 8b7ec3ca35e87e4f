"""Plain-PyTorch forward of every layer's hidden states, the reference for bench/extract-vs-torch.sh.

Reads the same random-weight checkpoint the Java side reads (config.json + model.safetensors, parsed here by hand:
Debian's python3-torch has no safetensors package), runs GPT-2 or Qwen2 eagerly as Hugging Face's modeling files do
with output_hidden_states=True under torch.inference_mode(), on random token ids of the same shape, and prints the
rate and the process's peak resident memory. Usage: /usr/bin/python3 bench/torch_reference.py DIR TEXTS TOKENS [BATCH]
"""
import json, math, resource, struct, sys, time
import torch

def load(path):
    # Each tensor read into its own buffer (never the whole file at once), so the reference's peak memory is the
    # weights plus the pass, as the Java side's is.
    out = {}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        for name, info in header.items():
            if name == "__metadata__":
                continue
            assert info["dtype"] == "F32", info["dtype"]
            a, b = info["data_offsets"]
            f.seek(8 + n + a)
            key = name[len("model."):] if name.startswith("model.") else name
            out[key] = torch.frombuffer(bytearray(f.read(b - a)), dtype=torch.float32).reshape(info["shape"])
    return out

def gpt2(c, w, ids):
    h = c["n_embd"]; heads = c["n_head"]; d = h // heads; eps = c.get("layer_norm_epsilon", 1e-5)
    b, t = ids.shape
    x = w["wte.weight"][ids] + w["wpe.weight"][:t]
    states = [x]
    causal = torch.full((t, t), float("-inf")).triu(1)
    for l in range(c["n_layer"]):
        p = "h.%d." % l
        a = torch.nn.functional.layer_norm(x, (h,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv.view(b, t, 3, heads, d).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + causal, -1) @ v
        x = x + att.transpose(1, 2).reshape(b, t, h) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = torch.nn.functional.layer_norm(x, (h,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = torch.nn.functional.gelu(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"], approximate="tanh")
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
        states.append(x)
    states[-1] = torch.nn.functional.layer_norm(x, (h,), w["ln_f.weight"], w["ln_f.bias"], eps)
    return states

def qwen2(c, w, ids):
    h = c["hidden_size"]; heads = c["num_attention_heads"]; kv = c["num_key_value_heads"]; d = h // heads
    eps = c["rms_norm_eps"]; b, t = ids.shape
    def rms(x, weight):
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))
    inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2).float() / d))
    freqs = torch.outer(torch.arange(t).float(), inv); emb = torch.cat([freqs, freqs], -1)
    cos, sin = emb.cos(), emb.sin()
    def rot(x):
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin
    causal = torch.full((t, t), float("-inf")).triu(1)
    x = w["embed_tokens.weight"][ids]
    states = [x]
    for l in range(c["num_hidden_layers"]):
        p = "layers.%d." % l
        a = rms(x, w[p + "input_layernorm.weight"])
        q = (a @ w[p + "self_attn.q_proj.weight"].T + w[p + "self_attn.q_proj.bias"]).view(b, t, heads, d).transpose(1, 2)
        k = (a @ w[p + "self_attn.k_proj.weight"].T + w[p + "self_attn.k_proj.bias"]).view(b, t, kv, d).transpose(1, 2)
        v = (a @ w[p + "self_attn.v_proj.weight"].T + w[p + "self_attn.v_proj.bias"]).view(b, t, kv, d).transpose(1, 2)
        q, k = rot(q), rot(k)
        k = k.repeat_interleave(heads // kv, 1); v = v.repeat_interleave(heads // kv, 1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + causal, -1) @ v
        x = x + att.transpose(1, 2).reshape(b, t, h) @ w[p + "self_attn.o_proj.weight"].T
        m = rms(x, w[p + "post_attention_layernorm.weight"])
        m = torch.nn.functional.silu(m @ w[p + "mlp.gate_proj.weight"].T) * (m @ w[p + "mlp.up_proj.weight"].T)
        x = x + m @ w[p + "mlp.down_proj.weight"].T
        states.append(x)
    states[-1] = rms(x, w["norm.weight"])
    return states

def main():
    folder, texts, tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    torch.set_num_threads(2)
    c = json.load(open(folder + "/config.json"))
    w = load(folder + "/model.safetensors")
    forward = gpt2 if c["model_type"] == "gpt2" else qwen2
    vocab = c["vocab_size"]
    g = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        forward(c, w, torch.randint(0, vocab, (min(batch, texts), tokens), generator=g))  # warm-up
        start = time.time()
        done = 0
        while done < texts:
            n = min(batch, texts - done)
            states = forward(c, w, torch.randint(0, vocab, (n, tokens), generator=g))
            pooled = [s[:, -1].clone() for s in states]  # last-token pooling of every layer, as the Java side does
            del states
            done += n
        seconds = time.time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print("torch %s: %d layers, %.1f texts/s, peak resident %d MB" % (torch.__version__, len(pooled), texts / seconds, peak))

if __name__ == "__main__":
    main()
