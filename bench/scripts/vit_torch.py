#!/usr/bin/env python3
"""PyTorch side of compare-vit.sh.

    python3 vit_torch.py export DIR     # vit_t weights (safetensors, for panface), ONNX (ONNX Runtime)
                                        # and a TorchScript trace (libtorch through DJL), from one seed
    python3 vit_torch.py time DIR       # PyTorch timings: inference at batch 1 and 32, one training step
    python3 vit_torch.py bound          # the training step's matrix-product FLOPs, this machine's best
                                        # measured SGEMM rate, and the fastest step those two allow

All sides run the same vit_t (insightface's face ViT, 144 tokens, D=256, 12 blocks, 512-d output) in
evaluation mode for inference. The training step is batch 32 through the backbone in training mode
without masking or drop path, an ArcFace head (s=64, m=0.5, straight-through) over 10,000 classes,
and AdamW, as panface's VitComparison does. Timings are best of N, JSON lines.
"""
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "python"))
import face_models as fm  # noqa: E402

torch.set_num_threads(int(os.environ.get("THREADS", "2")))

# the training step's warm-up and timed steps, the same on both sides (VitComparison): a few steps
# pass before either side's memory is touched and its code compiled, and training runs for thousands
TRAIN_WARMUP = 3
TRAIN_REPS = 5


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        b = t.detach().contiguous().float().numpy().tobytes() if t.is_floating_point() else t.detach().contiguous().numpy().tobytes()
        dt = "F32" if t.is_floating_point() else "I64"
        header[k] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"arch": "vit_t"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def model():
    torch.manual_seed(7)
    m = fm.FaceViT(256, 12)
    m.eval()
    return m


def best(fn, warm, reps):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


def export(d):
    os.makedirs(d, exist_ok=True)
    m = model()
    save_safetensors(os.path.join(d, "vit_t.safetensors"), m.state_dict())
    x = torch.randn(1, 3, 112, 112)
    torch.onnx.export(m, x, os.path.join(d, "vit_t.onnx"), input_names=["x"], output_names=["embedding"],
                      dynamic_axes={"x": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=13)
    torch.jit.trace(m, x).save(os.path.join(d, "vit_t.pt"))
    torch.manual_seed(1)
    xs = torch.randn(2, 3, 112, 112)
    with torch.no_grad():
        ref = m(xs)
    save_safetensors(os.path.join(d, "check.safetensors"), {"x": xs, "embedding": ref})


def arcface_loss(emb, weight, labels, s=64.0, m=0.5):
    cos = F.normalize(emb) @ F.normalize(weight).t()
    with torch.no_grad():
        idx = torch.arange(cos.shape[0])
        target = torch.cos(torch.acos(cos[idx, labels].clamp(-1, 1)) + m)
        delta = torch.zeros_like(cos)
        delta[idx, labels] = target - cos[idx, labels]
    return F.cross_entropy((cos + delta) * s, labels)


def train_step():
    """The training step timed below, as a function with its model, head, optimizer and batch."""
    m = model()
    m.train()
    torch.manual_seed(3)
    weight = torch.nn.Parameter(torch.randn(10000, 512) * 0.01)
    opt = torch.optim.AdamW(list(m.parameters()) + [weight], lr=1e-3, weight_decay=0.1)
    x = torch.randn(32, 3, 112, 112)
    labels = torch.randint(0, 10000, (32,))

    def step():
        opt.zero_grad()
        arcface_loss(m(x), weight, labels).backward()
        opt.step()
    return step


def bound(_=None):
    """How fast the training step could be on this machine if it did nothing but its matrix products,
    each at the best SGEMM rate measured here. A ratio goal against PyTorch's step above
    pytorch_step / that time needs less arithmetic than PyTorch does, not a faster engine."""
    from torch.utils.flop_counter import FlopCounterMode
    step = train_step()
    step()
    counter = FlopCounterMode(display=False)
    with counter:
        step()
    by_op = {str(k): v for k, v in counter.get_flop_counts()["Global"].items()}
    flops = sum(by_op.values())
    rates = {}
    for n in (512, 1024, 2048, 3072):
        a, b = torch.randn(n, n), torch.randn(n, n)
        sec = best(lambda: a @ b, 3, 10)
        rates[n] = 2.0 * n ** 3 / sec
    peak = max(rates.values())
    pytorch = best(step, TRAIN_WARMUP, TRAIN_REPS)
    print(json.dumps({"name": "vit_t_train_step_b32_bound", "threads": torch.get_num_threads(),
                      "product_gflop": flops / 1e9, "by_op_gflop": {k: v / 1e9 for k, v in by_op.items()},
                      "sgemm_gflops_by_n": {n: r / 1e9 for n, r in rates.items()},
                      "products_at_peak_seconds": flops / peak, "pytorch_step_seconds": pytorch,
                      "largest_possible_ratio": pytorch / (flops / peak)}))


def timing(d):
    m = model()
    for b, reps in ((1, 50), (32, 5)):
        x = torch.randn(b, 3, 112, 112)
        with torch.no_grad():
            sec = best(lambda: m(x), 100 if b == 1 else 3, reps)
        print(json.dumps({"name": "vit_t_infer_b%d" % b, "seconds": sec, "ms_per_image": 1e3 * sec / b}))
    print(json.dumps({"name": "vit_t_train_step_b32", "seconds": best(train_step(), TRAIN_WARMUP, TRAIN_REPS)}))


if __name__ == "__main__":
    {"export": export, "time": timing, "bound": bound}[sys.argv[1]](*sys.argv[2:])
