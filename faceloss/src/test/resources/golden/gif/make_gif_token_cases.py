#!/usr/bin/env python3
"""Golden cases for GIF's token loss with given codes, written by PyTorch in the golden-case format (float64).

Run with a Python that has PyTorch (1.13 wrote the committed files): python3 make_gif_token_cases.py [DIR]
(default: the folder token_cases beside this script).

Op gif_token_loss (not in the shared schema's table; the runner's op is in FacelossGoldenOps):
  input.embeddings (B, D), input.codes (B, l) I64 with tokens in [0, k);
  param.heads.J.weight (k, D) for J < l, param.heads.J.bias (k) for linear heads;
  param.prefix.weight ((l-1) k, D) when conditioning is prefix (row i k + c holds P_i[c]);
  output.loss = (1/l) sum_j CE(head_j(h_j), codes[:, j]) with h_j = e + sum_{i<j} P_i[codes[:, i]]
  (h_j = e for independent heads); head_j is a linear layer (plain softmax), or a margin head when
  the args give s, m1, m2, m3, margin_grad: s * margin(cos(h_j, W_j)) as make_loss_cases.py.
  grad.* of the loss with respect to the embeddings and every head and prefix weight.
args: k, l, conditioning (independent | prefix), heads (linear | margin), and the margin's keys.
__metadata__ torch_f32_max_rel: PyTorch's own float32 max_rel per checked tensor.

Hard regimes: *_confident puts every embedding at cosine 0.6-0.95 to its target row in each of
the l margin heads of k = 256 entries at s = 64; *_large_logits gives linear heads logits of a few
hundred, the code being the top logit on four rows (ahead by tens: losses far below 1e-6) and the third on two.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from make_loss_cases import at_cosine, margin_logits  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "token_cases")
DT = {torch.float64: "F64", torch.int64: "I64"}


def save(name, args, tensors, meta):
    header = {"__metadata__": dict({"op": "gif_token_loss", "args": json.dumps(args), "schema": "1"}, **meta)}
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


def token_loss(args, emb, codes, params):
    k, l = args["k"], args["l"]
    total = 0
    for j in range(l):
        h = emb
        if args["conditioning"] == "prefix" and j > 0:
            rows = torch.stack([i * k + codes[:, i] for i in range(j)], dim=1)
            h = params["prefix.weight"][rows].sum(1) + emb
        target = codes[:, j]
        if args["heads"] == "linear":
            z = h @ params["heads.%d.weight" % j].t() + params["heads.%d.bias" % j]
        else:
            cos = F.normalize(h) @ F.normalize(params["heads.%d.weight" % j]).t()
            z = margin_logits(cos, target, args["s"], args["m1"], args["m2"], args["m3"], args["margin_grad"])
        total = total + F.cross_entropy(z, target) / l
    return total


def evaluate(args, emb, codes, params, dtype):
    e = emb.to(dtype).clone().requires_grad_(True)
    ps = {n: p.to(dtype).clone().requires_grad_(True) for n, p in params.items()}
    loss = token_loss(args, e, codes, ps)
    loss.backward()
    out = {"output.loss": loss.detach(), "grad.embeddings": e.grad}
    for n, p in ps.items():
        out["grad." + n] = p.grad
    return out


def case(name, args, emb, codes, params):
    want = evaluate(args, emb, codes, params, torch.float64)
    got = evaluate(args, emb, codes, params, torch.float32)
    f32 = {n: ((got[n].double() - want[n]).abs().max() / max(want[n].abs().max().item(), 1e-12)).item() for n in sorted(want)}
    tensors = {"input.embeddings": emb, "input.codes": codes}
    for n, p in params.items():
        tensors["param." + n] = p
    tensors.update(want)
    save(name, args, tensors, {"torch_f32_max_rel": json.dumps(f32)})


def random_params(args, d, scale=1.0):
    k, l = args["k"], args["l"]
    p = {}
    for j in range(l):
        p["heads.%d.weight" % j] = torch.randn(k, d, dtype=torch.float64) * scale
        if args["heads"] == "linear":
            p["heads.%d.bias" % j] = torch.randn(k, dtype=torch.float64) * 0.1
    if args["conditioning"] == "prefix":
        p["prefix.weight"] = torch.randn((l - 1) * k, d, dtype=torch.float64) * 0.5
    return p


ARC_ST = {"heads": "margin", "s": 64.0, "m1": 1.0, "m2": 0.5, "m3": 0.0, "margin_grad": "straight_through"}
ARC_EXACT = dict(ARC_ST, margin_grad="exact")
COS_ST = {"heads": "margin", "s": 64.0, "m1": 1.0, "m2": 0.0, "m3": 0.4, "margin_grad": "straight_through"}


def small_cases():
    b, d, k, l = 6, 8, 5, 3
    for name, cond, heads in (("linear_independent", "independent", {"heads": "linear"}),
                              ("linear_prefix", "prefix", {"heads": "linear"}),
                              ("arcface_independent", "independent", ARC_ST),
                              ("arcface_prefix", "prefix", ARC_ST),
                              ("arcface_exact_prefix", "prefix", ARC_EXACT),
                              ("cosface_independent", "independent", COS_ST)):
        args = dict({"k": k, "l": l, "conditioning": cond}, **heads)
        emb = torch.randn(b, d, dtype=torch.float64)
        codes = torch.randint(0, k, (b, l))
        case("gif_" + name, args, emb, codes, random_params(args, d))


def confident_cases():
    """Each embedding at cosine 0.6-0.95 to its target row in every head (independent heads see e itself)."""
    b, d, k, l = 6, 64, 256, 2
    targets = [0.6, 0.7, 0.8, 0.9, 0.95, 0.75]
    for name, heads in (("arcface_confident", ARC_ST), ("arcface_confident_exact", ARC_EXACT), ("cosface_confident", COS_ST)):
        args = dict({"k": k, "l": l, "conditioning": "independent"}, **heads)
        codes = torch.randint(0, k, (b, l))
        emb = torch.randn(b, d, dtype=torch.float64)
        params = {}
        for j in range(l):
            w = torch.randn(k, d, dtype=torch.float64)
            for i in range(b):
                # rows shared by two samples keep the first one's placement
                if all(int(codes[q, j]) != int(codes[i, j]) for q in range(i)):
                    w[codes[i, j]] = at_cosine(emb[i], targets[i], 1.0 + i)
            params["heads.%d.weight" % j] = w
        case("gif_" + name, args, emb, codes, params)


def large_logit_case():
    """Linear heads with logits of a few hundred; the codes are the top logit on four rows (ahead by tens) and the third on two."""
    b, d, k, l = 6, 16, 32, 2
    args = {"k": k, "l": l, "conditioning": "prefix", "heads": "linear"}
    emb = torch.randn(b, d, dtype=torch.float64) * 10
    params = random_params(args, d, scale=3.0)
    codes = torch.zeros(b, l, dtype=torch.int64)
    for j in range(l):
        h = emb if j == 0 else params["prefix.weight"][codes[:, 0]] + emb
        z = h @ params["heads.%d.weight" % j].t() + params["heads.%d.bias" % j]
        order = z.argsort(dim=1, descending=True)
        for i in range(b):
            codes[i, j] = order[i, 0 if i < 4 else 2]
    case("gif_linear_large_logits", args, emb, codes, params)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(21)
    small_cases()
    confident_cases()
    large_logit_case()


if __name__ == "__main__":
    main()
