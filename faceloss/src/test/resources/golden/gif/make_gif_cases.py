"""Writes the homogenisation golden files: one step of the guessed GIF homogenisation objective.

homogenisation_step.txt: the full step, by autograd (m = 7, d = 5, t = 2).
homogenisation_step_hard.txt: the same at t = 50 with the vectors in tight clusters (cosines up to
0.999 within a cluster: the weights exp(t s) span e^100 and only the nearest neighbours count).
sampled_step.txt, sampled_step_hard.txt: one step of SampledHomogenisation (rows [a0, a1) moved
against the listed columns, which repeat a column and include a moved row, skipped as its own
pair), written out from the sampled formula in float64, and checked here against autograd of
the full objective when the block and the columns are every row.

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



def write(path, header, blocks):
    with open(path, "w") as f:
        f.write("# %s\n" % header)
        for name, a in blocks:
            f.write("%s %d %d\n" % (name, a.shape[0], a.shape[1]))
            for row in a.tolist():
                f.write(" ".join(repr(float(z)) for z in row) + "\n")


write("homogenisation_step.txt", "t=%r lambda=%r lr=%r" % (t, lam, lr),
      [("anchor", v0), ("start", v), ("loss", loss.detach().reshape(1, 1)), ("next", nxt)])


def full_step(v, v0, t, lam, lr):
    m = v.shape[0]
    x = v.clone().requires_grad_(True)
    mask = ~torch.eye(m, dtype=torch.bool)
    s = x @ x.T
    loss = torch.logsumexp(t * s[mask], dim=0) + lam / m * ((x - v0) ** 2).sum()
    (g,) = torch.autograd.grad(loss, x)
    return loss.detach(), torch.nn.functional.normalize(v - lr * m * g, dim=1)


def sampled_step(v, v0, t, lam, lr, a0, a1, cols):
    """SampledHomogenisation's step written out: rows [a0, a1) against the columns (repeats counted, own pairs skipped)."""
    m = v.shape[0]
    rows = torch.arange(a0, a1)
    s = v[rows] @ v[cols].T
    keep = (rows.unsqueeze(1) != cols.unsqueeze(0)).double()
    w = torch.exp(t * s) * keep
    total = w.sum()
    pairs = keep.sum()
    grad = 2 * t * (a1 - a0) * (w @ v[cols]) / total + 2 * lam * (v[rows] - v0[rows])
    out = v.clone()
    out[rows] = torch.nn.functional.normalize(v[rows] - lr * grad, dim=1)
    est = torch.log(total * m * (m - 1) / pairs) + lam / (a1 - a0) * ((v[rows] - v0[rows]) ** 2).sum()
    return est, out


# the sampled formula with every row and every column is the full step
for check in range(2):
    vc = unit32(torch.randn(9, 4))
    v0c = unit32(vc + 0.2 * torch.randn(9, 4))
    fl, fn = full_step(vc, v0c, 3.0, 0.2, 0.05)
    sl, sn = sampled_step(vc, v0c, 3.0, 0.2, 0.05, 0, 9, torch.arange(9))
    assert abs(fl - sl) < 1e-12 and (fn - sn).abs().max() < 1e-12, (fl, sl, (fn - sn).abs().max())


def clustered(m, d, clusters, spread):
    centres = torch.randn(clusters, d)
    return unit32(centres[torch.arange(m) % clusters] + spread * torch.randn(m, d))


t_hard = 50.0
vh0 = clustered(m, d, 3, 0.03)
vh = unit32(vh0 + 0.02 * torch.randn(m, d))
hl, hn = full_step(vh, vh0, t_hard, lam, lr)
write("homogenisation_step_hard.txt", "t=%r lambda=%r lr=%r" % (t_hard, lam, lr),
      [("anchor", vh0), ("start", vh), ("loss", hl.reshape(1, 1)), ("next", hn)])

ms, ds = 11, 6
for name, tt, vs0 in (("sampled_step.txt", t, unit32(torch.randn(ms, ds))), ("sampled_step_hard.txt", t_hard, clustered(ms, ds, 2, 0.03))):
    vs = unit32(vs0 + 0.1 * torch.randn(ms, ds))
    a0, a1 = 3, 7
    cols = torch.tensor([0, 5, 9, 9, 2, 10, 4])
    est, out = sampled_step(vs, vs0, tt, lam, lr, a0, a1, cols)
    write(name, "t=%r lambda=%r lr=%r rows [a0, a1) and columns as blocks" % (tt, lam, lr),
          [("anchor", vs0), ("start", vs), ("rows", torch.tensor([[a0, a1]])), ("columns", cols.reshape(1, -1)),
           ("loss", est.reshape(1, 1)), ("next", out)])
