#!/usr/bin/env python3
"""Writes small torch.save files for the PyTorch-checkpoint reader's tests (run with a Python that
has PyTorch; 1.13 wrote the committed files). Expected values are recomputable from the seeds."""
import collections
import os
import pickle

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


torch.manual_seed(5)
plain = collections.OrderedDict()
plain["conv1.weight"] = torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2) / 10
plain["bn1.running_var"] = torch.tensor([1.5, 2.5], dtype=torch.float32)
plain["bn1.num_batches_tracked"] = torch.tensor(7)
torch.save(plain, path("plain.pt"))

base = torch.arange(20, dtype=torch.float64).reshape(4, 5)
nested = {
    "state_dict": {"a": base, "b": base[1:3], "c": base.t(), "half": torch.tensor([0.5, -2.0, 65504.0], dtype=torch.float16),
                   "bf16": torch.tensor([1.0, 3.0e38, -0.1], dtype=torch.bfloat16), "mask": torch.tensor([True, False, True]),
                   "ids": torch.tensor([[1, -2], [3, 2 ** 40]], dtype=torch.int64), "i32": torch.tensor([7, -8], dtype=torch.int32)},
    "epoch": 3,
    "lr": 0.125,
    "name": "iresnet50",
    "flags": [True, None],
}
torch.save(nested, path("nested.pt"))
torch.save(plain, path("legacy.pt"), _use_new_zipfile_serialization=False)
torch.save(torch.nn.Linear(3, 2).state_dict(), path("linear.pt"))


class Evil:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


torch.save({"weight": torch.zeros(2), "payload": Evil(os.system, "echo pwned")}, path("evil_os_system.pt"))
torch.save({"weight": torch.zeros(2), "payload": Evil(eval, "1+1")}, path("evil_eval.pt"))
with open(path("not_a_checkpoint.pt"), "wb") as f:
    f.write(b"this is not a pickle or a zip file at all")
with open(path("plain_pickle_dict.pkl"), "wb") as f:
    pickle.dump({"x": 1}, f, protocol=2)

# A research checkpoint: weights with the training options as an argparse.Namespace (read inertly).
import argparse
args = argparse.Namespace(lr=0.1, arch="vit", layers=[1, 2], nested={"beta": 0.5}, flag=True)
torch.save({"state_dict": plain, "args": args, "epoch": 4}, path("with_args.pt"))
