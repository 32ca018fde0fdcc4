#!/usr/bin/env python3
"""Records how torch.load(weights_only=True) reads each crafted file of HostileTorchFiles, for
HostileTorchFilesTest. Usage (PyTorch 1.13 wrote the committed hostile_verdicts.json):

    ./mvnw -q -pl nn -am test-compile
    java -cp nn/target/test-classes:nn/target/classes:tensor/target/classes panface.nn.io.HostileTorchFiles OUT
    python3 torch_verdicts.py OUT > hostile_verdicts.json

For each file: whether PyTorch accepted it and, if so, the tensors it reached (each container
expanded once, depth first, as the Java reader lists them) with their shapes and values; if not,
the exception's type and the start of its message.
"""
import json
import os
import sys

import torch


def flatten(obj):
    out, seen = {}, set()

    def walk(path, o, depth):
        if isinstance(o, torch.Tensor):
            out[path or "tensor"] = {"shape": list(o.shape), "values": o.flatten().tolist() if o.numel() <= 16 else None}
            return
        if not isinstance(o, (dict, list, tuple)) or id(o) in seen:
            return
        if depth >= 200:
            out["<deeper than 200>"] = None
            return
        seen.add(id(o))
        items = o.items() if isinstance(o, dict) else enumerate(o)
        for k, v in items:
            walk(f"{path}.{k}" if path else str(k), v, depth + 1)

    walk("", obj, 0)
    return out


def main():
    folder = sys.argv[1]
    verdicts = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".pt"):
            continue
        try:
            obj = torch.load(os.path.join(folder, name), weights_only=True)
            verdicts[name[:-3]] = {"accepted": True, "tensors": flatten(obj)}
        except BaseException as e:  # noqa: B036 - a hostile file may raise anything, RecursionError included
            message = str(e).split("WeightsUnpickler error: ")[-1]
            verdicts[name[:-3]] = {"accepted": False, "error": f"{type(e).__name__}: {message[:160]}"}
    json.dump({"torch": torch.__version__, "verdicts": verdicts}, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
