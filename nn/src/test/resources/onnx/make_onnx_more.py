#!/usr/bin/env python3
"""Writes more ONNX files exported by PyTorch, with PyTorch's outputs (companion of make_onnx_cases.py).

Run with a Python that has PyTorch (1.13 wrote the committed files; its exporter needs no `onnx` package):
    python3 make_onnx_more.py [OUTPUT_DIR]
Models:
  attn  a pre-norm transformer block whose attention has separate q, k, v projections, a head split by
        Reshape/Transpose, scores divided by sqrt(d) (Div), nn.LayerNorm and nn.GELU (exported as Erf);
        a second attention in timm's form scales q before the product (Mul on q)
  up    ConvTranspose (stride 2, padding, output_padding; grouped), bilinear Resize with and without
        align_corners, nearest Resize by scale and by size, asymmetric Pad and a ceil-mode MaxPool
For each, <model>_op<opset>_dyn.onnx for opsets 11, 13, 17 (dynamic batch), and <model>_io.safetensors with
input.x (B = 3), output.embedding, input.x1 (B = 1), output.embedding1: PyTorch's float32 forward.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_onnx_cases import save_safetensors  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else HERE
OPSETS = (11, 13, 17)


class SplitAttention(torch.nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.dh = dim // heads
        self.q = torch.nn.Linear(dim, dim)
        self.k = torch.nn.Linear(dim, dim)
        self.v = torch.nn.Linear(dim, dim)
        self.o = torch.nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        h = self.heads

        def split(t):
            return t.reshape(b, n, h, d // h).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.dh), dim=-1)
        return self.o((a @ v).transpose(1, 2).reshape(b, n, d))


class PreScaledAttention(torch.nn.Module):
    """timm's fused qkv attention with q scaled before the product (as newer timm writes it)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.proj = torch.nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, d))


class AttnBlock(torch.nn.Module):
    def __init__(self, dim=16, heads=4):
        super().__init__()
        self.embed = torch.nn.Conv2d(3, dim, 4, stride=4)
        self.n1 = torch.nn.LayerNorm(dim)
        self.a1 = SplitAttention(dim, heads)
        self.n2 = torch.nn.LayerNorm(dim)
        self.fc1 = torch.nn.Linear(dim, 2 * dim)
        self.act = torch.nn.GELU()
        self.fc2 = torch.nn.Linear(2 * dim, dim)
        self.n3 = torch.nn.LayerNorm(dim)
        self.a2 = PreScaledAttention(dim, 2)

    def forward(self, x):
        t = self.embed(x).flatten(2).transpose(1, 2)
        t = t + self.a1(self.n1(t))
        t = t + self.fc2(self.act(self.fc1(self.n2(t))))
        t = t + self.a2(self.n3(t))
        return t.mean(dim=1)


class Upsampling(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ct = torch.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)
        self.ctg = torch.nn.ConvTranspose2d(4, 4, 2, stride=2, groups=2, bias=False)
        self.ctd = torch.nn.ConvTranspose2d(3, 2, 3, stride=1, padding=2, dilation=2)

    def forward(self, x):
        y = self.ct(x)                                                          # (B, 4, 16, 16)
        y = self.ctg(y[:, :, :5, :7])                                           # (B, 4, 10, 14)
        a = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
        b = F.interpolate(y, size=(15, 9), mode="bilinear", align_corners=True)
        c = F.interpolate(y, size=(15, 9), mode="nearest")
        d = F.interpolate(F.pad(y, (0, 1, 2, 0)), scale_factor=(1.5, 0.5), mode="bilinear", align_corners=False)
        e = F.max_pool2d(y, 3, 2, 1, ceil_mode=True)
        f = self.ctd(x)
        return torch.cat([a.mean((2, 3)), b.flatten(1)[:, :20], c.sum((2, 3)), d.flatten(1)[:, ::7], e.flatten(1), f.flatten(1)], 1)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(17)
    gen = torch.Generator().manual_seed(19)
    for name, model, size in (("attn", AttnBlock(), 16), ("up", Upsampling(), 8)):
        model.eval()
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(2.0)  # larger weights keep attention far from uniform and layer norms away from their identity
        x = torch.randn(3, 3, size, size, generator=gen)
        x1 = torch.randn(1, 3, size, size, generator=gen)
        with torch.no_grad():
            save_safetensors(os.path.join(OUT, name + "_io.safetensors"),
                             {"input.x": x, "output.embedding": model(x), "input.x1": x1, "output.embedding1": model(x1)})
        for opset in OPSETS:
            path = os.path.join(OUT, "%s_op%d_dyn.onnx" % (name, opset))
            torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["embedding"],
                              dynamic_axes={"input": {0: "batch"}, "embedding": {0: "batch"}}, do_constant_folding=True)
            print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
