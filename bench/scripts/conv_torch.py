#!/usr/bin/env python3
"""PyTorch side of compare-conv.sh.

    python3 conv_torch.py export DIR       # r50, r100, mbf: weights (safetensors, for panface), ONNX
                                           # (ONNX Runtime), TorchScript traces (libtorch through DJL)
                                           # and check inputs/embeddings, from fixed seeds
    python3 conv_torch.py time DIR         # one round of PyTorch timings, JSON lines

The CNNs are insightface's (scripts/python/face_models.py), in evaluation mode for inference, with
batch-norm affine parameters drawn at random and running statistics measured on random calibration
batches, so that evaluation-mode normalisation is neither an identity nor an overflow. The training
step is r50 at batch 32 in training mode, Partial FC over 10,000 classes at sample rate 0.1 (every
label's centre plus random others up to 1,000), ArcFace (s=64, m=0.5) and SGD with momentum 0.9
and weight decay 5e-4, as panface's ConvComparison does. Each case reports the best and the median
of its repetitions. "time" first checks that this PyTorch gives the exported check embeddings on
the exported weights, and (where onnxruntime is installed) that the ONNX file does too.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "scripts", "python"))
sys.path.insert(0, here)
import face_models as fm  # noqa: E402
from vit_torch import save_safetensors  # noqa: E402

torch.set_num_threads(int(os.environ.get("THREADS", "2")))
MODELS = ("r50", "r100", "mbf")
BATCHES = (1, 32)


def build(name):
    torch.manual_seed({"r50": 50, "r100": 100, "mbf": 7}[name])
    if name == "mbf":
        m = fm.MobileFaceNet(512)
    else:
        m = fm.IResNet({"r50": (3, 4, 14, 3), "r100": (3, 13, 30, 3)}[name], 512)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                if mod.weight is not None and mod.weight.requires_grad:
                    mod.weight.uniform_(0.5, 1.5)
                    mod.bias.normal_(0, 0.1)
                # running statistics of the network's own activations (a cumulative average over
                # calibration batches): with the initial ones, 100 residual blocks overflow float32
                mod.reset_running_stats()
                mod.momentum = None
        m.train()
        for _ in range(2):
            m(torch.randn(8, 3, 112, 112))
    return m.eval()


def load_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        dt = {"F32": torch.float32, "I64": torch.int64}[v["dtype"]]
        out[k] = torch.frombuffer(bytearray(data[a:b]), dtype=dt).reshape(v["shape"])
    return out


def export(d):
    os.makedirs(d, exist_ok=True)
    for name in MODELS:
        m = build(name)
        save_safetensors(os.path.join(d, name + ".safetensors"), m.state_dict())
        x = torch.randn(1, 3, 112, 112)
        torch.onnx.export(m, x, os.path.join(d, name + ".onnx"), input_names=["x"], output_names=["embedding"],
                          dynamic_axes={"x": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=13)
        with torch.no_grad():
            torch.jit.trace(m, x).save(os.path.join(d, name + ".pt"))
            torch.manual_seed(1)
            xs = torch.randn(2, 3, 112, 112)
            save_safetensors(os.path.join(d, name + "_check.safetensors"), {"x": xs, "embedding": m(xs)})


def stats(fn, warm, reps):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[0], ts[len(ts) // 2]


def line(name, best, median, **extra):
    print(json.dumps(dict({"name": name, "seconds": best, "median": median}, **extra)), flush=True)


def partial_fc_arcface(emb, weight, labels, num_sample, s=64.0, m=0.5):
    """insightface's Partial FC v2 sampling (positives plus random others, sorted) and ArcFace."""
    pos = torch.unique(labels)
    prio = torch.rand(weight.shape[0])
    prio[pos] = 2.0
    idx = torch.topk(prio, num_sample).indices.sort().values
    y = torch.searchsorted(idx, labels)
    cos = F.normalize(emb) @ F.normalize(weight[idx]).t()
    with torch.no_grad():
        rows = torch.arange(cos.shape[0])
        target = torch.cos(torch.acos(cos[rows, y].clamp(-1, 1)) + m)
        delta = torch.zeros_like(cos)
        delta[rows, y] = target - cos[rows, y]
    return F.cross_entropy((cos + delta) * s, y)


def timing(d, part=""):
    for name in (MODELS if part != "train" else []):
        m = build(name)
        m.load_state_dict(load_safetensors(os.path.join(d, name + ".safetensors")))
        m.eval()
        check = load_safetensors(os.path.join(d, name + "_check.safetensors"))
        with torch.no_grad():
            err = (m(check["x"]) - check["embedding"]).abs().max().item()
        scale = check["embedding"].abs().max().item()
        if not err <= 1e-3 * scale:
            raise SystemExit("%s: PyTorch %s differs from the exported embeddings by %g (scale %g)" % (name, torch.__version__, err, scale))
        try:
            import onnxruntime
        except ImportError:
            onnxruntime = None
        if onnxruntime is not None:
            sess = onnxruntime.InferenceSession(os.path.join(d, name + ".onnx"), providers=["CPUExecutionProvider"])
            got = torch.from_numpy(sess.run(None, {"x": check["x"].numpy()})[0])
            err = (got - check["embedding"]).abs().max().item()
            if not err <= 1e-3 * scale:
                raise SystemExit("%s: the ONNX file differs from the exported embeddings by %g (scale %g)" % (name, err, scale))
        for b in BATCHES:
            x = torch.randn(b, 3, 112, 112)
            with torch.no_grad():
                best, med = stats(lambda: m(x), 20 if b == 1 else 1, 20 if b == 1 else 3)
            line("%s_infer_b%d" % (name, b), best, med, ms_per_image=1e3 * best / b)
    if part == "infer":
        return
    m = build("r50").train()
    torch.manual_seed(3)
    weight = torch.nn.Parameter(torch.randn(10000, 512) * 0.01)
    opt = torch.optim.SGD(list(m.parameters()) + [weight], lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(32, 3, 112, 112)
    labels = torch.randint(0, 10000, (32,))

    def step():
        opt.zero_grad()
        partial_fc_arcface(m(x), weight, labels, 1000).backward()
        opt.step()
    best, med = stats(step, 1, 3)
    line("r50_train_step_b32", best, med)


if __name__ == "__main__":
    {"export": export, "time": timing}[sys.argv[1]](*sys.argv[2:])
