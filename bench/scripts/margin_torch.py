"""PyTorch side of compare-margin.sh: insightface-style ArcFace (straight-through margin, s=64,
m=0.5) forward + backward at B=128, E=512, C (default 100,000), float32; best of repeats, and the
peak of tracked tensor memory (CPU allocator stats are not exposed in 1.13, so it is estimated as
the sum of the step's saved tensors: logits, their gradient, normalised weights)."""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
c = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
torch.manual_seed(1)
w = (torch.randn(c, 512) * 0.01).requires_grad_(True)
x = torch.randn(128, 512).requires_grad_(True)
y = torch.randint(0, c, (128,))


def step():
    cos = F.normalize(x) @ F.normalize(w).t()
    with torch.no_grad():
        idx = torch.arange(128)
        target = torch.cos(torch.acos(cos[idx, y].clamp(-1, 1)) + 0.5)
        delta = torch.zeros_like(cos)
        delta[idx, y] = target - cos[idx, y]
    F.cross_entropy((cos + delta) * 64, y).backward()
    x.grad = None
    w.grad = None


for _ in range(2):
    step()
ts = []
for _ in range(8):
    t = time.perf_counter()
    step()
    ts.append(time.perf_counter() - t)
est = (4 * 128 * c * 4 + 2 * c * 512 * 4) / 1048576.0
print(json.dumps({"name": "margin_softmax_fwd_bwd_c%d" % c, "seconds": min(ts), "peak_step_mib_estimate": round(est, 1)}))
