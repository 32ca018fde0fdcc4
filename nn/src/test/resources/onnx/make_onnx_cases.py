#!/usr/bin/env python3
"""Writes ONNX files exported by PyTorch from small random-weight face backbones, with PyTorch's outputs.

Run with a Python that has PyTorch (1.13 wrote the committed files; its exporter needs no `onnx` package):
    python3 make_onnx_cases.py [OUTPUT_DIR]
For each model (r: a small r-type IResNet, mbf: a small MobileFaceNet, vit: a small face ViT; the
architectures of scripts/python/face_models.py with shrunk widths and depths so the files stay small),
each opset in OPSETS and with or without a dynamic batch axis, it writes
  <model>_op<opset>[_dyn].onnx           torch.onnx.export in evaluation mode, input "input", output "embedding"
and once per model
  <model>_io.safetensors                  input.x (B, 3, S, S) F32 and output.embedding (B, E) F32: PyTorch's
                                          float32 forward on that input (B = BATCH; the static exports are
                                          traced at batch BATCH too, so one input serves every file)
                                          plus input.x1 / output.embedding1, a batch of 1 for the dynamic files.
and for the CNNs <model>_op13_dyn_bn.onnx, exported with BatchNormalization kept apart from the convolutions.
BatchNorm statistics and affine parameters are drawn at random so that every normalisation matters.
"""
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "..", "scripts", "python"))
import face_models as fm  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else HERE
OPSETS = (11, 13, 17)
BATCH = 3


def save_safetensors(path, tensors):
    header, blobs, off = {"__metadata__": {"schema": "1"}}, [], 0
    for k in sorted(tensors):
        b = tensors[k].detach().contiguous().float().numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(tensors[k].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def randomise_norms(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
            elif isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(torch.rand(m.normalized_shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.normalized_shape, generator=gen) * 0.1)
            elif isinstance(m, torch.nn.PReLU):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.5)
    return model


def models():
    torch.manual_seed(3)
    r = fm.IResNet([1, 2, 1, 1], num_features=16, widths=(8, 8, 16, 16), input_size=32)
    mbf = fm.MobileFaceNet(num_features=16, blocks=(1, 1, 1, 1), stem=8, body=16, expansions=(8, 16, 16), first_groups=8, head=16,
                           input_size=32)
    vit = fm.FaceViT(embed_dim=16, depth=2, num_heads=2, mlp_ratio=2.0, num_features=16, img_size=36, patch_size=9)
    gen = torch.Generator().manual_seed(5)
    return {"r": (randomise_norms(r, gen), 32), "mbf": (randomise_norms(mbf, gen), 32), "vit": (randomise_norms(vit, gen), 36),
            "ops": (OperatorMix(), 16)}


class OperatorMix(torch.nn.Module):
    """The operators face models use beyond the backbones above, in one small graph: pooling,
    padding, nearest upsampling, splitting, the other activations, comparisons and selection."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=1, groups=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8, bias=False)
        self.fc = torch.nn.Linear(8, 6)

    def forward(self, x):
        y = torch.nn.functional.leaky_relu(self.conv(x), 0.1)
        y = torch.nn.functional.max_pool2d(y, 3, 1, 1) + torch.nn.functional.avg_pool2d(y, 3, 1, 1, count_include_pad=False)
        y = torch.nn.functional.pad(y, (1, 1, 1, 1))
        y = torch.nn.functional.interpolate(self.dw(y), scale_factor=2, mode="nearest")
        a, b = torch.split(y, 4, dim=1)
        y = torch.cat([torch.nn.functional.hardswish(a) * torch.sigmoid(b), torch.nn.functional.gelu(b) - torch.tanh(a)], 1)
        y = torch.where(y > 0.1, y, torch.nn.functional.hardsigmoid(y))
        y = torch.nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)
        z = self.fc(y)
        z = z + z.mean(dim=1, keepdim=True) * (z.abs() == z).float() + torch.erf(z).sum(dim=1, keepdim=True).expand(-1, 6)
        return torch.softmax(z, dim=-1) + z.abs().sqrt() + torch.clamp(z, -0.5, 0.5) + (z ** 2) / 2


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(11)
    for name, (model, size) in models().items():
        model.eval()
        x = torch.randn(BATCH, 3, size, size, generator=gen)
        x1 = torch.randn(1, 3, size, size, generator=gen)
        with torch.no_grad():
            save_safetensors(os.path.join(OUT, name + "_io.safetensors"),
                             {"input.x": x, "output.embedding": model(x), "input.x1": x1, "output.embedding1": model(x1)})
        for opset in OPSETS:
            for dynamic in (False, True):
                path = os.path.join(OUT, "%s_op%d%s.onnx" % (name, opset, "_dyn" if dynamic else ""))
                axes = {"input": {0: "batch"}, "embedding": {0: "batch"}} if dynamic else None
                torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["embedding"],
                                  dynamic_axes=axes, do_constant_folding=True)
                print(path, os.path.getsize(path))
        # TrainingMode.PRESERVE on a model in evaluation mode keeps BatchNormalization apart from the
        # convolutions (the EVAL export folds them), as files converted from other frameworks often have it
        if name in ("vit", "ops"):
            continue
        path = os.path.join(OUT, "%s_op13_dyn_bn.onnx" % name)
        torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["embedding"],
                          dynamic_axes={"input": {0: "batch"}, "embedding": {0: "batch"}}, training=torch.onnx.TrainingMode.PRESERVE)
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
