#!/usr/bin/env python3
"""Expected optimizer trajectories from PyTorch (torch.optim.SGD/AdamW, clip_grad_norm_), as JSON.

Each case: two float64 parameters, a fixed gradient sequence (a deterministic function of the
step), and the parameters after every step. Run: python3 make_optim_cases.py > optim_cases.json
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)


def grads(step, shapes):
    out = []
    for i, s in enumerate(shapes):
        n = 1
        for d in s:
            n *= d
        g = torch.tensor([math.sin(0.7 * step + 1.3 * i + 0.37 * k) * (1 + 0.1 * k) for k in range(n)]).reshape(s)
        out.append(g)
    return out


def run(name, make_opt, steps=6, clip=None):
    torch.manual_seed(0)
    shapes = [(3, 4), (4,)]
    params = [torch.nn.Parameter(torch.randn(*s)) for s in shapes]
    init = [p.detach().clone().flatten().tolist() for p in params]
    opt = make_opt(params)
    traj, norms = [], []
    for t in range(steps):
        for p, g in zip(params, grads(t, shapes)):
            p.grad = g.clone()
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_(params, clip)))
        opt.step()
        traj.append([p.detach().flatten().tolist() for p in params])
    return {"name": name, "shapes": [list(s) for s in shapes], "init": init, "after": traj, "norms": norms}


cases = [
    run("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=5e-4)),
    run("sgd_nesterov", lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, weight_decay=1e-3, nesterov=True)),
    run("sgd_dampening", lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.5, dampening=0.3)),
    run("sgd_plain", lambda ps: torch.optim.SGD(ps, lr=0.2)),
    run("adamw", lambda ps: torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.1)),
    run("adamw_betas", lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05)),
    run("sgd_clip", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), clip=1.5),
]
print(json.dumps(cases))
