#!/usr/bin/env python3
"""Expected learning-rate schedules from their reference definitions, as JSON.

- dino_cosine: DINO's utils.cosine_scheduler (a linear warm-up from start_warmup_value = 0 made
  with np.linspace, then a half cosine from base to final over the remaining iterations), one
  value per iteration.
- insightface_poly: insightface's PolynomialLRWarmup (arcface_torch/lr_scheduler.py), restated
  here on torch's _LRScheduler so that its first value comes from the scheduler's own first
  step, and stepped once per iteration as insightface's training loop does; the value recorded
  for an iteration is the optimizer's learning rate when its step runs.
- multistep: torch.optim.lr_scheduler.MultiStepLR stepped once per epoch.

Run with PyTorch 1.13: python3 make_schedule_cases.py > schedule_cases.json
"""
import json

import numpy as np
import torch
from torch.optim.lr_scheduler import _LRScheduler


def dino_cosine(base, final, epochs, niter_per_ep, warmup_epochs):
    warmup_iters = warmup_epochs * niter_per_ep
    warmup = np.linspace(0.0, base, warmup_iters) if warmup_epochs > 0 else np.array([])
    rest = np.arange(epochs * niter_per_ep - warmup_iters)
    cosine = final + 0.5 * (base - final) * (1 + np.cos(np.pi * rest / len(rest)))
    return np.concatenate((warmup, cosine)).tolist()


class PolynomialLRWarmup(_LRScheduler):
    """insightface's rule: the optimizer's own rate at iteration 0 and past total_iters, a linear
    ramp base*l/warmup up to warmup, then each rate the previous one times the ratio of successive
    polynomial factors."""

    def __init__(self, optimizer, warmup_iters, total_iters, power):
        self.warmup_iters = warmup_iters
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer)

    def get_lr(self):
        l, w, t = self.last_epoch, self.warmup_iters, self.total_iters
        if l == 0 or l > t:
            return [g["lr"] for g in self.optimizer.param_groups]
        if l <= w:
            return [b * l / w for b in self.base_lrs]
        ratio = ((1.0 - (l - w) / (t - w)) / (1.0 - (l - 1 - w) / (t - w))) ** self.power
        return [g["lr"] * ratio for g in self.optimizer.param_groups]


def torch_schedule(base, make, iterations, per_epoch=1):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base)
    sched = make(opt)
    out = []
    for i in range(iterations):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if (i + 1) % per_epoch == 0:
            sched.step()
    return out


cases = [
    {"kind": "dino_cosine", "base": 5e-4, "final": 1e-6, "epochs": 10, "niter_per_ep": 7, "warmup_epochs": 2,
     "values": dino_cosine(5e-4, 1e-6, 10, 7, 2)},
    {"kind": "dino_cosine", "base": 0.04, "final": 0.4, "epochs": 6, "niter_per_ep": 5, "warmup_epochs": 0,
     "values": dino_cosine(0.04, 0.4, 6, 5, 0)},
    {"kind": "dino_cosine", "base": 0.996, "final": 1.0, "epochs": 8, "niter_per_ep": 3, "warmup_epochs": 0,
     "values": dino_cosine(0.996, 1.0, 8, 3, 0)},
    {"kind": "dino_cosine", "base": 0.1, "final": 0.0, "epochs": 4, "niter_per_ep": 1, "warmup_epochs": 1,
     "values": dino_cosine(0.1, 0.0, 4, 1, 1)},
    {"kind": "insightface_poly", "base": 0.1, "warmup": 10, "total": 110, "power": 1.0,
     "values": torch_schedule(0.1, lambda o: PolynomialLRWarmup(o, 10, 110, 1.0), 120)},
    {"kind": "insightface_poly", "base": 1.0, "warmup": 5, "total": 50, "power": 2.0,
     "values": torch_schedule(1.0, lambda o: PolynomialLRWarmup(o, 5, 50, 2.0), 55)},
    {"kind": "insightface_poly", "base": 0.02, "warmup": 0, "total": 30, "power": 1.0,
     "values": torch_schedule(0.02, lambda o: PolynomialLRWarmup(o, 0, 30, 1.0), 33)},
    {"kind": "multistep", "base": 0.1, "steps_per_epoch": 3, "milestones": [7, 13, 19, 24], "gamma": 0.1,
     "values": torch_schedule(0.1, lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [7, 13, 19, 24], 0.1), 3 * 28, 3)},
]
print(json.dumps(cases))
