#!/usr/bin/env python3
"""Golden cases for the face losses, written by PyTorch in the golden-case format (float64).

Run with a Python that has PyTorch (1.13 wrote the committed files): python3 make_loss_cases.py [DIR]
Ops (as the shared schema): combined_margin_loss, partial_fc, info_nce_queue, dino_loss.
The *_confident cases put each embedding at a given cosine (0.6-0.95) to its class centre among
1,000-2,000 classes, the regime of the middle and late part of training, where a float32 softmax
that lets the target's exp(0) swallow the negatives goes wrong.
margin_grad 'exact' includes the hard-margin fallback of the pre-2022 reference (target c - m sin m
where theta + m > pi), which panface applies in exact mode by default; 'straight_through' applies the
margin without gradient, as insightface's current CombinedMarginLoss.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
DT = {torch.float64: "F64", torch.int64: "I64"}


def save(name, op, args, tensors):
    header = {"__metadata__": {"op": op, "args": json.dumps(args), "schema": "1"}}
    blobs, off = [], 0
    for k in sorted(tensors):
        b = tensors[k].detach().contiguous().numpy().tobytes()
        header[k] = {"dtype": DT[tensors[k].dtype], "shape": list(tensors[k].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def margin_logits(cos, labels, s, m1, m2, m3, mode):
    cos = cos.clamp(-1, 1)
    idx = torch.arange(cos.shape[0])
    c = cos[idx, labels]
    if mode == "exact":
        if m1 == 1.0 and m2 == 0.0:
            target = c - m3
        else:
            # value at the true angle; derivative m1 sin(m1 theta + m2) / sqrt(1 - c^2) taken at c kept
            # 1e-7 inside [-1, 1] so it stays finite (panface's exact mode)
            theta = torch.acos(c.detach())
            cc = c.detach().clamp(-1 + 1e-7, 1 - 1e-7)
            deriv = m1 * torch.sin(m1 * torch.acos(cc) + m2) / torch.sqrt(1 - cc * cc)
            smooth = (torch.cos(m1 * theta + m2) - m3) + (c - c.detach()) * deriv
            valid = m1 * theta + m2 <= math.pi
            mm = math.sin(math.pi - m2) * m2 if m1 == 1.0 else 1 + math.cos((math.pi - m2) / m1)
            target = torch.where(valid, smooth, c - mm - m3)
    else:
        with torch.no_grad():
            theta = torch.acos(c)
            target_value = torch.cos(m1 * theta + m2) - m3
        target = c + (target_value - c).detach()
    onehot = F.one_hot(labels, cos.shape[1]).bool()
    return torch.where(onehot, target.unsqueeze(1).expand_as(cos), cos) * s


def margin_case(name, op, args, emb, weight, labels, index=None):
    e = emb.clone().requires_grad_(True)
    w = weight.clone().requires_grad_(True)
    ws = w if index is None else w[index]
    lab = labels if index is None else torch.searchsorted(index, labels)
    cos = F.normalize(e) @ F.normalize(ws).t()
    z = margin_logits(cos, lab, args["s"], args["m1"], args["m2"], args["m3"], args["margin_grad"])
    loss = F.cross_entropy(z, lab)
    loss.backward()
    t = {"input.embeddings": emb, "param.weight": weight, "input.labels": labels, "output.loss": loss,
         "grad.embeddings": e.grad, "grad.weight": w.grad}
    if index is not None:
        t["input.sampled_index"] = index
    save(name, op, args, t)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(2026)
    d = torch.float64
    for name, (s, m1, m2, m3, mode) in {
        "arcface_st": (64.0, 1.0, 0.5, 0.0, "straight_through"),
        "arcface_exact": (64.0, 1.0, 0.5, 0.0, "exact"),
        "cosface": (64.0, 1.0, 0.0, 0.4, "straight_through"),
        "cosface_exact": (30.0, 1.0, 0.0, 0.35, "exact"),
        "combined_exact": (32.0, 1.0, 0.3, 0.2, "exact"),
        "combined_st": (32.0, 1.0, 0.3, 0.2, "straight_through"),
    }.items():
        emb = torch.randn(10, 16, dtype=d)
        weight = torch.randn(40, 16, dtype=d) * 0.5
        labels = torch.randint(0, 40, (10,))
        # rows 0 and 1: embeddings almost opposite their class centre, so theta + m > pi (the fallback region)
        emb[0] = -weight[labels[0]] + 0.01 * torch.randn(16, dtype=d)
        emb[1] = -weight[labels[1]] * 2 + 0.02 * torch.randn(16, dtype=d)
        args = {"s": s, "m1": m1, "m2": m2, "m3": m3, "margin_grad": mode}
        margin_case(name, "combined_margin_loss", args, emb, weight, labels)

    for name, rate, mode in (("partial_fc_r03", 0.3, "straight_through"), ("partial_fc_r05_exact", 0.5, "exact"),
                             ("partial_fc_r1", 1.0, "straight_through")):
        c = 60
        emb = torch.randn(12, 16, dtype=d)
        weight = torch.randn(c, 16, dtype=d) * 0.01
        labels = torch.randint(0, c, (12,))
        k = int(rate * c)
        prio = torch.rand(c, dtype=d)
        prio[labels] = 2.0
        index = torch.sort(torch.topk(prio, k).indices)[0]
        args = {"s": 64.0, "m1": 1.0, "m2": 0.5, "m3": 0.0, "margin_grad": mode, "sample_rate": rate}
        margin_case(name, "partial_fc", args, emb, weight, labels, index)

    for name, n, b, ptr, tau, norm in (("info_nce", 32, 8, 0, 0.1, True), ("info_nce_wrap", 20, 8, 16, 0.07, True),
                                       ("info_nce_raw", 24, 6, 12, 0.5, False)):
        student = torch.randn(b, 16, dtype=d)
        teacher = torch.randn(b, 16, dtype=d)
        queue = F.normalize(torch.randn(n, 16, dtype=d), dim=1)
        s = student.clone().requires_grad_(True)
        q = F.normalize(s, dim=1) if norm else s
        k = F.normalize(teacher, dim=1) if norm else teacher
        logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue.t()], 1) / tau
        loss = F.cross_entropy(logits, torch.zeros(b, dtype=torch.long))
        loss.backward()
        new_queue = queue.clone()
        for i in range(b):
            new_queue[(ptr + i) % n] = k[i]
        save(name, "info_nce_queue", {"tau": tau, "normalize": norm, "queue_ptr": ptr},
             {"input.student": student, "input.teacher": teacher, "buffer.queue": queue, "output.loss": loss,
              "output.queue": new_queue, "grad.student": s.grad})

    for name, sv, tv, b, k in (("dino_4x2", 4, 2, 5, 24), ("dino_3x2", 3, 2, 4, 16), ("dino_10x2", 10, 2, 2, 12)):
        st, tt, m = 0.1, 0.04, 0.9
        student = torch.randn(sv * b, k, dtype=d) * 3
        teacher = torch.randn(tv * b, k, dtype=d) * 3
        center = torch.randn(1, k, dtype=d) * 0.1
        s = student.clone().requires_grad_(True)
        logp = F.log_softmax(s / st, -1).chunk(sv)
        qs = F.softmax((teacher - center) / tt, -1).chunk(tv)
        total, pairs = 0, 0
        for a, qa in enumerate(qs):
            for v in range(sv):
                if v == a:
                    continue
                total = total + (-qa * logp[v]).sum(-1).mean()
                pairs += 1
        loss = total / pairs
        loss.backward()
        new_center = center * m + teacher.mean(0, keepdim=True) * (1 - m)
        save(name, "dino_loss", {"student_temp": st, "teacher_temp": tt, "center_momentum": m, "n_student_views": sv,
                                 "n_teacher_views": tv},
             {"input.student": student, "input.teacher": teacher, "buffer.center": center, "output.loss": loss,
              "output.center": new_center, "grad.student": s.grad})

    confident_cases(d)


def at_cosine(centre, cos, scale):
    """A vector at the given cosine to centre: cos * centre_hat + sin * (a random direction orthogonal to it)."""
    c = F.normalize(centre, dim=0)
    u = torch.randn(centre.shape[0], dtype=centre.dtype)
    u = F.normalize(u - (u @ c) * c, dim=0)
    return scale * (cos * c + math.sqrt(1 - cos * cos) * u)


def confident_cases(d):
    torch.manual_seed(7)
    targets = [0.6, 0.7, 0.8, 0.9, 0.95, 0.75]
    e_dim = 64
    for name, c, near, (s, m1, m2, m3, mode) in (
            ("arcface_confident", 1000, None, (64.0, 1.0, 0.5, 0.0, "straight_through")),
            ("arcface_confident_exact", 1000, None, (64.0, 1.0, 0.5, 0.0, "exact")),
            ("cosface_confident", 1000, None, (64.0, 1.0, 0.0, 0.4, "straight_through")),
            ("arcface_confident_near_negatives", 1000, 0.5, (64.0, 1.0, 0.5, 0.0, "straight_through"))):
        b = len(targets)
        labels = torch.randperm(c)[:b]
        weight = torch.randn(c, e_dim, dtype=d)
        emb = torch.stack([at_cosine(weight[labels[i]], targets[i], 3.0 + i) for i in range(b)])
        if near is not None:
            # every negative centre at cosine about `near` to the embeddings' mean direction
            mean = F.normalize(emb.sum(0), dim=0)
            for j in range(c):
                if j not in labels.tolist():
                    weight[j] = at_cosine(mean, near + 0.05 * float(torch.randn(())), float(weight[j].norm()))
        args = {"s": s, "m1": m1, "m2": m2, "m3": m3, "margin_grad": mode}
        margin_case(name, "combined_margin_loss", args, emb, weight, labels)

    c, b, rate = 2000, len(targets), 0.3
    labels = torch.randperm(c)[:b]
    weight = torch.randn(c, e_dim, dtype=d) * 0.01
    emb = torch.stack([at_cosine(weight[labels[i]], targets[i], 2.0) for i in range(b)])
    prio = torch.rand(c, dtype=d)
    prio[labels] = 2.0
    index = torch.sort(torch.topk(prio, int(rate * c)).indices)[0]
    args = {"s": 64.0, "m1": 1.0, "m2": 0.5, "m3": 0.0, "margin_grad": "straight_through", "sample_rate": rate}
    margin_case("partial_fc_confident", "partial_fc", args, emb, weight, labels, index)


if __name__ == "__main__":
    main()
