#!/usr/bin/env python3
"""Exports one full-size face backbone from PyTorch as ONNX at opsets 11, 13 and 17, each with and
without a dynamic batch axis, with PyTorch's float32 embeddings of a batch of 3 and of 1.

    python3 onnx_pytorch_export.py MODEL DIR      # MODEL: r50, mbf, vit_t or vit_b

Writes DIR/MODEL_op<opset>[_dyn].onnx and DIR/MODEL_io.safetensors (input.x (3, 3, 112, 112) and
output.embedding, input.x1 (1, 3, 112, 112) and output.embedding1). The architectures are
scripts/python/face_models.py's (insightface's); the CNNs' BatchNorm statistics are measured on
random batches as conv_torch.py does, so that every normalisation matters and 50 blocks do not
overflow. Check the files with check-onnx-pytorch.sh.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "python"))
import face_models as fm  # noqa: E402
from conv_torch import build as build_cnn  # noqa: E402
from vit_torch import save_safetensors  # noqa: E402

OPSETS = (11, 13, 17)


def build(name):
    if name in ("r50", "mbf"):
        return build_cnn(name)
    torch.manual_seed({"vit_t": 7, "vit_b": 8}[name])
    m = {"vit_t": lambda: fm.FaceViT(256, 12), "vit_b": lambda: fm.FaceViT(512, 24)}[name]()
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0, 0.1)
    return m.eval()


def main():
    name, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    model = build(name)
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(3, 3, 112, 112, generator=gen)
    x1 = torch.randn(1, 3, 112, 112, generator=gen)
    with torch.no_grad():
        save_safetensors(os.path.join(out, name + "_io.safetensors"),
                         {"input.x": x, "output.embedding": model(x), "input.x1": x1, "output.embedding1": model(x1)})
    for opset in OPSETS:
        for dynamic in (False, True):
            path = os.path.join(out, "%s_op%d%s.onnx" % (name, opset, "_dyn" if dynamic else ""))
            axes = {"input": {0: "batch"}, "embedding": {0: "batch"}} if dynamic else None
            torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["embedding"],
                              dynamic_axes=axes, do_constant_folding=True)
            print(path, os.path.getsize(path), file=sys.stderr)


if __name__ == "__main__":
    main()
