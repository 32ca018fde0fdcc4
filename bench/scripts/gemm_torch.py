"""PyTorch side of compare-gemm.sh: float32 torch.mm at n^3, best and median of repeats, JSON lines.

The repetition counts are GemmComparison's (100 warm-ups and 200 timed calls at 1024, 10 and 30 at 2048).
"""
import json
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
for n in (1024, 2048):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    for _ in range(10 if n >= 2048 else 100):
        torch.mm(a, b)
    times = []
    for _ in range(30 if n >= 2048 else 200):
        t = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t)
    times.sort()
    sec = times[0]
    print(json.dumps({"name": "matmul_f32_%d" % n, "seconds": sec, "gflops": round(2 * n ** 3 / sec / 1e9, 1),
                      "median": times[len(times) // 2]}))
