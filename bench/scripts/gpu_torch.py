"""PyTorch side of compare-gpu.sh: the same cases and statistic as panface.bench.GpuComparison.

Each time is the best of 5 batches of back-to-back calls between two synchronisations, divided
by the batch size. JSON lines on stdout.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

BATCHES = 5


def best(fn, reps):
    fn()
    torch.cuda.synchronize()
    out = float("inf")
    for _ in range(BATCHES):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
        out = min(out, (time.perf_counter() - t) / reps)
    return out


def line(name, sec, **extra):
    r = {"name": name, "seconds": sec}
    r.update(extra)
    print(json.dumps(r), flush=True)


def main():
    dev = torch.device("cuda", int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    torch.manual_seed(11)
    n = 8192
    for name, dtype, tf32 in (("matmul_bf16_8192", torch.bfloat16, False), ("matmul_tf32_8192", torch.float32, True),
                              ("matmul_f32_8192", torch.float32, False)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        a = torch.randn(n, n, device=dev, dtype=dtype)
        b = torch.randn(n, n, device=dev, dtype=dtype)
        c = torch.empty(n, n, device=dev, dtype=dtype)
        sec = best(lambda: torch.matmul(a, b, out=c), 10)
        line(name, sec, tflops=round(2 * n ** 3 / sec / 1e12, 1))
        del a, b, c
    torch.backends.cuda.matmul.allow_tf32 = False

    bb, h, t, d = 128, 8, 144, 64
    q, k, v = (torch.randn(bb, h, t, d, device=dev, dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
    gy = torch.randn(bb, h, t, d, device=dev, dtype=torch.bfloat16)
    flops = 4.0 * bb * h * t * t * d
    with torch.no_grad():
        sec = best(lambda: F.scaled_dot_product_attention(q, k, v), 20)
    line("attention_fwd_bf16", sec, tflops=round(flops / sec / 1e12, 1))

    def fwd_bwd():
        out = F.scaled_dot_product_attention(q, k, v)
        gq, gk, gv = torch.autograd.grad(out, (q, k, v), gy)
        return gq

    sec = best(fwd_bwd, 20)
    line("attention_fwd_bwd_bf16", sec, tflops=round(3.5 * flops / sec / 1e12, 1))

    rows, cols = 16384, 1024
    for sx, dtype in (("bf16", torch.bfloat16), ("f32", torch.float32)):
        x = torch.randn(rows, cols, device=dev, dtype=dtype)
        w = torch.randn(cols, device=dev, dtype=dtype)
        b = torch.randn(cols, device=dev, dtype=dtype)
        y = torch.empty_like(x)
        nbytes = 2 * x.numel() * x.element_size()
        with torch.no_grad():
            copy = best(lambda: y.copy_(x), 50)
            line("copy_d2d_" + sx, copy, gbps=round(nbytes / copy / 1e9))
            for name, fn in (("layer_norm_", lambda: F.layer_norm(x, (cols,), w, b, 1e-6)),
                             ("softmax_", lambda: torch.softmax(x, -1)),
                             ("gelu_", lambda: F.gelu(x))):
                sec = best(fn, 50)
                line(name + sx, sec, gbps=round(nbytes / sec / 1e9), of_copy=round(copy / sec, 2))


if __name__ == "__main__":
    main()
