"""Plain-PyTorch fine-tuning of a BERT-shaped checkpoint, the reference for bench/finetune-vs-torch.sh.

The same steps as w2s's FineTuner: mean pooling over the mask, a zero-initialised Linear(hidden, 2, bias=False)
head, cross-entropy, backward, torch.optim.Adam, gradients dropped after each step (set_to_none). Random token ids
of the same shape (batch x tokens, no padding). Prints sentences/s and the process's peak resident memory.
Usage: /usr/bin/python3 bench/torch_finetune_reference.py DIR BATCH TOKENS STEPS
"""
import json, math, os, resource, sys, time
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference  # noqa: E402

def load(path):
    # the same reader as the extraction reference; trainable copies, names without a "bert." prefix
    return {name[len("bert."):] if name.startswith("bert.") else name: t.clone().requires_grad_(True)
            for name, t in torch_reference.load(path).items()}

def forward(c, w, ids):
    h = c["hidden_size"]; heads = c["num_attention_heads"]; d = h // heads; eps = c["layer_norm_eps"]
    b, t = ids.shape
    ln = torch.nn.functional.layer_norm
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, (h,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    lin = lambda x, p: x @ w[p + ".weight"].T + w[p + ".bias"]
    for l in range(c["num_hidden_layers"]):
        p = "encoder.layer.%d." % l
        q = lin(x, p + "attention.self.query").view(b, t, heads, d).transpose(1, 2)
        k = lin(x, p + "attention.self.key").view(b, t, heads, d).transpose(1, 2)
        v = lin(x, p + "attention.self.value").view(b, t, heads, d).transpose(1, 2)
        a = (torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), -1) @ v).transpose(1, 2).reshape(b, t, h)
        x = ln(lin(a, p + "attention.output.dense") + x, (h,), w[p + "attention.output.LayerNorm.weight"],
               w[p + "attention.output.LayerNorm.bias"], eps)
        m = torch.nn.functional.gelu(lin(x, p + "intermediate.dense"))
        x = ln(lin(m, p + "output.dense") + x, (h,), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x

def main():
    folder, batch, tokens, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(2)
    c = json.load(open(folder + "/config.json"))
    w = load(folder + "/model.safetensors")
    head = torch.zeros(2, c["hidden_size"], requires_grad=True)
    opt = torch.optim.Adam(list(w.values()) + [head], lr=5e-5)
    g = torch.Generator().manual_seed(0)
    def step():
        ids = torch.randint(0, c["vocab_size"], (batch, tokens), generator=g)
        labels = torch.randint(0, 2, (batch,), generator=g)
        logits = forward(c, w, ids).mean(1) @ head.T
        loss = torch.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    step()  # warm-up
    start = time.time()
    for _ in range(steps):
        step()
    seconds = time.time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print("torch %s: full fine-tuning, %.1f sentences/s, peak resident %d MB" % (torch.__version__, steps * batch / seconds, peak))

main()
