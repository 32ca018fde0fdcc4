"""PyTorch side of compare-rowops.sh: layer_norm, softmax, gelu on (32*144, 512) float32."""
import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
x = torch.randn(32 * 144, 512)
w = torch.randn(512)
b = torch.randn(512)
up = torch.randn(32 * 144, 512)


def best(fn, warm, reps):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


ops = {
    "layer_norm": lambda x, w, b: F.layer_norm(x, (512,), w, b, 1e-6),
    "softmax": lambda x, w, b: F.softmax(x, -1),
    "gelu": lambda x, w, b: F.gelu(x),
}
for name, op in ops.items():
    with torch.no_grad():
        print(json.dumps({"name": name + "_fwd", "seconds": best(lambda: op(x, w, b), 20, 60)}))
    xg, wg, bg = (t.clone().requires_grad_() for t in (x, w, b))

    def fb():
        op(xg, wg, bg).backward(up)
        xg.grad = wg.grad = bg.grad = None
    print(json.dumps({"name": name + "_fwd_bwd", "seconds": best(fb, 10, 40)}))
