"""Greedy continuations of the tiny decoders, as the reference for w2s.generate.GreedyTest.

Run from the repository root with Debian's Python (torch 1.13; the transformers library is not needed):

    /usr/bin/python3 scripts/reference/generate.py

For each tiny decoder fixture under src/test/resources/tiny/ it reads the weights back from the fixture's own
safetensors files (so the weights are exactly what the Java side reads; nothing else in the folder changes) and
writes generate.json: a few prompts of token ids (two of one length, one longer), their greedy continuations of
MAX_NEW tokens, each token's log-probability, and the next-token logits at the last prompt position.

Decoding here uses no key/value cache: every step runs the whole sequence through the model definitions of
gpt2.py and rotary.py (plain torch, written from the published definitions) and takes the argmax of the last
position's logits through the LM head: GPT-2's wte (tied), Pythia's embed_out, llama-gqa's lm_head, and
embed_tokens for the tied llama-bias and qwen2. Prompts are drawn (seeded) until no step's top two logits are
within MARGIN of each other, so that a correct implementation cannot pick another token by rounding.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2  # noqa: E402
import rotary  # noqa: E402

TINY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "tiny")
MAX_NEW = 12
LENGTHS = [5, 5, 9]
MARGIN = 1e-3


def read_safetensors(path):
    """name -> fp32 tensor, for the F32 and BF16 tensors of a file (BOOL and other buffers are skipped)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        raw = data[begin:end]
        if t["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4").copy()
        elif t["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            continue
        out[name] = torch.from_numpy(a.reshape(t["shape"]))
    return out


def read_weights(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    w = {}
    for file in files:
        w.update(read_safetensors(os.path.join(folder, file)))
    return w


def model(name):
    """(config, last hidden state of ids [1, T], LM head [V, H]) of a fixture."""
    folder = os.path.join(TINY, name)
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    w = read_weights(folder)
    ones = lambda ids: torch.ones(ids.shape, dtype=torch.int64)
    if cfg["model_type"] == "gpt2":
        assert cfg == gpt2.CONFIG
        return cfg, (lambda ids: gpt2.hidden_states(w, ids, ones(ids).float())[-1]), w["transformer.wte.weight"]
    if cfg["model_type"] == "gpt_neox":
        head = w["gpt_neox.embed_in.weight"] if cfg.get("tie_word_embeddings") else w["embed_out.weight"]
        return cfg, (lambda ids: rotary.neox_forward(cfg, w, ids, ones(ids))[-1]), head
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return cfg, (lambda ids: rotary.llama_forward(cfg, w, ids, ones(ids))[-1]), head


def greedy(last_hidden, head, prompt):
    """Uncached greedy decoding: (new ids, their log-probabilities, logits at the last prompt position, min margin)."""
    ids = list(prompt)
    new, log_probs, first, margin = [], [], None, float("inf")
    for _ in range(MAX_NEW):
        logits = last_hidden(torch.tensor([ids]))[0, -1] @ head.T
        if first is None:
            first = logits
        top = torch.topk(logits, 2).values
        margin = min(margin, float(top[0] - top[1]))
        token = int(torch.argmax(logits))
        log_probs.append(float(torch.log_softmax(logits, -1)[token]))
        new.append(token)
        ids.append(token)
    return new, log_probs, first, margin


def write(name, seed):
    cfg, last_hidden, head = model(name)
    g = torch.Generator().manual_seed(seed)
    while True:
        prompts = [torch.randint(1, cfg["vocab_size"], (n,), generator=g).tolist() for n in LENGTHS]
        with torch.no_grad():
            runs = [greedy(last_hidden, head, p) for p in prompts]
        if min(r[3] for r in runs) > MARGIN:
            break
    out = {
        "max_new_tokens": MAX_NEW,
        "prompts": prompts,
        "generated": [r[0] for r in runs],
        "token_log_probs": [r[1] for r in runs],
        "last_prompt_logits": [r[2].tolist() for r in runs],
    }
    with open(os.path.join(TINY, name, "generate.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(name, "generated", out["generated"], "min top-2 margin %.4f" % min(r[3] for r in runs))


def main():
    torch.set_num_threads(1)
    for seed, name in enumerate(["gpt2", "pythia", "pythia-sequential", "llama-gqa", "llama-bias", "qwen2"]):
        write(name, 100 + seed)


if __name__ == "__main__":
    main()
