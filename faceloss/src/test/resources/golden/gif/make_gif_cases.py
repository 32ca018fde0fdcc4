"""Writes homogenisation_step.txt: one step of the guessed GIF homogenisation objective, by autograd.

L(V) = log sum_{a != b} exp(t V_a . V_b) + (lam / m) * sum_y |V_y - V0_y|^2 (the case starts from V
away from V0, so the anchor term and its gradient are not zero).
Step: V <- normalize(V - lr * m * dL/dV). Run with PyTorch 1.13: python3 make_gif_cases.py
Format: blocks "name rows cols" followed by rows lines of cols numbers (repr of float64).
"""
import torch

torch.manual_seed(3)
m, d, t, lam, lr = 7, 5, 2.0, 0.1, 0.05


def unit32(x):
    # float32 values, so that the Java side (float32 storage) reads them exactly
    return torch.nn.functional.normalize(x.float(), dim=1).double()


v0 = unit32(torch.randn(m, d))
v = unit32(v0 + 0.3 * torch.randn(m, d))


def loss_of(x):
    s = x @ x.T
    mask = ~torch.eye(m, dtype=torch.bool)
    return torch.logsumexp(t * s[mask], dim=0) + lam / m * ((x - v0) ** 2).sum()


x = v.clone().requires_grad_(True)
loss = loss_of(x)
(g,) = torch.autograd.grad(loss, x)
nxt = torch.nn.functional.normalize(v - lr * m * g, dim=1)

with open("homogenisation_step.txt", "w") as f:
    f.write("# t=%r lambda=%r lr=%r\n" % (t, lam, lr))
    for name, a in [("anchor", v0), ("start", v), ("loss", loss.detach().reshape(1, 1)), ("next", nxt)]:
        f.write("%s %d %d\n" % (name, a.shape[0], a.shape[1]))
        for row in a.tolist():
            f.write(" ".join(repr(float(z)) for z in row) + "\n")
