#!/usr/bin/env python3
"""Expected optimizer trajectories from PyTorch (torch.optim.SGD/AdamW, clip_grad_norm_), as JSON.

Each case: float64 parameters in parameter groups, a fixed gradient sequence (a deterministic
function of the step), which parameters have a gradient at each step (the others have grad None,
so PyTorch skips them and their own step count does not advance), and the parameters after every
step. Run with PyTorch 1.13: python3 make_optim_cases.py > optim_cases.json
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)

SHAPES = [(3, 4), (4,)]


def grad(step, i, shape):
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([math.sin(0.7 * step + 1.3 * i + 0.37 * k) * (1 + 0.1 * k) for k in range(n)]).reshape(shape)


def always(step, i):
    return True


def run(name, make_opt, steps=6, clip=None, shapes=SHAPES, groups=None, active=always):
    """groups: [(parameter indices, weight decay, lr scale)]; make_opt gets torch param groups."""
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(*s)) for s in shapes]
    init = [p.detach().clone().flatten().tolist() for p in params]
    if groups is None:
        groups = [(list(range(len(shapes))), 0.0, 1.0)]
    opt = make_opt([{"params": [params[i] for i in idx], "weight_decay": wd, "lr_scale": scale} for idx, wd, scale in groups])
    traj, norms, mask = [], [], []
    for t in range(steps):
        on = [active(t, i) for i in range(len(params))]
        for i, p in enumerate(params):
            p.grad = grad(t, i, shapes[i]) if on[i] else None
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_(params, clip)))
        opt.step()
        traj.append([p.detach().flatten().tolist() for p in params])
        mask.append(on)
    return {"name": name, "shapes": [list(s) for s in shapes], "init": init, "after": traj, "norms": norms, "active": mask,
            "groups": [{"params": idx, "weight_decay": wd, "lr_scale": scale} for idx, wd, scale in groups]}


def scaled(make):
    """Applies each group's lr scale to the optimizer's lr, as ParamGroup.lrScale does."""
    def build(groups):
        opt = make(groups)
        for g in opt.param_groups:
            g["lr"] *= g.pop("lr_scale")
        return opt
    return build


def sgd(**kw):
    return scaled(lambda gs: torch.optim.SGD(gs, **kw))


def adamw(**kw):
    return scaled(lambda gs: torch.optim.AdamW(gs, amsgrad=False, **kw))


def one(wd):
    return [([0, 1], wd, 1.0)]


# Late starts: parameter 1 has no gradient for its first steps (a head added mid-training, DINO's
# last layer frozen through the first epoch); parameter 2 pauses for two steps after its first.
LATE_SHAPES = [(3, 4), (4,), (2, 3)]
LATE_STEP = 5


def late(step, i):
    return i == 0 or (i == 1 and step >= LATE_STEP) or (i == 2 and step not in (2, 3))


# DINO-like: the last layer (parameter 1) gets gradients only after a frozen first epoch of 40 iterations.
FROZEN_EPOCH = 40


def frozen_epoch(step, i):
    return i == 0 or step >= FROZEN_EPOCH


cases = [
    run("sgd", sgd(lr=0.1, momentum=0.9), groups=one(5e-4)),
    run("sgd_nesterov", sgd(lr=0.05, momentum=0.8, nesterov=True), groups=one(1e-3)),
    run("sgd_dampening", sgd(lr=0.05, momentum=0.5, dampening=0.3)),
    run("sgd_plain", sgd(lr=0.2)),
    run("adamw", adamw(lr=1e-3), groups=one(0.1)),
    run("adamw_betas", adamw(lr=0.01, betas=(0.8, 0.95), eps=1e-6), groups=one(0.05)),
    run("sgd_clip", sgd(lr=0.1, momentum=0.9), clip=1.5),
    run("adamw_late", adamw(lr=0.01), steps=10, shapes=LATE_SHAPES, groups=[([0], 0.1, 1.0), ([1, 2], 0.05, 0.5)], active=late),
    run("adamw_frozen_epoch", adamw(lr=0.01), steps=FROZEN_EPOCH + 4, groups=one(0.04), active=frozen_epoch),
    run("sgd_late", sgd(lr=0.05, momentum=0.9, dampening=0.2), steps=10, shapes=LATE_SHAPES,
        groups=[([0], 5e-4, 1.0), ([1, 2], 1e-3, 0.5)], active=late),
]
print(json.dumps(cases))
