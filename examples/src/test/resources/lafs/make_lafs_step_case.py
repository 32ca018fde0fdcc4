#!/usr/bin/env python3
"""Writes the golden case of one full LAFS pretraining step (pretrain_step.safetensors), as the
reference's train_one_epoch (DINO's loop) does it, on fixed patch tokens (the landmark CNN, the landmark
noise and the local views' landmark sampling are random and left out; tokens go in directly):

  teacher_out = teacher_head(teacher(cat(global_1, global_2)))
  student_out = cat(head(student(cat(globals))), head(student(cat(locals))))
  loss = DINOLoss(student_out, teacher_out) at epoch 0 (teacher temperature 0.07), centre starting at 0
  group 0 (weights) gets weight decay wd, group 1 (biases, 1-D) none; AdamW at lr
  clip_gradients(student, clip) per tensor; then optimizer.step()
  teacher <- m * teacher + (1 - m) * student over parameters; centre <- 0.9 centre + 0.1 mean(teacher_out)

Float64, dropout and drop path off (the models in evaluation mode: a random mask cannot be matched). The
model classes are those of the LAFS model cases (nn/src/test/resources/lafs/make_lafs_cases.py).

Run with a Python that has PyTorch (1.13 wrote the committed file):
    python3 make_lafs_step_case.py [OUTPUT_DIR]
Tensors: param.student.* and param.head.* (the state before the step), input.global (2B, n, 3P^2),
input.local (L*B, m, 3P^2), output.loss, output.student.*, output.head.*, output.teacher.*,
output.teacher_head.* (after the step), output.center.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "..", "nn", "src", "test", "resources", "lafs"))
from make_lafs_cases import DINOHead, PartFViT, save  # noqa: E402

ARGS = {"num_patches": 16, "patch_size": 8, "dim": 24, "depth": 1, "heads": 2, "dim_head": 8, "mlp_dim": 32,
        "out_dim": 20, "hidden_dim": 32, "bottleneck_dim": 16, "batch": 2, "local_views": 2, "local_tokens": 4,
        "lr": 1e-3, "wd": 0.04, "momentum": 0.996, "clip": 0.05, "student_temp": 0.1, "teacher_temp": 0.07,
        "center_momentum": 0.9}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(7)
    gen = torch.Generator().manual_seed(7)
    a = ARGS
    student = PartFViT(a["num_patches"], a["patch_size"], a["dim"], a["depth"], a["heads"], a["dim_head"], a["mlp_dim"])
    head = DINOHead(a["dim"], a["out_dim"], 3, a["hidden_dim"], a["bottleneck_dim"], True)
    with torch.no_grad():
        for p in list(student.parameters()) + list(head.parameters()):
            if p.requires_grad:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
    # DINO copies the student's weights into a teacher built alike (deepcopy fails on weight_norm's derived weight)
    teacher = PartFViT(a["num_patches"], a["patch_size"], a["dim"], a["depth"], a["heads"], a["dim_head"], a["mlp_dim"])
    teacher_head = DINOHead(a["dim"], a["out_dim"], 3, a["hidden_dim"], a["bottleneck_dim"], True)
    teacher.load_state_dict(student.state_dict())
    teacher_head.load_state_dict(head.state_dict())
    for p in list(teacher.parameters()) + list(teacher_head.parameters()):
        p.requires_grad = False
    for m in (student, head, teacher, teacher_head):
        m.eval()
    before = {"param.student." + k: v.detach().clone() for k, v in student.state_dict().items()}
    before.update({"param.head." + k: v.detach().clone() for k, v in head.state_dict().items()})

    b, tokens = a["batch"], 3 * a["patch_size"] ** 2
    globals_ = torch.randn(2 * b, a["num_patches"], tokens, generator=gen)
    locals_ = torch.randn(a["local_views"] * b, a["local_tokens"], tokens, generator=gen)

    regularized, not_regularized = [], []
    for m in (student, head):
        for name, p in m.named_parameters():
            if not p.requires_grad:
                continue
            (not_regularized if name.endswith(".bias") or len(p.shape) == 1 else regularized).append(p)
    opt = torch.optim.AdamW([{"params": regularized}, {"params": not_regularized, "weight_decay": 0.0}], lr=a["lr"])
    opt.param_groups[0]["weight_decay"] = a["wd"]

    with torch.no_grad():
        t_out = teacher_head(teacher(globals_))
    s_out = torch.cat([head(student(globals_)), head(student(locals_))])
    center = torch.zeros(1, a["out_dim"])
    views = 2 + a["local_views"]
    s_chunks = (s_out / a["student_temp"]).chunk(views)
    q = torch.softmax((t_out - center) / a["teacher_temp"], dim=-1).detach().chunk(2)
    total, n = 0, 0
    for iq, qv in enumerate(q):
        for v in range(views):
            if v == iq:
                continue
            total = total + torch.sum(-qv * torch.log_softmax(s_chunks[v], dim=-1), dim=-1).mean()
            n += 1
    loss = total / n
    center = center * a["center_momentum"] + t_out.mean(0, keepdim=True) * (1 - a["center_momentum"])

    opt.zero_grad()
    loss.backward()
    for m in (student, head):                      # DINO's clip_gradients on the MultiCropWrapper
        for p in m.parameters():
            if p.grad is not None:
                coef = a["clip"] / (p.grad.data.norm(2) + 1e-6)
                if coef < 1:
                    p.grad.data.mul_(coef)
    opt.step()
    with torch.no_grad():
        for ps, pt in zip(list(student.parameters()) + list(head.parameters()),
                          list(teacher.parameters()) + list(teacher_head.parameters())):
            pt.data.mul_(a["momentum"]).add_((1 - a["momentum"]) * ps.detach().data)

    t = dict(before)
    t["input.global"] = globals_
    t["input.local"] = locals_
    t["output.loss"] = loss.detach()
    t["output.center"] = center
    for prefix, m in (("student", student), ("head", head), ("teacher", teacher), ("teacher_head", teacher_head)):
        t.update({"output." + prefix + "." + k: v.detach() for k, v in m.state_dict().items()})
    save(os.path.join(out, "pretrain_step.safetensors"), "lafs_pretrain_step", a, t)


if __name__ == "__main__":
    main()
