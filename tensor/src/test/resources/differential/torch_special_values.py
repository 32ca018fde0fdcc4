#!/usr/bin/env python3
"""Prints what PyTorch (1.13 was used) gives in the regimes the differential tests of the fast CPU
kernels (tensor/src/test/java/panface/tensor/cpu/*DifferentialTest.java) state PyTorch's answer for:
non-finite softmax rows, reductions with NaN, activations and their gradients at NaN, infinities,
subnormals and values near overflow, AdamW with non-finite gradients, and the float32 accuracy of
layer norm and batch norm on rows with a large offset and a small spread.

Run with a Python that has PyTorch:  python3 torch_special_values.py
"""
import torch
import torch.nn.functional as F

inf, nan = float("inf"), float("nan")


def show(name, t):
    print(f"{name:55s} {t.tolist()}")


print("== softmax / log_softmax over the last dimension (float32)")
for row in ([inf, 1, 2], [1, inf, inf], [-inf, -inf, -inf], [1, nan, 2], [1, -inf, 2]):
    x = torch.tensor([row])
    show(f"softmax {row}", torch.softmax(x, 1))
    show(f"log_softmax {row}", torch.log_softmax(x, 1))

print("== reductions")
show("max [1, nan, 2]", torch.max(torch.tensor([1.0, nan, 2.0])))
show("min [1, nan, 2]", torch.min(torch.tensor([1.0, nan, 2.0])))
show("sum [1, inf, -inf]", torch.sum(torch.tensor([1.0, inf, -inf])))

print("== activations and their gradients (upstream 0.5) at special inputs, float32")
xs = [nan, inf, -inf, 0.0, 3e38, -3e38, 1e-40]
ops = {
    "relu": F.relu, "relu6": F.relu6, "abs": torch.abs, "sign": torch.sign, "hardswish": F.hardswish,
    "hardsigmoid": F.hardsigmoid, "log": torch.log, "reciprocal": torch.reciprocal, "rsqrt": torch.rsqrt,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "gelu": F.gelu, "silu": F.silu,
    "clamp(-0.5, 2)": lambda x: torch.clamp(x, -0.5, 2.0), "leaky_relu(0.2)": lambda x: F.leaky_relu(x, 0.2),
}
print(f"{'inputs':55s} {xs}")
for name, f in ops.items():
    x = torch.tensor(xs, requires_grad=True)
    y = f(x)
    y.backward(torch.full_like(y, 0.5))
    show(f"{name} forward", y)
    show(f"{name} gradient", x.grad)

print("== AdamW step 1 with non-finite gradients (lr 1e-3, weight decay 0.05)")
for g in (nan, inf, -inf):
    p = torch.ones(1, requires_grad=True)
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=0.05)
    p.grad = torch.tensor([g])
    opt.step()
    show(f"parameter after gradient {g}", p.detach())

print("== layer norm and batch norm on 12345.678 + s N(0,1), float32 against float64")
torch.manual_seed(0)
for s in (1e-3, 1.0):
    for n in (35, 1021, 100003):
        x = (12345.678 + s * torch.randn(3, n, dtype=torch.float64)).float()
        y32 = torch.layer_norm(x, (n,), eps=1e-5)
        y64 = torch.layer_norm(x.double(), (n,), eps=1e-5)
        rstd = 1 / torch.sqrt(x.double().var(1, unbiased=False) + 1e-5)
        err = (y32.double() - y64).abs().max().item()
        units = err / (2 ** -24 * 12345.678 * rstd.max().item())
        xb = x.t().contiguous()
        b32 = torch.batch_norm(xb, None, None, None, None, True, 0.1, 1e-5, False)
        b64 = torch.batch_norm(xb.double(), None, None, None, None, True, 0.1, 1e-5, False)
        print(f"s={s:g} n={n}: layer norm max error {err:.3g} ({units:.2f} u max|x| rstd), "
              f"batch norm (n, 3) max error {(b32.double() - b64).abs().max().item():.3g}")
