#!/usr/bin/python3
"""The reference for bench/probe-k.sh: PyTorch's own 1,000-class linear probe on the same shape and settings
(40,000 x 2,048 standardised random features, zero-initialised nn.Linear, Adam at 1e-3, batch 100, cosine over 10
epochs, cross-entropy on class indices), 2 threads. Needs Debian's python3-torch (run it with /usr/bin/python3).
Compare with and without OMP_WAIT_POLICY=PASSIVE, as bench/probe-k.sh runs."""
import os
import time

import torch

torch.manual_seed(0)
torch.set_num_threads(2)
n, d, k = 40000, 2048, 1000
x = torch.randn(n, d)
y = torch.randint(0, k, (n,))
x = (x - x.mean(0)) / x.std(0)
linear = torch.nn.Linear(d, k)
torch.nn.init.zeros_(linear.weight)
torch.nn.init.zeros_(linear.bias)
optimiser = torch.optim.Adam(linear.parameters(), lr=1e-3)
schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, 10 * n // 100)
start = time.perf_counter()
for epoch in range(10):
    order = torch.randperm(n)
    for i in range(0, n, 100):
        batch = order[i:i + 100]
        loss = torch.nn.functional.cross_entropy(linear(x[batch]), y[batch])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
print("PyTorch %s, 2 threads, OMP_WAIT_POLICY=%s: 10 epochs in %.1f s"
      % (torch.__version__, os.environ.get("OMP_WAIT_POLICY"), time.perf_counter() - start))
